"""A command line run inside this process, for tests: `CliRunner().invoke(app, ["analyze", ...])`
gives the exit code, what went to stdout and to stderr (and both in order, `output`), and an
exception that escaped. stdin, the environment and the standard streams are put back after.
"""

import io
import os
import sys
from collections.abc import Mapping, Sequence

from ..typing_runtime import Protocol

__all__ = ["CliRunner", "Result"]


class _App(Protocol):
    def main(self, args: list[str], prog_name: str = ...) -> int: ...


class _Capture(io.StringIO):
    """One captured stream that also copies what it is given to the shared `output`."""

    encoding = "utf-8"  # what a real stream reports; StringIO says None

    def __init__(self, shared: io.StringIO) -> None:
        super().__init__()
        self._shared = shared

    def write(self, text: str) -> int:
        self._shared.write(text)
        return super().write(text)

    def isatty(self) -> bool:
        return False


class Result:
    """What one run did."""

    def __init__(self, exit_code: int, stdout: str, stderr: str, output: str, exception: BaseException | None) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.output = output  # stdout and stderr as they were written, interleaved
        # SystemExit(code) for a non-zero code, the exception itself if one escaped the command line
        self.exception = exception

    def __repr__(self) -> str:
        return f"<Result exit_code={self.exit_code} exception={self.exception!r}>"


class CliRunner:
    def invoke(self, app: _App, args: Sequence[str] | None = None, input: str | None = None,  # noqa: A002
               env: Mapping[str, str | None] | None = None, prog_name: str = "tmlogic",
               catch_exceptions: bool = True) -> Result:
        shared = io.StringIO()
        out, err = _Capture(shared), _Capture(shared)
        saved_streams = sys.stdin, sys.stdout, sys.stderr
        saved_env = {name: os.environ.get(name) for name in env or {}}
        sys.stdin = io.StringIO(input or "")
        sys.stdout, sys.stderr = out, err
        for name, value in (env or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        exception: BaseException | None = None
        try:
            code = app.main(list(args or ()), prog_name)
            if code:
                exception = SystemExit(code)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            exception = exc if code else None
        except Exception as exc:
            if not catch_exceptions:
                raise
            code, exception = 1, exc
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved_streams
            for name, old in saved_env.items():
                if old is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = old
        return Result(code, out.getvalue(), err.getvalue(), shared.getvalue(), exception)
