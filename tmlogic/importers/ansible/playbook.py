"""Playbooks and roles, read as data: plays, their hosts and vars, and every task they would run.

A playbook is a list of plays (and `import_playbook:` entries). A play's tasks are its
pre_tasks, roles, tasks, post_tasks and handlers; blocks (block/rescue/always) are flattened;
`include_tasks`, `import_tasks` and the old `include` pull in task files; `include_role` and
`import_role` pull in roles. A role is found as ROLE under the playbook's roles/ folder (or a
roles_path of ansible.cfg beside it) and read from tasks/, handlers/, defaults/, vars/ and
meta/ (dependencies); its templates/ and files/ are looked up when a task deploys one. A role
that is not on disk (from Galaxy, not installed) is kept by its name.

Nothing runs: `when:` is not evaluated (every task counts), loops are read as their items.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from pathlib import Path

from ..._errors import SourceSpan
from ..base import ImportContext
from ..located import Mapping, Node, Scalar, Sequence, describe
from .values import kv_args

__all__ = ["Task", "Role", "Play", "read_playbooks", "module_name"]

_TASK_KEYWORDS = frozenset({
    "name", "when", "notify", "register", "tags", "become", "become_user", "become_method", "become_flags",
    "delegate_to", "delegate_facts", "run_once", "ignore_errors", "ignore_unreachable", "changed_when", "failed_when",
    "loop", "loop_control", "until", "retries", "delay", "vars", "args", "environment", "no_log", "check_mode",
    "diff", "any_errors_fatal", "async", "poll", "throttle", "timeout", "listen", "module_defaults", "collections",
    "connection", "remote_user", "debugger", "port", "local_action", "action", "block", "rescue", "always",
    "become_exe", "tags", "vars_files",
})
_MAX_DEPTH = 20


def module_name(key: str) -> str:
    """ansible.builtin.apt -> apt; community.general.ufw -> ufw."""
    return key.rsplit(".", 1)[-1]


@dataclass
class Task:
    module: str
    args: dict[str, Node]
    raw: Node | None  # the module's own value (a free-form command, or the args mapping)
    span: SourceSpan
    file: Path
    loop: list[Node] = field(default_factory=list)
    vars: dict[str, Node] = field(default_factory=dict)
    role: "Role | None" = None
    delegate_to: str | None = None


@dataclass
class Role:
    name: str
    span: SourceSpan  # where it is named
    path: Path | None
    defaults: dict[str, Node] = field(default_factory=dict)
    vars: dict[str, Node] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)


@dataclass
class Play:
    name: str
    hosts: str
    span: SourceSpan
    file: Path
    vars: dict[str, Node] = field(default_factory=dict)
    roles: list[Role] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    connection: str | None = None
    metadata: Mapping | None = None
    metadata_span: SourceSpan | None = None


class _Reader:
    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.plays: list[Play] = []
        self.reading: list[Path] = []
        self.base: Path = Path(".")  # the playbook whose roles/ folder roles are looked up in
        self.current: Play | None = None  # the play being read (include_role adds to its roles)

    # -- files ------------------------------------------------------------------------------

    def yaml_list(self, path: Path, what: str) -> list[Node]:
        docs = self.ctx.yaml(path)
        out: list[Node] = []
        for doc in docs:
            if isinstance(doc, Scalar) and doc.value is None:
                continue
            out += list(self.ctx.sequence(doc, what, doc.span, f"{what} is a YAML list"))
        return out

    def yaml_vars(self, path: Path, what: str) -> dict[str, Node]:
        out: dict[str, Node] = {}
        for doc in self.ctx.yaml(path):
            if isinstance(doc, Scalar) and doc.value is None:
                continue
            out.update(self.ctx.mapping(doc, what, doc.span, f"{what} is a mapping of variables").entries)
        return out

    def missing(self, what: str, span: SourceSpan, looked: list[Path]) -> None:
        self.ctx.report.skip(what, span, "not found (looked at " + ", ".join(self.ctx.relative(p) for p in looked[:3])
                             + "): what it would deploy is not in the model")

    # -- playbooks ----------------------------------------------------------------------------

    def playbook(self, path: Path, depth: int = 0) -> None:
        if path.resolve() in self.reading or depth > _MAX_DEPTH:
            self.ctx.report.skip(f"playbook {self.ctx.relative(path)}", SourceSpan(self.ctx.shown(path), 1, 1),
                                 "imported again from itself: read once")
            return
        self.reading.append(path.resolve())
        self.base = path
        entries = self.yaml_list(path, "a playbook")
        if not entries and depth == 0:
            self.ctx.fail(SourceSpan(self.ctx.shown(path), 1, 1), "the playbook is empty (Ansible refuses it too)",
                          "give a playbook: a list of plays with hosts: and tasks: or roles:")
        for entry in entries:
            play = self.ctx.mapping(entry, "a play", entry.span, "a play is a mapping with hosts: and tasks: or roles:")
            imported = play.get("import_playbook") or play.get("ansible.builtin.import_playbook") \
                or play.get("include")
            if isinstance(imported, Scalar) and "hosts" not in play:
                target = path.parent / imported.text()
                if target.is_file():
                    self.playbook(target, depth + 1)
                else:
                    self.missing(f"import_playbook {imported.text()}", imported.span, [target])
                continue
            self.play(path, play)
        self.reading.pop()

    def play(self, path: Path, node: Mapping) -> None:
        f = self.ctx.fields(node, "play")
        hosts = f.get("hosts")
        if isinstance(hosts, Sequence):
            pattern = ",".join(i.text() for i in hosts if isinstance(i, Scalar))
        elif isinstance(hosts, Scalar) and hosts.value is not None:
            pattern = hosts.text()
        else:
            self.ctx.fail(node.span, "a play without hosts:", "name the hosts or groups the play runs on")
        play = Play(f.text("name") or pattern, pattern, node.span, path, connection=f.text("connection"))
        self.current = play
        for variables in _var_mappings(self.ctx, f.get("vars"), "play vars"):
            for key, value in variables.items():
                if key == "threat_model_metadata" and isinstance(value, Mapping):
                    play.metadata, play.metadata_span = value, variables.where(key)
                else:
                    play.vars[key] = value
        for item in _list(f.get("vars_files")):
            if isinstance(item, Scalar) and item.value is not None:
                target = path.parent / item.text()
                if target.is_file() and "{{" not in item.text():
                    play.vars.update(self.yaml_vars(target, f"vars file {item.text()}"))
                else:
                    self.missing(f"vars_files {item.text()}", item.span, [target])
        for key in ("pre_tasks",):
            play.tasks += self.tasks(_list(f.get(key)), path, None, 0)
        for item in _list(f.get("roles")):
            play.roles += self.role_entry(item, 0)
        for key in ("tasks", "post_tasks", "handlers"):
            play.tasks += self.tasks(_list(f.get(key)), path, None, 0)
        f.drop("play settings with no meaning for the model (gathering, strategy, serial, tags...)",
               "gather_facts", "gathering", "strategy", "serial", "tags", "any_errors_fatal", "max_fail_percentage",
               "order", "force_handlers", "ignore_errors", "ignore_unreachable", "run_once", "throttle", "timeout",
               "check_mode", "diff", "debugger", "module_defaults", "collections", "environment", "vars_prompt",
               "become", "become_user", "become_method", "become_flags", "remote_user", "port", "user", "sudo",
               "sudo_user", "no_log", "fact_path", "gather_subset", "gather_timeout")
        f.done()
        self.plays.append(play)

    # -- roles --------------------------------------------------------------------------------

    def role_dirs(self, path: Path) -> list[Path]:
        dirs = [path.parent / "roles", path.parent]
        cfg = path.parent / "ansible.cfg"
        if cfg.is_file():
            parser = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                parser.read_string(self.ctx.text(cfg))
                for item in parser.get("defaults", "roles_path", fallback="").split(":"):
                    if item.strip() and not item.strip().startswith("~"):
                        dirs.append(path.parent / item.strip())
            except configparser.Error:
                self.ctx.report.skip("ansible.cfg", SourceSpan(self.ctx.shown(cfg), 1, 1), "not an INI file tmlogic can "
                                     "read: its roles_path is not used")
        return dirs

    def role_entry(self, item: Node, depth: int) -> list[Role]:
        name: str | None = None
        extra: dict[str, Node] = {}
        if isinstance(item, Scalar) and item.value is not None:
            name = item.text()
        elif isinstance(item, Mapping):
            n = item.get("role") or item.get("name")
            name = n.text() if isinstance(n, Scalar) else None
            extra = {k: v for k, v in item.items() if k not in ("role", "name", "tags", "when", "become")}
            inner = item.get("vars")
            if isinstance(inner, Mapping):
                extra.pop("vars", None)
                extra.update(inner.entries)
        if not name:
            self.ctx.report.skip("a role entry", item.span, f"{describe(item)} names no role")
            return []
        return self.role(name, item.span, extra, depth)

    def role(self, name: str, span: SourceSpan, extra: dict[str, Node], depth: int) -> list[Role]:
        """The role and the roles it depends on (dependencies first)."""
        looked = [d / name for d in self.role_dirs(self.base)]
        folder = next((d for d in looked if (d / "tasks").is_dir() or (d / "meta").is_dir()
                       or (d / "defaults").is_dir()), None)
        role = Role(name, span, folder)
        out: list[Role] = []
        if folder is None:
            self.ctx.report.approximate(f"role '{name}'", span, "not found on disk (a Galaxy role that is not "
                                        "installed?): its hosts are typed from the role's name only")
            return [role]
        if depth > _MAX_DEPTH:
            return [role]
        for dep in _list(self._main_mapping(folder / "meta", "dependencies")):
            out += self.role_entry(dep, depth + 1)
        role.defaults = self._vars_of(folder / "defaults")
        role.vars = {**self._vars_of(folder / "vars"), **extra}
        for kind in ("tasks", "handlers"):
            main = _main(folder / kind)
            if main is not None:
                role.tasks += self.tasks(self.yaml_list(main, f"role {name} {kind}"), main, role, depth)
        return out + [role]

    def _vars_of(self, folder: Path) -> dict[str, Node]:
        main = _main(folder)
        return self.yaml_vars(main, f"{folder.parent.name}/{folder.name}") if main is not None else {}

    def _main_mapping(self, folder: Path, key: str) -> Node | None:
        main = _main(folder)
        if main is None:
            return None
        for doc in self.ctx.yaml(main):
            if isinstance(doc, Mapping):
                return doc.get(key)
        return None

    # -- tasks --------------------------------------------------------------------------------

    def tasks(self, nodes: list[Node], path: Path, role: Role | None, depth: int) -> list[Task]:
        out: list[Task] = []
        for node in nodes:
            if isinstance(node, Scalar) and node.value is None:
                continue
            task = self.ctx.mapping(node, "a task", node.span, "a task is a mapping: - name: ..., then the module")
            out += self.task(task, path, role, depth)
        return out

    def task(self, node: Mapping, path: Path, role: Role | None, depth: int) -> list[Task]:
        if depth > _MAX_DEPTH:
            return []
        out: list[Task] = []
        for key in ("block", "rescue", "always"):
            if key in node:
                out += self.tasks(_list(node.get(key)), path, role, depth + 1)
        if out or any(k in node for k in ("block", "rescue", "always")):
            return out
        module_key = next((k for k, _ in node.items() if k not in _TASK_KEYWORDS), None)
        raw: Node | None
        if module_key is None:
            action = node.get("action") or node.get("local_action")
            if isinstance(action, Scalar) and action.value is not None:
                module_key, _, rest = action.text().partition(" ")
                raw = Scalar(rest, action.span)
            elif isinstance(action, Mapping) and isinstance(action.get("module"), Scalar):
                module_key, raw = str(action.get("module").text()), action  # type: ignore[union-attr]
            else:
                return []
        else:
            raw = node.get(module_key)
        module = module_name(module_key)
        args: dict[str, Node] = {}
        if isinstance(raw, Mapping):
            args.update(raw.entries)
        elif isinstance(raw, Scalar) and raw.value is not None and module not in ("shell", "command", "raw", "script"):
            args.update({k: Scalar(v, raw.span) for k, v in kv_args(raw.text()).items()})
        extra = node.get("args")
        if isinstance(extra, Mapping):
            args.update(extra.entries)
        loop = node.get("loop") or next((v for k, v in node.items() if k.startswith("with_")), None)
        task_vars = {k: v for m in _var_mappings(self.ctx, node.get("vars"), "task vars") for k, v in m.items()}
        delegate = node.get("delegate_to")
        task = Task(module, args, raw, node.span, path, list(loop) if isinstance(loop, Sequence) else [],
                    task_vars, role, delegate.text() if isinstance(delegate, Scalar) else None)
        if module in ("include_tasks", "import_tasks", "include"):
            return self.include(task, path, role, depth)
        if module in ("include_role", "import_role"):
            name = args.get("name")
            if isinstance(name, Scalar) and name.value is not None and "{{" not in name.text():
                roles = self.role(name.text(), task.span, {}, depth + 1)
                if self.current is not None:
                    self.current.roles += roles
            return []
        return [task]

    def include(self, task: Task, path: Path, role: Role | None, depth: int) -> list[Task]:
        target = task.args.get("file") or (task.raw if isinstance(task.raw, Scalar) else None)
        if not isinstance(target, Scalar) or target.value is None:
            return []
        name = target.text().split()[0] if target.text().split() else ""
        if "{{" in name:
            self.ctx.report.skip(f"include {name}", task.span, "the file name is a template: not followed")
            return []
        looked = [path.parent / name] + ([role.path / "tasks" / name] if role is not None and role.path else [])
        found = next((p for p in looked if p.is_file()), None)
        if found is None:
            self.missing(f"included tasks {name}", task.span, looked)
            return []
        if found.resolve() in self.reading:
            return []
        self.reading.append(found.resolve())
        try:
            return self.tasks(self.yaml_list(found, f"tasks file {name}"), found, role, depth + 1)
        finally:
            self.reading.pop()


def _var_mappings(ctx: ImportContext, node: Node | None, what: str) -> list[Mapping]:
    """`vars:` as Ansible takes it: a mapping, or a list of mappings."""
    if node is None or (isinstance(node, Scalar) and node.value is None):
        return []
    if isinstance(node, Mapping):
        return [node]
    if isinstance(node, Sequence) and all(isinstance(i, Mapping) for i in node):
        return [i for i in node if isinstance(i, Mapping)]
    ctx.fail(node.span, f"{what} must be a mapping or a list of mappings, not {describe(node)}",
             "write vars: as key: value lines")


def _main(folder: Path) -> Path | None:
    return next((folder / n for n in ("main.yml", "main.yaml", "main") if (folder / n).is_file()), None)


def _list(node: Node | None) -> list[Node]:
    if isinstance(node, Sequence):
        return list(node)
    if node is None or (isinstance(node, Scalar) and node.value is None):
        return []
    return [node]


def read_playbooks(ctx: ImportContext, paths: list[Path]) -> list[Play]:
    """The plays of every playbook (a role folder counts as a play of that role on all hosts)."""
    reader = _Reader(ctx)
    for path in paths:
        if path.is_dir():
            if (path / "tasks").is_dir() or (path / "meta").is_dir():
                play = Play(f"role {path.name}", "all", SourceSpan(ctx.shown(path), 1, 1), path / "tasks" / "main.yml")
                reader.base, reader.current = path.parent / "playbook.yml", play
                play.roles = reader.role(path.name, play.span, {}, 0)
                reader.plays.append(play)
                continue
            ctx.fail(SourceSpan(ctx.shown(path), 1, 1), "this folder is neither a playbook nor a role (no tasks/)",
                     "give the playbook files (site.yml...) or a role folder")
        reader.playbook(path)
    return reader.plays
