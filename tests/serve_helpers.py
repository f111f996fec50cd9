"""A real `tmlogic serve` in a subprocess, for the security and browser tests of the live editor."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
SERVE_DATA = ROOT / "tests" / "data" / "serve"


def tmlogic_command() -> list[str]:
    script = Path(sys.executable).parent / "tmlogic"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tmlogic.cli"]


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str  # with ?token=
    folder: Path
    stderr: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def token(self) -> str:
        return self.url.split("token=", 1)[1]

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def port(self) -> int:
        return int(self.host.rsplit(":", 1)[1])

    @property
    def base(self) -> str:
        return f"http://{self.host}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        if self.reader is not None:
            self.reader.join(timeout=20)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


def start_server(target: Path, *args: str, timeout: float = 120) -> Served:
    """Start `tmlogic serve TARGET --no-browser --port 0 ARGS...` and wait for its URL."""
    env = dict(os.environ, NO_COLOR="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([*tmlogic_command(), "serve", str(target), "--no-browser", "--port", "0", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=target if target.is_dir() else target.parent)
    lines: list[str] = []
    found: list[str] = []
    ready = threading.Event()

    def drain() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            m = re.search(r"open (http://\S+)", line)
            if m:
                found.append(m.group(1))
                ready.set()
        ready.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    ready.wait(timeout)
    served = Served(proc, found[0] if found else "", target if target.is_dir() else target.parent, lines, reader)
    if not found:
        served.stop()
        raise RuntimeError("tmlogic serve did not start:\n" + "".join(lines))
    _wait_listening(served, timeout)
    return served


def _wait_listening(served: Served, timeout: float) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", served.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("tmlogic serve printed its URL but does not accept connections")


def project_copy(tmp: Path, git: bool = True) -> Path:
    """The serve test project in a fresh folder, committed to a new git repository."""
    folder = tmp / "project"
    shutil.copytree(SERVE_DATA, folder)
    if git:
        env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
                   GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
        for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "model"]):
            subprocess.run(cmd, cwd=folder, check=True, env=env, capture_output=True)
    return folder
