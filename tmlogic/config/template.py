"""The `.tmlogic.yaml` that `tmlogic init` writes: every setting, commented, with the models found."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["init_text"]

_BODY = """\
# tmlogic project configuration (docs/configuration.md). Paths are relative to this file.
# Command-line flags override what is set here.
version: 1

# The models `tmlogic analyze` runs when given no model: files, project folders (main.md) or globs.
# Each entry can carry its own settings (any key below, except version and models).
models:
{models}

# Fail the build (exit 1) on threats at or above this level: low, medium, elevated, high, critical, none.
fail_on: high
# Count only threats that are new since the baseline and not in progress in the risk file.
fail_new_only: false
# baseline: origin/main             # a git revision of each model, or a result JSON

# Extra rule packs: folders (./rules/ours) or built-in optional packs by name.
packs: []
# builtin_rules: true               # false: run only the packs above

rules:
  # Run only rules matching these (empty: all). Selectors: a rule id or glob (TM-NET-*),
  # tag:NAME, stride:CATEGORY, severity:LEVEL (or <=, >=, <, >), pack:NAME.
  enable: []
  # Switch rules off for this repository.
  disable: []
  #   - TM-WEB-007                    # e.g. a rule that does not apply here
  #   - tag:supply-chain
  # The project's severity for a rule, with the reason (shown in every severity breakdown).
  severity: {{}}
  #   TM-NET-001: {{level: critical, reason: "card data crosses this boundary (PCI DSS scope)"}}
  # Threats of these rules fail the build whatever their level (unless accepted).
  hard_fail: []

# Reports `tmlogic analyze` writes on every run (text, json, sarif, stix, navigator, html,
# markdown, dot, svg, junit, gitlab-sast, csv), into this folder (one subfolder per model
# when there are several).
output:
  formats: []
  dir: tmlogic-results

# Where each model's risk file is: {{dir}} is the model's folder, {{stem}} its name without suffix.
risks: "{{dir}}/{{stem}}.risks.yaml"

sarif:
  # Keep accepted threats in SARIF as suppressed results (GitHub ignores suppressions and would
  # show them as open alerts, so by default they are left out of the file).
  suppressions: false

# strict: false                     # unknown model keys are errors
# lenient: false                    # typos of security-relevant keys (trust, encryption, ...) only warn
"""


def init_text(models: Sequence[str]) -> str:
    """The config text, listing `models` (paths relative to the config), or an example entry."""
    lines = [f"  - {m}" for m in models] or ["  - threat_model.md"]
    return _BODY.format(models="\n".join(lines))
