"""The logic stages, in pipeline order; each hands the next plain immutable data.

    language/    the rule language: AST, parser, static checks, predicate dependency graph
    program/     rule files -> checked Program -> clauses and firing relations; Model -> input facts
    engines/     the backend interface and its engines (native, clingo, pyDatalog), the engine fuzzer
    provenance   proofs of derived facts and threats, from the firing relations
"""
