"""`tmlogic serve`: the live editor, a model beside its diagram, threats, proofs and diff.

app.py (ASGI routes and sessions) -> live.py (the CLI's analysis path, on unsaved buffers) and
changes.py (the diff panel); security.py (Host, token, origin, size, CSP) and files.py (the
served folder, atomic writes) guard every request; static/ holds the built editor
(frontend/ rebuilds it). See docs/editor.md.
"""
