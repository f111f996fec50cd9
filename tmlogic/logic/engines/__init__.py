"""The logic engines behind one interface (`base.Backend`): the native semi-naive engine (with its
relations, join planner and compiled joins), the clingo adapter and the pyDatalog adapter. Each
loads a CompiledProgram with a FactBase and answers queries in sorted order."""
