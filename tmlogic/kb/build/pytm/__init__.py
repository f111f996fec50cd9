"""pytm's threat library as a tmlogic rule pack (packs/pytm/), translated offline.

    library.py    read threatlib/threats.json from the installed pytm (data only, never run)
    condition.py  parse each condition with `ast` into attribute tests (nothing is evaluated)
    kleene.py     when a condition is known true or false, given that unstated means unknown
    mapping.py    which model facts stand for which pytm class and attribute (docs/pytm.md)
    catalogue.py  the STRIDE category of each threat, pytm's ratings in tmlogic's scales
    translate.py  a threat -> Datalog clauses; what cannot be translated, and why
    fixtures.py   the generated positive and negative fixture models of each rule
    render.py     the pack's files: rules, mapping, report, README
    pack.py       build the files and write the folder

`tmlogic kb pytm` runs it. This is the only code of tmlogic that reads pytm's files; nothing
on the analysis path imports pytm (tests/test_pytm_pack.py checks it).
"""

from __future__ import annotations

from .library import Library, installed_library, read_library
from .pack import PackSummary, pack_files, write_pack

__all__ = ["Library", "installed_library", "read_library", "PackSummary", "pack_files", "write_pack"]
