"""The logic engines behind one interface (`base.Backend`): the native semi-naive engine and the
pyDatalog adapter. Each loads a CompiledProgram with a FactBase and answers queries in sorted order."""
