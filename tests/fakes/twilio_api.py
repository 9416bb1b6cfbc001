"""A stand-in for Twilio's REST API, served over real HTTP on 127.0.0.1.

The twilio client is pointed at it (settings twilio.api_base_url). It answers Messages create and
list like Twilio does, records every request, ignores any idempotency header (as Twilio does),
and can be told to fail: HTTP errors with Twilio error codes, or a delay longer than the
client's timeout.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, parse_qsl, urlparse

from tests.fakes import LocalServer, serve

API = "/2010-04-01/Accounts/"


@dataclass
class Failure:
    status: int = 500
    code: int | None = None
    message: str = "Internal error"
    delay: float = 0.0


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    sent: list[dict] = field(default_factory=list)
    inbound: list[dict] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    # Seconds to wait before accepting each of the next messages (a slow provider).
    pauses: list[float] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def pause_next(self, *seconds: float) -> None:
        with self.lock:
            self.pauses.extend(seconds)

    def fail_next(self, *failures: Failure) -> None:
        with self.lock:
            self.failures.extend(failures)

    def add_inbound(self, sender: str, to: str, body: str, when: datetime) -> str:
        sid = "SM" + secrets.token_hex(16)
        self.inbound.append(
            {
                "sid": sid,
                "from": sender,
                "to": to,
                "body": body,
                "date_sent": when,
                "direction": "inbound",
                "num_media": "0",
            }
        )
        return sid

    def resource(self, record: dict) -> dict:
        when = record.get("date_sent") or datetime.now(UTC)
        return {
            "sid": record["sid"],
            "account_sid": self.account_sid,
            "from": record["from"],
            "to": record["to"],
            "body": record["body"],
            "status": record.get("status", "queued"),
            "direction": record["direction"],
            "num_media": record.get("num_media", "0"),
            "num_segments": "1",
            "api_version": "2010-04-01",
            "price": None,
            "date_created": format_datetime(when),
            "date_updated": format_datetime(when),
            "date_sent": format_datetime(when),
            "error_code": None,
            "error_message": None,
            "messaging_service_sid": record.get("messaging_service_sid"),
            "uri": f"{API}{self.account_sid}/Messages/{record['sid']}.json",
            "subresource_uris": {},
            "price_unit": "USD",
        }


def _handler(fake: FakeTwilio):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold every answer back ~40 ms, which Twilio does not do.
        disable_nagle_algorithm = True

        def log_message(self, *args):  # keep test output clean
            pass

        def _authorised(self) -> bool:
            header = self.headers.get("Authorization", "")
            expected = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
            return header == f"Basic {expected}"

        def _send(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _messages_path(self) -> bool:
            return urlparse(self.path).path == f"{API}{fake.account_sid}/Messages.json"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            fake.requests.append(("POST", self.path))
            if not self._authorised():
                return self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
            if not self._messages_path():
                return self._send(404, {"code": 20404, "message": "Not found", "status": 404})
            with fake.lock:
                failure = fake.failures.pop(0) if fake.failures else None
            if failure is not None:
                if failure.delay:
                    time.sleep(failure.delay)
                return self._send(
                    failure.status,
                    {
                        "code": failure.code,
                        "message": failure.message,
                        "more_info": "",
                        "status": failure.status,
                    },
                )
            with fake.lock:
                pause = fake.pauses.pop(0) if fake.pauses else 0.0
            time.sleep(pause)  # the message is accepted after the pause, whoever still waits
            record = {
                "received_at": time.monotonic(),
                "sid": "SM" + secrets.token_hex(16),
                "from": form.get("From", ""),
                "to": form["To"],
                "body": form.get("Body", ""),
                "direction": "outbound-api",
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "status": "accepted" if form.get("MessagingServiceSid") else "queued",
                "status_callback": form.get("StatusCallback"),
                "form": form,
            }
            with fake.lock:
                fake.sent.append(record)
            return self._send(201, fake.resource(record))

        def do_GET(self):
            fake.requests.append(("GET", self.path))
            if not self._authorised():
                return self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
            if not self._messages_path():
                return self._send(404, {"code": 20404, "message": "Not found", "status": 404})
            query = {key: values[0] for key, values in parse_qs(urlparse(self.path).query).items()}
            records = list(fake.inbound) + [dict(r, date_sent=None) for r in fake.sent]
            after = query.get("DateSent>")
            if after:
                since = datetime.fromisoformat(after.replace("Z", "+00:00"))
                if since.tzinfo is None:
                    since = since.replace(tzinfo=UTC)
                records = [r for r in records if (r.get("date_sent") or datetime.now(UTC)) >= since]
            records.sort(key=lambda r: r.get("date_sent") or datetime.now(UTC), reverse=True)
            size = int(query.get("PageSize", 50))
            page = int(query.get("Page", 0))
            chunk = records[page * size : (page + 1) * size]
            base = f"{API}{fake.account_sid}/Messages.json"
            next_uri = None
            if (page + 1) * size < len(records):
                next_uri = f"{base}?PageSize={size}&Page={page + 1}" + (
                    f"&DateSent%3E={after}" if after else ""
                )
            return self._send(
                200,
                {
                    "messages": [fake.resource(r) for r in chunk],
                    "page": page,
                    "page_size": size,
                    "first_page_uri": f"{base}?PageSize={size}&Page=0",
                    "next_page_uri": next_uri,
                    "previous_page_uri": None,
                    "uri": self.path,
                    "start": page * size,
                    "end": page * size + len(chunk) - 1,
                },
            )

    return Handler


def start(account_sid: str, auth_token: str) -> tuple[FakeTwilio, LocalServer]:
    fake = FakeTwilio(account_sid, auth_token)
    server = serve(_handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    return fake, server


__all__ = ["Failure", "FakeTwilio", "parsedate_to_datetime", "start"]
