"""Syntax errors in YAML and JSON input, explained for a person: the line and column of the real
mistake (not where the parser gave up), a sentence about the likely cause, and a hint.

Every reader of YAML (models, the risk file, `.tmlogic.yaml`) and of JSON (baselines) calls
these instead of showing the parser's own text:

    yaml_error_diagnostic(exc, text, path, code)  -> Diagnostic
    json_error_diagnostic(exc, text, path, code)  -> Diagnostic

Each loads with its module on first use: a run that reads no YAML does not import the YAML parser.
"""

from ..lazy import lazy_names
from ..typing_runtime import TYPE_CHECKING

if TYPE_CHECKING:
    from .json_errors import json_error_diagnostic
    from .yaml_errors import yaml_error_diagnostic

__getattr__ = lazy_names(__name__, globals(), {"json_error_diagnostic": "json_errors",
                                              "yaml_error_diagnostic": "yaml_errors"})

__all__ = ["yaml_error_diagnostic", "json_error_diagnostic"]
