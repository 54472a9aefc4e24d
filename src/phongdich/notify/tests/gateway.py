"""A local HTTP server standing in for an SMS/Zalo gateway: records what it receives, answers as told."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Received:
    # Header names in lower case (HTTP header names are case-insensitive).
    body: bytes
    headers: dict[str, str]

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Gateway:
    url: str
    # Status codes to answer, in order; once used up, 200.
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)


@contextmanager
def running_gateway() -> Iterator[Gateway]:
    gateway = Gateway(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            gateway.received.append(Received(body=body, headers={k.lower(): v for k, v in self.headers.items()}))
            status = gateway.answers.pop(0) if gateway.answers else 200
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}' if status < 300 else b'{"error": "busy"}')

        def log_message(self, format: str, *args: Any) -> None:  # quiet: test output stays readable
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
