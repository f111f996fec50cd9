"""`tmlogic serve [MODEL | PROJECT_DIR]`: start the live editor (tmlogic/serve/). Imports nothing heavy until run."""

import socket
import sys
from pathlib import Path

from .common import DEFAULT_ENGINE, EngineOpt, NoBuiltinOpt, RulesOpt, StrictOpt, analysis_options, fail_input, user_error
from .params import Annotated, Argument, Option

__all__ = ["serve"]

DEFAULT_PORT = 8765
_PORT_TRIES = 20  # without --port: the first free port from 8765 on


def _bind(host: str, port: int | None) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    ports = [port] if port is not None else list(range(DEFAULT_PORT, DEFAULT_PORT + _PORT_TRIES))
    last: OSError | None = None
    for candidate in ports:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.bind((host, candidate))
            sock.listen(64)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    if port is not None:
        user_error(f"cannot listen on {host}:{port}: {last.strerror if last else 'unknown error'}; "
                   "choose another --port (0 picks a free one)")
    user_error(f"no free port between {DEFAULT_PORT} and {DEFAULT_PORT + _PORT_TRIES - 1} on {host}; give one with --port")


def _target(path: Path) -> tuple[Path, str | None]:
    """(served folder, entry key): a model file's folder and the file, or a project folder and its main model."""
    from ..model.loader import project_entry
    from ..serve.files import ServedFolder

    if not path.exists():
        user_error(f"{path} does not exist; give a model file or a project folder")
    if path.is_dir():
        folder = path.resolve()
        entry = project_entry(folder)
        if entry is None:
            models = ServedFolder.at(folder).model_files()
            return folder, models[0] if len(models) == 1 else None
        return folder, entry.name
    from ..model.loader import MODEL_SUFFIXES

    if path.suffix.lower() not in MODEL_SUFFIXES:
        user_error(f"'{path}' is not a model file (.md, .markdown, .yaml, .yml)")
    return path.resolve().parent, path.resolve().name


def serve(
    model: Annotated[Path | None, Argument(
        help="Model file, or project folder (its main.md); default: the current folder.", show_default=False)] = None,
    port: Annotated[int | None, Option(
        "--port", "-p", help=f"Port (default: the first free one from {DEFAULT_PORT}; 0: any free port).")] = None,
    host: Annotated[str, Option(
        "--host", help="Address to listen on. Anything but loopback exposes the editor to the network.")] = "127.0.0.1",
    no_browser: Annotated[bool, Option("--no-browser", help="Do not open a browser.")] = False,
    rules: RulesOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    strict: StrictOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
) -> None:
    """Edit a model in the browser beside its live diagram, threats, proofs and diff."""
    from .._errors import DiagnosticsError
    from ..serve.security import Guard, is_loopback

    options = analysis_options(rules, no_builtin_rules, strict, engine)
    if port is not None and not 0 <= port <= 65535:
        user_error(f"--port {port} is not a port number (0-65535)")
    folder_path, entry = _target(model if model is not None else Path.cwd())
    if not is_loopback(host):
        sys.stderr.write(
            f"tmlogic serve: warning: listening on {host}, not on loopback: anyone who can reach this machine "
            "can try to connect. Requests still need the session token, but travel unencrypted; "
            "prefer the default (127.0.0.1) and an SSH tunnel.\n")
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]

    import uvicorn

    from ..serve.app import Server, build_app
    from ..serve.files import ServedFolder
    from ..serve.live import LiveAnalyzer
    from ..serve.security import MAX_WS_MESSAGE_BYTES

    try:
        analyzer = LiveAnalyzer(ServedFolder.at(folder_path), entry, options)
    except DiagnosticsError as exc:
        sock.close()
        fail_input(exc)
    except ValueError as exc:  # unknown engine name
        sock.close()
        user_error(str(exc))
    guard = Guard(host=host, port=bound_port)
    server = Server(analyzer.folder, analyzer, guard)
    server.warm_up()
    app = build_app(server)
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False, date_header=False,
                            ws_max_size=MAX_WS_MESSAGE_BYTES, ws="websockets-sansio", lifespan="on",
                            h11_max_incomplete_event_size=64 * 1024)
    url = guard.url()
    sys.stderr.write(f"tmlogic serve: editing {folder_path}{' (' + entry + ')' if entry else ''}\n"
                     f"tmlogic serve: open {url}\n"
                     "tmlogic serve: press Ctrl+C to stop\n")
    sys.stderr.flush()
    if not no_browser:
        import threading
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    from ..gc_pause import collector_running

    try:
        with collector_running():  # a server runs for hours: its cycles must be collected
            uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass

