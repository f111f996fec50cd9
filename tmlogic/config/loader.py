"""Find and read `.tmlogic.yaml`, checked like a model: every problem at once, each at
file:line:col with a "did you mean". The file is only composed with PyYAML's SafeLoader and read
node by node; no YAML tag builds an object.
"""

from __future__ import annotations

import glob
import os
import re
import string
from collections.abc import Callable
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .._errors import Diagnostic, DiagnosticsError, Level, SourceSpan, display_path
from ..diagnostics import DiagnosticBag, did_you_mean
from ..fileaccess import FileAccessError, read_text
from ..limits import current as current_limits
from ..policy import RulePolicy, RuleSelector, SelectorError, SeverityOverride, parse_selector
from ..severity import LEVELS
from ..syntax import yaml_error_diagnostic
from ..syntax.spans import node_span
from ..yamlcheck import check_document, too_deep
from .settings import ModelEntry, ProjectConfig, Settings

__all__ = ["ConfigError", "load_config", "FORMAT_NAMES"]

_TAG = "tag:yaml.org,2002:"
_CODE = "config"
# The formats `analyze` writes (outputs/formats.py), listed here so reading a config imports no renderer.
FORMAT_NAMES = ("text", "json", "sarif", "stix", "navigator", "html", "markdown", "dot", "svg",
                "junit", "gitlab-sast", "csv")
_ENGINES = ("native", "pydatalog")
_SETTING_KEYS = ("fail_on", "fail_new_only", "packs", "builtin_rules", "rules", "output", "risks", "baseline",
                 "strict", "lenient", "engine", "sarif")
_TOP_KEYS = ("version", "models") + _SETTING_KEYS
_MODEL_KEYS = ("path",) + _SETTING_KEYS
_RULES_KEYS = ("enable", "disable", "severity", "hard_fail")
_RISK_FIELDS = frozenset({"dir", "stem", "name"})


class ConfigError(DiagnosticsError):
    """A `.tmlogic.yaml` that cannot be read or breaks the format (exit code 2)."""


def _key(node: Node) -> str:
    return node.value.strip().lower().replace("-", "_") if isinstance(node, ScalarNode) else ""


class _Reader:
    def __init__(self, path: Path, shown: str) -> None:
        self.root = path.parent
        self.shown = shown
        self.bag = DiagnosticBag()

    def span(self, node: Node) -> SourceSpan:
        return node_span(self.shown, node)

    def error(self, node: Node, message: str, hint: str) -> None:
        self.bag.error(self.span(node), message, _CODE, hint)

    # -- values ------------------------------------------------------------------------------------

    def scalar(self, node: Node, key: str) -> str | None:
        if not isinstance(node, ScalarNode):
            self.error(node, f"'{key}' takes a single value here", f"write `{key}: value`")
            return None
        if node.tag == _TAG + "null" and node.style is None:
            return None
        return str(node.value).strip()

    def boolean(self, node: Node, key: str) -> bool | None:
        text = self.scalar(node, key)
        if text is None:
            return None
        value = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}.get(text.lower())
        if value is None:
            self.error(node, f"'{key}' is true or false, not '{text}'", f"write `{key}: true` or `{key}: false`")
        return value

    def choice(self, node: Node, key: str, allowed: tuple[str, ...]) -> str | None:
        text = self.scalar(node, key)
        if text is None:
            return None
        if text.lower() not in allowed:
            self.error(node, f"'{text}' is not a value of '{key}'",
                       did_you_mean(text.lower(), allowed) or f"use one of {', '.join(allowed)}")
            return None
        return text.lower()

    def strings(self, node: Node, key: str) -> list[tuple[str, Node]]:
        """A list of scalars (a single scalar counts as a list of one)."""
        if isinstance(node, ScalarNode):
            text = self.scalar(node, key)
            return [] if text is None else [(text, node)]
        if not isinstance(node, SequenceNode):
            self.error(node, f"'{key}' is a list", f"write `{key}: [a, b]` or one `- item` per line")
            return []
        out: list[tuple[str, Node]] = []
        for item in node.value:
            text = self.scalar(item, key)
            if text:
                out.append((text, item))
        return out

    def mapping(self, node: Node, key: str, allowed: tuple[str, ...]) -> dict[str, tuple[Node, Node]]:
        """A mapping with known keys: canonical key -> (key node, value node); unknown keys are errors."""
        if isinstance(node, ScalarNode) and node.tag == _TAG + "null":
            return {}
        if not isinstance(node, MappingNode):
            self.error(node, f"'{key}' holds settings, one `name: value` per line", "see `tmlogic init` for an example")
            return {}
        out: dict[str, tuple[Node, Node]] = {}
        for k, v in node.value:
            name = _key(k)
            if name not in allowed:
                shown = k.value if isinstance(k, ScalarNode) else "?"
                self.error(k, f"unknown key '{shown}'" + (f" in '{key}'" if key != "the config" else ""),
                           did_you_mean(name, allowed) or f"the keys here are {', '.join(allowed)}")
            elif name in out:
                self.error(k, f"'{name}' appears twice", "keep one")
            else:
                out[name] = (k, v)
        return out

    def selectors(self, node: Node, key: str) -> tuple[RuleSelector, ...]:
        out: list[RuleSelector] = []
        for text, item in self.strings(node, key):
            try:
                out.append(parse_selector(text, self.span(item)))
            except SelectorError as exc:
                self.error(item, str(exc).split("; ")[0], "; ".join(str(exc).split("; ")[1:]) or "see `tmlogic rules list`")
        return tuple(out)

    def overrides(self, node: Node) -> tuple[SeverityOverride, ...]:
        if not isinstance(node, MappingNode):
            self.error(node, "'severity' maps rule ids to the project's severity",
                       "write `TM-NET-001: {level: critical, reason: \"...\"}`")
            return ()
        out: list[SeverityOverride] = []
        for k, v in node.value:
            rule = k.value.strip() if isinstance(k, ScalarNode) else ""
            if not re.fullmatch(r"[A-Za-z0-9_*?\[\]!-]+", rule):
                self.error(k, f"'{rule}' is not a rule id", "write the rule id (TM-NET-001) or a glob (TM-NET-*)")
                continue
            level = reason = None
            if isinstance(v, ScalarNode):
                level = self.choice(v, rule, LEVELS)
                self.error(v, f"the override of {rule} gives no reason", f"write `{rule}: {{level: {level or 'high'}, "
                           "reason: \"why this severity fits here\"}`")
                continue
            fields_ = self.mapping(v, rule, ("level", "severity", "reason"))
            if "level" in fields_ and "severity" in fields_:
                self.error(fields_["severity"][0], "give either 'level' or 'severity', not both", "keep one")
                continue
            chosen = fields_.get("level") or fields_.get("severity")
            level = self.choice(chosen[1], "level", LEVELS) if chosen else None
            reason = self.scalar(fields_["reason"][1], "reason") if "reason" in fields_ else None
            if chosen is None:
                self.error(v, f"the override of {rule} gives no level", f"add `level:` ({', '.join(LEVELS)})")
            if not reason:
                self.error(v, f"the override of {rule} gives no reason", "add `reason:` saying why this severity fits here")
            if level and reason:
                out.append(SeverityOverride(rule, level, reason, self.span(k)))
        return tuple(out)

    def pack(self, text: str, node: Node) -> Path | None:
        from ..resources import optional_packs

        candidate = self.root / text
        if "/" in text or "\\" in text or text.startswith(".") or candidate.exists():
            if not candidate.exists():
                self.error(node, f"rule pack '{text}' not found", "give a folder (or .dl file) relative to this config file")
                return None
            return candidate.resolve()
        known = optional_packs()
        if text in known:
            return known[text]
        self.error(node, f"'{text}' is neither a folder next to this config nor a built-in optional pack",
                   did_you_mean(text, known) or (f"the built-in optional packs are {', '.join(known)}" if known
                                                 else "write a folder path (./rules/ours); this tmlogic ships no optional packs"))
        return None

    def risk_template(self, node: Node) -> str | None:
        text = self.scalar(node, "risks")
        if text is None:
            return None
        try:
            used = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except ValueError:
            used = {"?"}
        bad = used - _RISK_FIELDS
        if bad:
            self.error(node, f"'{text}' uses {', '.join('{' + b + '}' for b in sorted(bad))}, which the risk-file path "
                       "does not know", "use {dir} (the model's folder), {stem} (its name without suffix) or {name}")
            return None
        return text

    # -- settings ----------------------------------------------------------------------------------

    def settings(self, found: dict[str, tuple[Node, Node]]) -> Settings:
        s = Settings()
        handlers: dict[str, Callable[[Node], Settings]] = {
            "fail_on": lambda v: Settings(fail_on=self.choice(v, "fail_on", ("none",) + LEVELS)),
            "fail_new_only": lambda v: Settings(fail_new_only=self.boolean(v, "fail_new_only")),
            "builtin_rules": lambda v: Settings(builtin_rules=self.boolean(v, "builtin_rules")),
            "strict": lambda v: Settings(strict=self.boolean(v, "strict")),
            "lenient": lambda v: Settings(lenient=self.boolean(v, "lenient")),
            "engine": lambda v: Settings(engine=self.choice(v, "engine", _ENGINES)),
            "baseline": lambda v: Settings(baseline=self.scalar(v, "baseline")),
            "risks": lambda v: Settings(risks=self.risk_template(v)),
            "packs": lambda v: Settings(packs=tuple(p for t, n in self.strings(v, "packs") if (p := self.pack(t, n)))),
            "rules": self.rules,
            "output": self.output,
            "sarif": self.sarif,
        }
        for key, (_, value) in found.items():
            if key in handlers:
                s = handlers[key](value).over(s)
        return s

    def rules(self, node: Node) -> Settings:
        found = self.mapping(node, "rules", _RULES_KEYS)
        policy = RulePolicy(
            enable=self.selectors(found["enable"][1], "enable") if "enable" in found else (),
            disable=self.selectors(found["disable"][1], "disable") if "disable" in found else (),
            overrides=self.overrides(found["severity"][1]) if "severity" in found else (),
            hard_fail=self.selectors(found["hard_fail"][1], "hard_fail") if "hard_fail" in found else (),
        )
        return Settings(policy=policy)

    def output(self, node: Node) -> Settings:
        found = self.mapping(node, "output", ("formats", "dir"))
        formats: list[str] = []
        for text, item in self.strings(found["formats"][1], "formats") if "formats" in found else []:
            if text.lower() not in FORMAT_NAMES:
                self.error(item, f"unknown output format '{text}'",
                           did_you_mean(text.lower(), FORMAT_NAMES) or f"the formats are {', '.join(FORMAT_NAMES)}")
            else:
                formats.append(text.lower())
        folder = self.scalar(found["dir"][1], "dir") if "dir" in found else None
        return Settings(formats=tuple(dict.fromkeys(formats)) if "formats" in found else None,
                        output_dir=(self.root / folder) if folder else None)

    def sarif(self, node: Node) -> Settings:
        found = self.mapping(node, "sarif", ("suppressions", "help_uri"))
        value = self.boolean(found["suppressions"][1], "suppressions") if "suppressions" in found else None
        uri = self.scalar(found["help_uri"][1], "help_uri") if "help_uri" in found else None
        if uri is not None:
            try:
                uri.format(rule="R", anchor="a", version="v")
                ok = uri.startswith(("https://", "http://"))
            except (KeyError, IndexError, ValueError):
                ok = False
            if not ok:
                self.error(found["help_uri"][1], f"'{uri}' is not a help-page template",
                           "write an https:// address; {rule}, {anchor} and {version} are filled in")
                uri = None
        return Settings(sarif_suppressions=value, help_uri=uri)

    # -- models --------------------------------------------------------------------------------------

    def models(self, node: Node) -> tuple[ModelEntry, ...]:
        if not isinstance(node, SequenceNode):
            self.error(node, "'models' is a list of model files", "write one `- path/to/threat_model.md` per line")
            return ()
        out: list[ModelEntry] = []
        for item in node.value:
            at: Node = item
            if isinstance(item, ScalarNode):
                pattern, settings = self.scalar(item, "models"), Settings()
            else:
                found = self.mapping(item, "a model entry", _MODEL_KEYS)
                if "path" not in found:
                    self.error(item, "this model entry has no path", "add `path: threat_model.md` (a file, folder or glob)")
                    continue
                at = found["path"][1]
                pattern, settings = self.scalar(at, "path"), self.settings(found)
            if pattern:
                paths = self.expand(pattern, at)
                if paths:
                    out.append(ModelEntry(pattern, self.span(at), paths, settings))
        return tuple(out)

    def expand(self, pattern: str, node: Node) -> tuple[Path, ...]:
        if glob.has_magic(pattern):
            if Path(pattern).is_absolute():
                self.error(node, f"'{pattern}' is an absolute path", "write a pattern relative to this config file")
                return ()
            # pathlib's `**` does not descend into linked folders (glob.glob's does: two links to `.`
            # committed in a pull request make it walk 2^40 paths), and the matches are capped.
            cap = current_limits().model_files
            matches: list[Path] = []
            try:
                for match in self.root.glob(pattern):
                    if len(matches) == cap:
                        self.error(node, f"'{pattern}' matches more than {cap:,} files",
                                   "narrow the pattern, or raise the limit: tmlogic --limit model_files=N")
                        return ()
                    matches.append(match)
            except (ValueError, NotImplementedError, OSError) as exc:  # `a**b`: ** must be a whole component
                self.error(node, f"'{pattern}' is not a usable pattern: {exc}", "write e.g. models/**/*.md")
                return ()
            matches.sort()
            if not matches:
                self.error(node, f"no file matches '{pattern}'", "check the pattern; it is relative to this config file")
            return tuple(matches)
        path = self.root / pattern
        if not path.exists():
            # Suggestions come only from folders of the project: no listing of /etc in a CI log.
            inside = path.parent.resolve().is_relative_to(self.root.resolve())
            siblings = [p.name for p in path.parent.iterdir()] if inside and path.parent.is_dir() else []
            self.error(node, f"model '{pattern}' not found",
                       did_you_mean(path.name, siblings) or "give a path relative to this config file")
            return ()
        return (path,)

    # -- the file --------------------------------------------------------------------------------------

    def read(self, text: str) -> tuple[Settings, tuple[ModelEntry, ...]] | None:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            self.bag.extend([yaml_error_diagnostic(exc, text, self.shown, _CODE)])
            return None
        except RecursionError:
            self.bag.extend([too_deep(self.shown)])
            return None
        bounds = check_document(root, self.shown)  # alias expansion and depth (limits.py)
        if bounds is not None:
            self.bag.extend([bounds])
            return None
        if root is None:
            return Settings(), ()
        found = self.mapping(root, "the config", _TOP_KEYS)
        if "version" in found and self.scalar(found["version"][1], "version") not in ("1", None):
            self.error(found["version"][1], "this config version is not supported", "this tmlogic reads `version: 1`")
        models = self.models(found["models"][1]) if "models" in found else ()
        return self.settings(found), models


def load_config(path: Path) -> ProjectConfig:
    """Read and check a config file. Raises ConfigError listing every problem."""
    shown = display_path(path)
    if not os.path.lexists(path):
        raise ConfigError([Diagnostic(Level.ERROR, SourceSpan(shown, 1, 1), f"config file '{shown}' not found", _CODE,
                                      "create one with `tmlogic init`, or fix the --config path")])
    try:
        text = read_text(path, what="config file", shown=shown)  # regular, inside the project, capped
    except FileAccessError as exc:
        raise ConfigError(exc.diagnostics) from None
    reader = _Reader(Path(path).resolve(), shown)
    read = reader.read(text)
    if read is None or reader.bag.has_errors:
        raise ConfigError(reader.bag.items)
    return ProjectConfig(Path(path).resolve(), read[0], read[1], tuple(reader.bag.warnings), shown)
