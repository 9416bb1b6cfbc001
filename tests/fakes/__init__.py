"""Stand-ins for outside services, served on 127.0.0.1."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer(ThreadingHTTPServer):
    """A fake service's HTTP server. Its request threads are daemons: a kept-alive connection
    waits in one until the client goes. A client that hung up (a test of timeouts makes the
    fake answer too late) is what some tests simulate, not an error to print; printing it
    from a request thread, which can happen during the next test, also races that test's
    parsing on Python 3.11 (CPython gh-106905: "AST constructor recursion depth mismatch")."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(handler: type[BaseHTTPRequestHandler]) -> LocalServer:
    """Serve handler on a free port of 127.0.0.1 until the server is shut down and closed."""
    server = LocalServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    return server
