"""Import a backlog of messages (FrontlineSMS or Ushahidi exports, paper forms typed in).

Each row becomes an inbound message exactly like a webhook's, with its original time, and goes
through the same stages; imported reports get no reply. Re-running a file adds nothing: a row's
id is a hash of its content.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from ewn.ingest.record import encode_params, message_row
from ewn.phones import BadNumber, split_address, to_e164
from ewn.store import messages, monitors

PROVIDER = "import"
TEXT_KEYS = ("text", "body", "message")
KNOWN_KEYS = {"id", "from", "to", "channel", "received_at", "monitor", *TEXT_KEYS}
TIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %I:%M %p")
MAX_TEXT = 10_000


class ImportFileError(ValueError):
    """The file as a whole cannot be read."""


@dataclass
class ImportResult:
    added: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, row) from a CSV file or a JSON-lines file (.jsonl, .ndjson, .json)."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot open ({exc.strerror})") from None
    with handle:
        try:
            if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
                yield from _json_lines(handle)
            else:
                reader = csv.DictReader(handle)
                fields = {name.strip().lower() for name in reader.fieldnames or []}
                if not fields & set(TEXT_KEYS) or "received_at" not in fields:
                    raise ImportFileError(
                        f"{path}: CSV needs a header with received_at and text (or body)"
                    )
                for row in reader:
                    yield reader.line_num, {(k or "").strip().lower(): v for k, v in row.items()}
        except UnicodeDecodeError:
            raise ImportFileError(f"{path}: not UTF-8 text") from None
        except csv.Error as exc:
            raise ImportFileError(f"{path}: not a readable CSV file ({exc})") from None


def _json_lines(handle) -> Iterator[tuple[int, dict]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, {"_error": f"not JSON ({exc.msg})"}
            continue
        if not isinstance(row, dict):
            yield number, {"_error": "expected a JSON object"}
            continue
        yield number, {str(k).strip().lower(): v for k, v in row.items()}


def parse_time(text: str, zone: ZoneInfo) -> datetime:
    text = str(text).strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in TIME_FORMATS:
            try:
                value = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"not a time: {text!r} (use ISO 8601, e.g. 2026-03-01 21:30)")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def prepare(row: dict, zone: ZoneInfo, settings) -> tuple[dict[str, str], datetime, str | None]:
    """Twilio-shaped params, original time and monitor pseudonym of one row; ValueError if bad."""
    if "_error" in row:
        raise ValueError(row["_error"])
    unknown = set(row) - KNOWN_KEYS
    if unknown:
        raise ValueError(f"unknown column(s): {', '.join(sorted(unknown))}")
    text = next((row[key] for key in TEXT_KEYS if row.get(key) not in (None, "")), None)
    if text is None:
        raise ValueError("no text")
    text = str(text)
    if len(text) > MAX_TEXT:
        raise ValueError(f"text longer than {MAX_TEXT} characters")
    if not row.get("received_at"):
        raise ValueError("no received_at")
    received_at = parse_time(row["received_at"], zone)
    channel = str(row.get("channel") or "sms").strip().lower()
    if channel not in ("sms", "whatsapp"):
        raise ValueError(f"channel must be sms or whatsapp, got {channel!r}")
    sender = str(row.get("from") or "").strip()
    pseudonym = str(row.get("monitor") or "").strip() or None
    if not sender and not pseudonym:
        raise ValueError("neither from (phone) nor monitor (pseudonym)")
    if sender:
        _, number = split_address(sender)
        try:
            number = to_e164(number, settings.deployment.default_country)
        except BadNumber as exc:
            raise ValueError(f"from: not a phone number ({exc})") from None
        sender = f"whatsapp:{number}" if channel == "whatsapp" else number
    params = {
        "From": sender,
        "To": str(row.get("to") or ""),
        "Body": text,
        "ImportId": str(row.get("id") or ""),
        "ImportChannel": channel,
    }
    digest = hashlib.sha256(
        json.dumps([params["ImportId"], sender, pseudonym, received_at.isoformat(), text]).encode()
    )
    params["MessageSid"] = "imp-" + digest.hexdigest()[:40]
    return params, received_at, pseudonym


def import_rows(rt, rows, zone: ZoneInfo) -> ImportResult:
    result = ImportResult()
    for line, row in rows:
        try:
            params, received_at, pseudonym = prepare(row, zone, rt.settings)
        except ValueError as exc:
            result.rejected.append((line, str(exc)))
            continue
        record = message_row(
            encode_params(params), MultiDict(params), "import", rt, received_at, provider=PROVIDER
        )
        record["channel"] = params["ImportChannel"]
        if pseudonym:
            with rt.db.reading() as session:
                monitor = monitors.by_pseudonym(session, pseudonym)
            if monitor is None:
                result.rejected.append((line, f"no monitor {pseudonym}"))
                continue
            record["monitor_id"] = monitor.id
        if not messages.record_inbound(rt.db, record):
            result.duplicates += 1
        else:
            result.added += 1
    return result
