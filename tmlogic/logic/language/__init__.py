"""The rule language: its AST, the Lark parser that builds it, and the static checks.

Text in, a checked `Program` (or every problem as diagnostics) out; nothing here evaluates a rule.
"""
