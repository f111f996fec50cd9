"""What the engines run: rule files loaded into a checked Program (schema, prelude, built-in and
user packs), compiled into backend-neutral clauses with one firing relation per rule, and the
input facts a Model compiles to."""
