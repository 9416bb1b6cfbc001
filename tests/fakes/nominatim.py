"""A stand-in for a (self-hosted) Nominatim server on 127.0.0.1, answering /search like it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

from tests.fakes import LocalServer, serve


@dataclass
class FakeNominatim:
    places: dict[str, dict] = field(default_factory=dict)  # query (lower case) → answer
    queries: list[str] = field(default_factory=list)
    delay: float = 0.0
    url: str = ""


def start() -> tuple[FakeNominatim, LocalServer]:
    fake = FakeNominatim()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            url = urlparse(self.path)
            query = parse_qs(url.query).get("q", [""])[0]
            fake.queries.append(query)
            if fake.delay:
                time.sleep(fake.delay)
            answer = fake.places.get(query.lower())
            body = json.dumps([answer] if answer and url.path == "/search" else []).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = serve(Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    return fake, server
