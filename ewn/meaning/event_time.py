"""When it happened: relative time expressions in four languages, as a UTC range.

"jana usiku" received at 06:40 in Nairobi means 18:00 yesterday to 06:00 today, local time.
Expressions are read against the local time the report was received, in the deployment's time
zone. With nothing said, the range is the received time widened backwards: phones queue SMS
for hours, and monitors write after the fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ewn.meaning.numbers import number
from ewn.meaning.time_words import (
    AFTERNOON,
    AGO_WORDS,
    CLOCK,
    CLOCK_CUES,
    DAY_PARTS,
    DAYS_WORDS,
    DEADLINE_WORDS,
    EVENING,
    HOURS_WORDS,
    LINKING_WORDS,
    MINUTES_WORDS,
    NEXT_WORDS,
    NIGHT,
    PHRASES,
    RANGE_WORDS,
    SINCE_WORDS,
    SWAHILI_PARTS,
    TIME_WORDS,
    WEEKDAYS,
    read_words,
)

DEFAULT_LOOKBACK = timedelta(hours=12)
# A deed told as happening now ("tunavamiwa", "they are burning houses") with no time said:
# the last hours (an SMS may wait a while on the phone, or the deed go on for a while).
ONGOING_LOOKBACK = timedelta(hours=6)
PHRASES_SPAN = timedelta(hours=36)  # two phrases further apart tell of two events


@dataclass
class EventTime:
    start: datetime
    end: datetime
    source: str  # text or received
    phrase: str | None = None


def read_event_time(
    text: str, received_at: datetime, timezone: str, ongoing: str | None = None
) -> EventTime:
    """ongoing: the words that tell of a deed as happening now, if any (see classify)."""
    zone = ZoneInfo(timezone)
    local = received_at.astimezone(zone)
    # "last night's attack" reads as "last night".
    words = read_words(text)
    for reader in (_ago, _since, _clock, _phrase, _weekday):
        found = reader(words, local)
        if found is not None:
            start, end, phrase = found
            end = min(end, local)
            start = min(start, end)
            return EventTime(start.astimezone(UTC), end.astimezone(UTC), "text", phrase)
    if ongoing:
        return EventTime(received_at - ONGOING_LOOKBACK, received_at, "text", ongoing)
    return EventTime(received_at - DEFAULT_LOOKBACK, received_at, "received")


def _at(day: datetime, hour: float) -> datetime:
    """Local day at a clock hour (hours past 24 run into the next day)."""
    base = day.replace(hour=0, minute=0, second=0, microsecond=0)
    return base + timedelta(hours=hour)


def _phrase(words: list[str], local: datetime):
    """The range of the day phrases; when two are said ("calm this morning after last night's
    shooting"), the range covers both."""
    found, used = [], set()
    for size in (4, 3, 2, 1):
        for index in range(len(words) - size + 1):
            key = tuple(words[index : index + size])
            if words[index - 1 : index] and words[index - 1] in WEEKDAYS:
                continue  # "Sunday evening": the weekday reader reads the two
            if key in PHRASES and not used & set(range(index, index + size)):
                used |= set(range(index, index + size))
                found.append((index, _phrase_range(PHRASES[key], local), " ".join(key)))
    if not found:
        return None
    found.sort(key=lambda item: item[0])
    start, end = found[0][1]
    for _, (first, last), _ in found[1:]:
        if max(end, last) - min(start, first) <= PHRASES_SPAN:
            start, end = min(start, first), max(end, last)
    return start, end, " ".join(phrase for _, _, phrase in found)


def _phrase_range(meaning: tuple[int, object], local: datetime) -> tuple[datetime, datetime]:
    days, part = meaning
    day = local - timedelta(days=days)
    if part == "now":
        return local - timedelta(hours=1), local
    if part == "today":
        return _at(local, 0), local
    if part == "week":
        return _at(local - timedelta(days=7), 0), _at(local, 0)
    if part is None:
        return _at(day, 0), _at(day, 24)
    first, last = part
    if part == NIGHT and days == 0 and local.hour < 18:
        day = local - timedelta(days=1)  # "overnight" said in the day: the night just past
    if part == NIGHT and days == 1 and local.hour >= 18:
        # "last night" said in the evening is still the night before.
        day = local - timedelta(days=1)
    if part != NIGHT and days == 0 and _at(day, first) > local:
        # "this evening", "at dawn" sent in the small hours, "in the afternoon" sent in the
        # morning: the day before (a report tells of what has happened).
        day = local - timedelta(days=1)
    return _at(day, first), _at(day, last)


def _ago(words: list[str], local: datetime):
    """ "2 hours ago", "masaa mawili yaliyopita", "il y a 3 heures", "قبل ساعتين"."""
    for index, word in enumerate(words):
        unit = (
            "hours"
            if word in HOURS_WORDS
            else "minutes"
            if word in MINUTES_WORDS
            else "days"
            if word in DAYS_WORDS
            else None
        )
        if unit is None:
            continue
        around = words[max(0, index - 4) : index + 3]
        if not any(w in AGO_WORDS for w in around) or any(w in SINCE_WORDS for w in around):
            continue
        count = next(
            (n for n in (number(w) for w in words[max(0, index - 2) : index + 2]) if n),
            2 if word == "ساعتين" else 1,
        )
        phrase = " ".join(around)
        if unit == "days":
            day = local - timedelta(days=count)
            return _at(day, 0), _at(day, 24), phrase
        delta = timedelta(hours=count) if unit == "hours" else timedelta(minutes=count)
        margin = timedelta(minutes=30) if unit == "hours" else timedelta(minutes=10)
        return local - delta - margin, local - delta + margin, phrase
    return None


def _hour_after(words: list[str], index: int, local: datetime) -> tuple[float, str] | None:
    """A clock time written at words[index]: 8am, 8pm, 20:30, 8h, "saa nane usiku", or a
    bare 8 when a time word follows ("at 8 last night"; "about 15 youths" is no time). A time
    said without am or pm ("at 8", "saa tisa") is the one the day phrase names ("at 8 last
    night" is 20:00), or else the latest that is not after the message."""
    found = _hour_said(words, index)
    if found is None:
        return None
    hour, written, either = found
    if either and hour < 12:
        part = next(
            (
                PHRASES[(word,)][1]
                for word in words
                if (word,) in PHRASES and PHRASES[(word,)][1] in DAY_PARTS
            ),
            None,
        )
        later = part in (AFTERNOON, EVENING) or (part == NIGHT and hour >= 6)
        if part is None:
            later = _at(local, hour + 12) <= local + timedelta(minutes=30)
        hour += 12 if later else 0
    return hour, written


def _hour_said(words: list[str], index: int) -> tuple[float, str, bool] | None:
    """The hour as written, and whether it may be either in the morning or after noon."""
    word = words[index]
    if words[index - 1 : index] == ["saa"] or word == "saa":
        return _swahili_hour(words, index if word != "saa" else index + 1)
    match = re.fullmatch(r"(\d{1,2})(?:[:.h](\d{2}))?(am|pm|h)?", word)
    if not match:
        return None
    after = words[index + 1] if index + 1 < len(words) else None
    if not match.group(2) and not match.group(3) and after is not None and after not in TIME_WORDS:
        return None
    hour = int(match.group(1)) + int(match.group(2) or 0) / 60
    suffix = match.group(3) or (after if after in ("am", "pm") else "")
    if hour > 24:
        return None
    if suffix == "pm" and hour < 12:
        hour += 12
    written = word + (" " + suffix if suffix and suffix != match.group(3) else "")
    return hour, written, not suffix


def _swahili_hour(words: list[str], index: int) -> tuple[float, str, bool] | None:
    """Swahili time counts from sunrise: saa moja asubuhi is 7:00, saa nane usiku is 2:00."""
    if index >= len(words):
        return None
    count = number(words[index])
    if count == 10 and words[index + 1 : index + 2] == ["na"] and index + 2 < len(words):
        count += number(words[index + 2]) or 0  # kumi na mbili: twelve
    if not count or count > 12:
        return None
    hour = (count + 6) % 12
    part = next(
        (SWAHILI_PARTS[w] for w in words[index + 1 : index + 3] if w in SWAHILI_PARTS), None
    )
    if part == "pm" or (part == "night" and 1 <= count <= 6):
        hour += 12
    return hour, f"saa {words[index]}", part is None


def _since(words: list[str], local: datetime):
    for index, word in enumerate(words):
        if word not in SINCE_WORDS:
            continue
        for offset in (1, 2, 3):
            if index + offset >= len(words):
                break
            found = _hour_after(words, index + offset, local)
            if found:
                hour, written = found
                start = _at(local, hour)
                if start > local:
                    start -= timedelta(days=1)
                return start, local, f"{word} {written}"
    return None


def _clock(words: list[str], local: datetime):
    """ "at 8pm", "around 10 last night", "saa tatu asubuhi", "vers 20h", a written time
    anywhere ("~4pm", "20:30"), or a range ("between 9 and 11pm", "10-11pm")."""
    found, at = None, None
    for index, word in enumerate(words):
        if word in CLOCK_CUES and index + 1 < len(words):
            found, at = _hour_after(words, index + 1, local), index + 1  # also "saa tatu"
        elif CLOCK.fullmatch(word):
            found, at = _hour_after(words, index, local), index
        if found:
            break
    if not found:
        return None
    hour, written = found
    first = _range_start(words, at, hour)
    back = _days_back(words)
    day = local - timedelta(days=back) if back and hour >= 6 else local
    moment = _at(day, hour)
    if moment > local + timedelta(minutes=30):
        moment -= timedelta(days=1)
    if first is None:
        return moment - timedelta(hours=1), moment + timedelta(hours=1), written
    return moment - timedelta(hours=hour - first), moment + timedelta(minutes=30), written


def _days_back(words: list[str]) -> int:
    """How many days back a word names a whole day ("yesterday", "jana", "juzi"), if any."""
    for word in words:
        days, part = PHRASES.get((word,), (0, "none"))
        if part is None:
            return days
    return 0


def _range_start(words: list[str], index: int, hour: float) -> float | None:
    """The first hour of "9 and 11pm" or "10-11pm" (the dash is not a word)."""
    for before in (index - 1, index - 2):
        if before < 0 or (before == index - 2 and words[index - 1] not in RANGE_WORDS):
            continue
        match = re.fullmatch(r"(\d{1,2})(?:[:.h](\d{2}))?", words[before])
        if match:
            first = int(match.group(1)) + int(match.group(2) or 0) / 60
            if hour >= 12 and first < 12:
                first += 12
            if 0 < hour - first <= 6:
                return first
    return None


def _weekday(words: list[str], local: datetime):
    for index, word in enumerate(words):
        if word in WEEKDAYS and not _ahead(words, index):
            back = (local.weekday() - WEEKDAYS[word]) % 7
            day = local - timedelta(days=back)
            part = PHRASES.get(tuple(words[index + 1 : index + 2]), (0, None))[1]
            if part in DAY_PARTS:  # "Sunday evening", "Jumapili usiku"
                if _at(day, part[0]) > local:
                    day -= timedelta(days=7)  # said on Sunday morning: a week ago
                return _at(day, part[0]), _at(day, part[1]), f"{word} {words[index + 1]}"
            return _at(day, 0), _at(day, 24), word
    return None


def _ahead(words: list[str], index: int) -> bool:
    """The day named is one to come: a deadline ("leave by Friday", "hadi Ijumaa", "kabla ya
    Jumamosi", "avant vendredi") or the next one ("Jumamosi ijayo", "next Friday")."""
    before = [w for w in words[max(0, index - 2) : index] if w not in LINKING_WORDS][-1:]
    after = words[index + 1 : index + 2]
    return bool(set(before) & (DEADLINE_WORDS | NEXT_WORDS) or set(after) & NEXT_WORDS)
