"""Models from where they already live: one module per input format, one shared contract.

    registry.py   which formats exist, what they read, their drift flag and extra options
    located.py    safe YAML/JSON readers: every value with its file:line:col
    base.py       ImportContext and Fields: the contract (report what is not taken)
    draft.py      Draft: what an importer produces, in the model language's terms
    report.py     the import report (mapped, approximated, not mapped), text and JSON
    writer.py     Draft -> Markdown or YAML model (a generated block), risk file
    pipeline.py   run an importer, check the generated model, merge into an existing file
    drift.py      compare a Model with a Draft read from infrastructure as code
    technology.py images, products, ports and URL schemes -> the vocabulary's types and protocols
    otm.py  threagile.py  threat_dragon.py  compose.py  kubernetes.py  terraform.py

The commands (`tmlogic import | export | drift`) are in tmlogic/cli/integrations.py and read the
registry; importer modules are imported only when their format is used, so the CLI stays fast.
"""

from __future__ import annotations

from .registry import IMPORTERS, ImporterSpec, OptionSpec, importer

__all__ = ["IMPORTERS", "ImporterSpec", "OptionSpec", "importer"]
