"""`voiceguide serve`: the page on 127.0.0.1 until Ctrl-C, its files in a temporary folder
that goes with it."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path

from voiceguide.errors import UsageError
from voiceguide.web import api
from voiceguide.web.app import create_app

HOST = "127.0.0.1"  # loopback only: the page is for this computer's browser
DEFAULT_PORT = 8765


def serve(
    source: Path | None, port: int | None, open_browser: bool = True, announce: Callable[[str], None] = print
) -> None:
    """Serve the page, opened on `source` (or the built-in routine), until Ctrl-C or SIGTERM.
    With no port, 8765 or, when that is taken, any free one."""
    import uvicorn

    start = api.starting_source(source)  # a missing or unreadable source stops here, before any server
    listener = _bind(port)
    port = listener.getsockname()[1]
    url = f"http://{HOST}:{port}/"
    origins = (f"http://{HOST}:{port}", f"http://localhost:{port}")
    _sweep()
    try:
        prefix = f"{FOLDER_PREFIX}{os.getpid()}-"
        with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as folder:
            app = create_app(api.Workspace(Path(folder)), origins, start)
            config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False)
            # A build still running at Ctrl-C is not waited for long: its files go with the folder.
            config.timeout_graceful_shutdown = 3
            server = uvicorn.Server(config)
            announce(f"The page is at {url}  (Ctrl-C stops it)")
            if open_browser:
                threading.Thread(target=_open_when_ready, args=(server, url), daemon=True).start()
            # uvicorn shuts down on Ctrl-C or SIGTERM, then raises the signal again: the way out.
            with contextlib.suppress(KeyboardInterrupt):
                server.run(sockets=[listener])
    finally:
        listener.close()


FOLDER_PREFIX = "voiceguide-serve-"  # then the server's process id: a folder a killed server left is swept


def _sweep() -> None:
    """Remove the folders of earlier servers that were killed before they could (kill -9)."""
    from voiceguide.render import running

    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
        pid = folder.name[len(FOLDER_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _bind(port: int | None) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, DEFAULT_PORT if port is None else port))
    except OSError as error:
        if port is None and error.errno == errno.EADDRINUSE:
            listener.bind((HOST, 0))
            return listener
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise UsageError(
                f"--port {port}: already in use on {HOST}; choose another, or 0 for any free port"
            ) from None
        raise UsageError(f"--port {port}: cannot listen there ({error.strerror}); choose 1024 to 65535") from None
    return listener


def _open_when_ready(server: object, url: str) -> None:
    deadline = time.monotonic() + 10
    while not getattr(server, "started", False) and time.monotonic() < deadline:
        time.sleep(0.05)
    webbrowser.open(url)
