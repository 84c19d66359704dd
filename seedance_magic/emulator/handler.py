"""The HTTP side of the emulator: reading requests, applying fault rules, writing
replies (with Content-Length, single byte ranges for files) and the SSE status stream.

Every counted request goes: on_request callback -> counters -> fault rule (answer an
error instead or after handling it, wait, or handle it and then drop the connection or
answer a web page) -> route -> reply. An
injected error on a Lumenfall route takes OpenAI's error shape, unless it is an ingress
(nginx) page. The SSE stream is the one reply without a Content-Length: it ends when the
server closes it after the COMPLETED event.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Protocol, cast
from urllib.parse import parse_qsl, unquote, urlsplit

from .faults import Fault
from .job import COMPLETED, JobInfo
from .lumenfall import injected_reply
from .routes import Routes, status_body, wants_logs
from .stats import RequestRecord
from .storage import parse_range
from .wire import Reply, Request, Route, Services, json_reply

logger = logging.getLogger("seedance_magic.emulator")

NGINX_PAGE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
# What a captive portal or a CDN's error page serves with a 200 in place of the real body.
PORTAL_PAGE = (
    b"<html><head><title>Sign in to continue</title></head>"
    b"<body><h1>This network needs you to sign in</h1></body></html>\r\n"
)
OnRequest = Callable[[str, "str | None"], None]


class Served(Protocol):
    """What a request handler reads off its server (server.EmulatorHTTPServer)."""

    services: Services
    routes: Routes
    on_request: OnRequest | None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY every kept-alive request
    # would wait ~40 ms for the client's delayed ACK, which fal's servers do not add.
    disable_nagle_algorithm = True
    timeout = 120  # seconds an idle keep-alive connection is kept open
    server_version = "SeedanceEmulator"
    sys_version = ""

    @property
    def _server(self) -> Served:
        return cast(Served, self.server)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    # -------------------------------------------------------------------- requests
    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        req = Request(
            self.command, unquote(split.path), dict(parse_qsl(split.query)), self.headers, self._read_body()
        )
        services: Services = self._server.services
        routes: Routes = self._server.routes
        route = routes.match(req)
        if isinstance(route, Reply):
            self._send(route)
            return
        if route.kind == "control":
            self._send(route.handle(req, None))
            return
        if self._server.on_request is not None:
            self._server.on_request(route.kind, route.request_id)
        services.stats.count(route.kind, route.request_id)
        fault = services.faults.take(route.kind, route.request_id, route.endpoint)
        if fault is not None and fault.action == "slow":
            services.stopped.wait(fault.delay)
        status = self._answer(req, route, fault)
        services.stats.answered(RequestRecord(route.kind, req.method, req.path, route.request_id, status))

    def _answer(self, req: Request, route: Route, fault: Fault | None) -> int | None:
        code = fault.status_code if fault is not None else None
        if fault is not None and code is not None:
            if fault.forwarded:  # the request went through; its answer is what is lost
                route.handle(req, fault)
            self._send(self._injected(fault, code, route))
            return code
        if fault is not None and fault.action == "redirect":
            self._send(Reply(302, b"", {"Location": self.path}))
            return 302
        if fault is not None and fault.action == "garble":
            self._send(Reply(200, PORTAL_PAGE, {"Content-Type": "text/html; charset=utf-8"}))
            return 200
        reply = route.handle(req, fault)
        if fault is not None and fault.action == "html":
            self._send(Reply(200, PORTAL_PAGE, {"Content-Type": "text/html; charset=utf-8"}))
            return 200
        if fault is not None and fault.action == "drop":
            self._drop(reply, partial=route.kind == "download" and reply.status == 200)
            return None
        if reply.stream is not None:
            cut = fault.delay if fault is not None and fault.action == "cut" else None
            self._stream(reply.stream, wants_logs(req.query), cut_after=cut)
        else:
            self._send(reply)
        return reply.status

    def _injected(self, fault: Fault, code: int, route: Route) -> Reply:
        reason = self.responses.get(code, ("Error",))[0]
        if fault.ingress:
            page = NGINX_PAGE.format(code=code, reason=reason).encode()
            return Reply(code, page, {"Content-Type": "text/html"})
        if route.api == "lumenfall":
            return injected_reply(code, reason)
        body: dict[str, str] = {"detail": f"{reason} (injected by the emulator)"}
        if fault.error_type:
            body["error_type"] = fault.error_type
        return json_reply(code, body, {"X-Fal-Request-Id": route.request_id or str(uuid.uuid4())})

    # ---------------------------------------------------------------------- replies
    def _send(self, reply: Reply) -> None:
        body, status, headers = reply.body, reply.status, dict(reply.headers)
        if status == 200 and "Accept-Ranges" in headers and self.headers.get("Range"):
            span = parse_range(self.headers["Range"], len(body))
            if span is None:
                status, headers["Content-Range"], body = 416, f"bytes */{len(body)}", b""
            else:
                first, last = span
                status, headers["Content-Range"] = 206, f"bytes {first}-{last}/{len(body)}"
                body = body[first : last + 1]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _drop(self, reply: Reply, *, partial: bool) -> None:
        """Close the connection without a (complete) answer."""
        if partial:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _stream(self, request_id: str, with_logs: bool, *, cut_after: float | None = None) -> None:
        """SSE: one event now, one per visible change, keep-alive comments when idle. The
        first event carries every log line so far, each later one only the lines added
        since (as fal's stream does). `cut_after`: close the connection mid-stream after
        that many seconds (a "cut" fault)."""
        services: Services = self._server.services
        store = services.store
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.send_header("X-Fal-Request-Id", request_id)
        self.end_headers()
        info, last, sent = store.get(request_id), "", 0
        deadline = None if cut_after is None else time.monotonic() + cut_after
        try:
            while info is not None:
                body = status_body(info, services.base_url, with_logs)
                if body.get("logs") is not None:
                    body["logs"], sent = body["logs"][sent:], len(body["logs"])
                rest = json.dumps({**body, "logs": None})  # the event but its new lines
                if rest != last or body.get("logs"):
                    self.wfile.write(f"data: {json.dumps(body)}\n\n".encode())
                    self.wfile.flush()
                    last = rest
                if info.state == COMPLETED or store.stopping:
                    return
                version, started = info.version, time.monotonic()
                keepalive = max(0.05, services.config.keepalive_seconds)
                if deadline is not None:
                    keepalive = min(keepalive, deadline - started)
                    if keepalive <= 0:
                        self._drop(Reply(200), partial=False)
                        return
                changed = store.wait_for(request_id, _changed_since(version), keepalive)
                if changed is None and not store.stopping and time.monotonic() - started >= keepalive * 0.99:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                info = changed or store.get(request_id)
        except (BrokenPipeError, ConnectionResetError):
            return


def _changed_since(version: int) -> Callable[[JobInfo], bool]:
    return lambda info: info.version != version
