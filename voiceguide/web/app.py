"""The page and its JSON API over HTTP, with the guards a local server needs.

    GET  /                 the page (with /app.js and /style.css, all from this package)
    GET  /api/start        the routine the page opens on, and the default settings
    GET  /api/voices       the voices to choose from
    POST /api/plan         {"text" | "routine", "options"} → what `voiceguide plan --json` prints
    POST /api/build        the same → {"mp3", "cues", "vtt", "lrc", "routine": "/files/<id>", …}
    GET  /api/progress     what the running build is doing
    GET  /files/<id>       a file a build made, by the opaque id the build returned

A request whose Host is not this server's own loopback address and port is refused (a web
page that rebinds its own domain name to 127.0.0.1 reaches the port, but with its own Host),
so is a POST from another origin or not in JSON, and a body over MAX_BODY bytes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voiceguide.errors import RoutineError, UsageError, VoiceguideError
from voiceguide.model import Options
from voiceguide.pipeline import MAX_TEXT_BYTES
from voiceguide.web import api

MAX_BODY = 2 * 1024 * 1024  # bytes: room for a routine of MAX_TEXT_BYTES and its JSON quoting
ASSETS = {"/": "index.html", "/app.js": "app.js", "/style.css": "style.css", "/icon.svg": "icon.svg"}
ASSET_TYPES = {
    "html": "text/html; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
}
# Everything the page loads comes from this server; nothing may frame it.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none'; "
        b"base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


def create_app(workspace: api.Workspace, origins: Collection[str], start: dict[str, Any]) -> ASGIApp:
    """The page and API for one workspace, answering only at `origins` ("http://127.0.0.1:8765")."""
    assets = {path: _asset(name) for path, name in ASSETS.items()}

    async def asset(request: Request) -> Response:
        body, media_type = assets[request.url.path]
        return Response(body, media_type=media_type)

    async def starting(request: Request) -> Response:
        return JSONResponse({**start, "options": api.options_dict(Options())})

    async def voices(request: Request) -> Response:
        return await _answer(_voices)

    async def plan(request: Request) -> Response:
        body = await _json(request)
        return await _answer(lambda: workspace.plan(body))

    async def build(request: Request) -> Response:
        body = await _json(request)
        return await _answer(lambda: workspace.build(body))

    async def progress(request: Request) -> Response:
        return JSONResponse(workspace.progress.to_dict())

    async def file(request: Request) -> Response:
        served = workspace.file(request.path_params["file_id"])
        if served is None or not served.path.is_file():
            return JSONResponse({"error": "no such file; build again"}, status_code=404)
        return FileResponse(
            served.path, media_type=served.media_type, filename=served.filename, content_disposition_type="inline"
        )

    routes = [Route(path, asset) for path in ASSETS]
    routes += [
        Route("/api/start", starting),
        Route("/api/voices", voices),
        Route("/api/plan", plan, methods=["POST"]),
        Route("/api/build", build, methods=["POST"]),
        Route("/api/progress", progress),
        Route("/files/{file_id}", file),
    ]
    handlers = {BadBody: _refused(400), TooLarge: _refused(413), Exception: _bug}
    return Guard(Starlette(routes=routes, exception_handlers=handlers), origins)  # type: ignore[arg-type]


def _refused(status: int) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def answer(request: Request, error: Exception) -> Response:
        return JSONResponse({"error": str(error), "field": None}, status_code=status)

    return answer


async def _bug(request: Request, error: Exception) -> Response:
    """Anything but the project's own errors is a bug: uvicorn prints its traceback where the
    server runs, and the page says where to look."""
    message = f"unexpected {type(error).__name__} (a bug); the terminal running `voiceguide serve` shows where"
    return JSONResponse({"error": message, "field": None}, status_code=500)


def _asset(name: str) -> tuple[bytes, str]:
    body = resources.files("voiceguide.web").joinpath("static", name).read_bytes()
    return body, ASSET_TYPES[name.rpartition(".")[2]]


def _voices() -> dict[str, Any]:
    from voiceguide import cache, speech

    found, variants = speech.catalogue(cache.folder())
    return {"voices": [{"id": v.id, "name": v.name, "language": v.language} for v in found], "variants": variants}


class BadBody(Exception):
    """A body that is not JSON."""


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as error:
        raise BadBody(f"the body is not JSON ({error})") from None


async def _answer(work: Callable[[], Any]) -> Response:
    """Run the pipeline off the event loop; its errors become the command line's one-line
    message, placed on the field it concerns."""
    try:
        return JSONResponse(await run_in_threadpool(work))
    except api.SourceError as error:
        return JSONResponse(error.details, status_code=_status(error.original))
    except VoiceguideError as error:
        return JSONResponse(api.error_json(error), status_code=_status(error))


def _status(error: VoiceguideError) -> int:
    """The request's fault (a routine or setting that cannot work) is 400; a failed build, 500."""
    return 400 if isinstance(error, UsageError | RoutineError) else 500


class Guard:
    """Refuses what a page on another site could send to a server on this machine, before the
    app sees it, and adds the security headers to every answer."""

    def __init__(self, app: ASGIApp, origins: Collection[str]) -> None:
        self.app = app
        self.origins = frozenset(origins)
        self.hosts = frozenset(origin.partition("://")[2] for origin in origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        refusal = self.refusal(scope["method"], headers)
        if refusal is not None:
            status, message = refusal
            await _plain(send, status, message)
            return

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY:
                raise TooLarge  # answered by the app's handler: the endpoint reading it has not answered
            return message

        await self.app(scope, counted_receive, guarded_send)

    def refusal(self, method: str, headers: dict[str, str]) -> tuple[int, str] | None:
        if headers.get("host") not in self.hosts:
            return 403, f"this server answers only at {' or '.join(sorted(self.origins))}"
        if method == "POST":
            origin = headers.get("origin")
            if origin is not None and origin not in self.origins:
                return 403, f"requests from {origin} are refused; use the page at {min(self.origins)}"
            if headers.get("content-type", "").partition(";")[0].strip() != "application/json":
                return 415, "send the body as JSON (Content-Type: application/json)"
        length = headers.get("content-length", "0")
        if not length.isdigit():
            return 400, "Content-Length must be a number of bytes"
        if int(length) > MAX_BODY:
            return 413, _too_large()
        return None


def _too_large() -> str:
    return f"the body is over {MAX_BODY // 1024 // 1024} MB; a routine may have {MAX_TEXT_BYTES // 1000} kB of text"


class TooLarge(Exception):
    """A body that grew past MAX_BODY while it was read."""

    def __init__(self) -> None:
        super().__init__(_too_large())


async def _plain(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message, "field": None}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})
