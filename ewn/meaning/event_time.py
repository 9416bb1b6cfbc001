"""When it happened: relative time expressions in four languages, as a UTC range.

"jana usiku" received at 06:40 in Nairobi means 18:00 yesterday to 06:00 today, local time.
Expressions are read against the local time the report was received, in the deployment's time
zone. With nothing said, the range is the received time widened backwards: phones queue SMS
for hours, and monitors write after the fact.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ewn.meaning.classify import NUMBER_WORDS
from ewn.text import WORD_PATTERN, fold

DEFAULT_LOOKBACK = timedelta(hours=12)
_WORD = re.compile(WORD_PATTERN + r"|\d+[:.h]\d+")

# Parts of a day, local clock hours.
NIGHT = (18, 30)  # 18:00 to 06:00 the next day
MORNING, AFTERNOON, EVENING = (5, 12), (12, 17), (17, 24)

# Phrases (folded words) → (days back, part of day); part None is the whole day, "now" the
# last hour, "today" midnight to now.
PHRASES: dict[tuple[str, ...], tuple[int, object]] = {}


def _add(phrases: str, days: int, part) -> None:
    for phrase in phrases.split("|"):
        PHRASES[tuple(fold(phrase).split())] = (days, part)


_add(
    "last night|jana usiku|usiku wa jana|usiku wa kuamkia leo|hier soir|la nuit dernière|"
    "hier dans la nuit|cette nuit|الليلة الماضية|ليلة أمس|مساء أمس|ليلة البارحة",
    1,
    NIGHT,
)
_add("yesterday|jana|hier|أمس|امس|البارحة", 1, None)
_add("yesterday morning|jana asubuhi|hier matin|صباح أمس", 1, MORNING)
_add("yesterday afternoon|jana mchana|hier après-midi|ظهر أمس", 1, AFTERNOON)
_add("yesterday evening|jana jioni|hier au soir", 1, EVENING)
_add("day before yesterday|the day before yesterday|juzi|avant-hier|أول أمس|اول امس", 2, None)
_add("this morning|leo asubuhi|asubuhi ya leo|asubuhi|ce matin|هذا الصباح|صباح اليوم", 0, MORNING)
_add("this afternoon|leo mchana|mchana wa leo|mchana|cet après-midi|بعد ظهر اليوم", 0, AFTERNOON)
_add("this evening|tonight|leo jioni|jioni|ce soir|هذا المساء|الليلة", 0, EVENING)
_add("today|leo|aujourd'hui|اليوم", 0, "today")
_add(
    "now|right now|just now|currently|as we speak|sasa|sasa hivi|hivi sasa|maintenant|"
    "en ce moment|actuellement|الآن|حاليا",
    0,
    "now",
)
_add("last week|wiki iliyopita|la semaine dernière|الأسبوع الماضي", 7, "week")

WEEKDAYS = {
    **{
        name: index
        for index, name in enumerate(
            ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        )
    },
    **{
        name: index
        for index, name in enumerate(
            ["jumatatu", "jumanne", "jumatano", "alhamisi", "ijumaa", "jumamosi", "jumapili"]
        )
    },
    **{
        name: index
        for index, name in enumerate(
            ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
        )
    },
    **{
        fold(name): index
        for index, name in enumerate(
            ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
        )
    },
}
HOURS_WORDS = {
    "hours",
    "hour",
    "hrs",
    "hr",
    "masaa",
    "saa",
    "heures",
    "heure",
    "ساعات",
    "ساعة",
    "ساعتين",
}
MINUTES_WORDS = {"minutes", "minute", "mins", "min", "dakika", "دقائق", "دقيقة"}
DAYS_WORDS = {"days", "day", "siku", "jours", "jour", "أيام", "ايام", "يوم"}
AGO_WORDS = {"ago", "zilizopita", "yaliyopita", "iliyopita", "zilizopit", "il", "قبل"}
SINCE_WORDS = {"since", "tangu", "depuis", "منذ"}
SWAHILI_PARTS = {"asubuhi": "am", "mchana": "pm", "jioni": "pm", "usiku": "night", "alfajiri": "am"}


@dataclass
class EventTime:
    start: datetime
    end: datetime
    source: str  # text or received
    phrase: str | None = None


def read_event_time(text: str, received_at: datetime, timezone: str) -> EventTime:
    zone = ZoneInfo(timezone)
    local = received_at.astimezone(zone)
    words = [fold(word) for word in _WORD.findall(text)]
    for reader in (_ago, _since, _clock, _phrase, _weekday):
        found = reader(words, local)
        if found is not None:
            start, end, phrase = found
            end = min(end, local)
            start = min(start, end)
            return EventTime(start.astimezone(UTC), end.astimezone(UTC), "text", phrase)
    return EventTime(received_at - DEFAULT_LOOKBACK, received_at, "received")


def _at(day: datetime, hour: float) -> datetime:
    """Local day at a clock hour (hours past 24 run into the next day)."""
    base = day.replace(hour=0, minute=0, second=0, microsecond=0)
    return base + timedelta(hours=hour)


def _phrase(words: list[str], local: datetime):
    for size in (4, 3, 2, 1):
        for index in range(len(words) - size + 1):
            key = tuple(words[index : index + size])
            if key not in PHRASES:
                continue
            days, part = PHRASES[key]
            day = local - timedelta(days=days)
            phrase = " ".join(key)
            if part == "now":
                return local - timedelta(hours=1), local, phrase
            if part == "today":
                return _at(local, 0), local, phrase
            if part == "week":
                return _at(local - timedelta(days=7), 0), _at(local, 0), phrase
            if part is None:
                return _at(day, 0), _at(day, 24), phrase
            first, last = part
            if part == NIGHT and days == 0:
                day = local - timedelta(days=1)
            if part == NIGHT and days == 1 and local.hour >= 18:
                # "last night" said in the evening is still the night before.
                day = local - timedelta(days=1)
            return _at(day, first), _at(day, last), phrase
    return None


def _number(word: str) -> int | None:
    if word.isdigit():
        return int("".join(str(unicodedata.digit(ch)) for ch in word))
    return NUMBER_WORDS.get(word)


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
            (n for n in (_number(w) for w in words[max(0, index - 2) : index + 2]) if n),
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


def _hour_after(words: list[str], index: int) -> tuple[float, str] | None:
    """A clock time written at words[index]: 8, 8am, 8pm, 20:30, 8h, "saa nane usiku"."""
    word = words[index]
    if words[index - 1 : index] == ["saa"] or word == "saa":
        return _swahili_hour(words, index if word != "saa" else index + 1)
    match = re.fullmatch(r"(\d{1,2})(?:[:.h](\d{2}))?(am|pm|h)?", word)
    if not match:
        return None
    hour = int(match.group(1)) + int(match.group(2) or 0) / 60
    suffix = match.group(3) or (
        words[index + 1] if index + 1 < len(words) and words[index + 1] in ("am", "pm") else ""
    )
    if hour > 24:
        return None
    if suffix == "pm" and hour < 12:
        hour += 12
    return hour, word + (" " + suffix if suffix and suffix != match.group(3) else "")


def _swahili_hour(words: list[str], index: int) -> tuple[float, str] | None:
    """Swahili time counts from sunrise: saa moja asubuhi is 7:00, saa nane usiku is 2:00."""
    if index >= len(words):
        return None
    count = _number(words[index])
    if not count or count > 12:
        return None
    hour = (count + 6) % 12
    part = next(
        (SWAHILI_PARTS[w] for w in words[index + 1 : index + 3] if w in SWAHILI_PARTS), "am"
    )
    if part == "pm" or (part == "night" and 1 <= count <= 6):
        hour += 12
    return hour, f"saa {words[index]}"


def _since(words: list[str], local: datetime):
    for index, word in enumerate(words):
        if word not in SINCE_WORDS:
            continue
        for offset in (1, 2, 3):
            if index + offset >= len(words):
                break
            found = _hour_after(words, index + offset)
            if found:
                hour, written = found
                start = _at(local, hour)
                if start > local:
                    start -= timedelta(days=1)
                return start, local, f"{word} {written}"
    return None


def _clock(words: list[str], local: datetime):
    for index, word in enumerate(words):
        if word not in ("at", "around", "about", "saa", "a", "vers", "à", "الساعة"):
            continue
        if word == "saa":
            found = _swahili_hour(words, index + 1)
        elif index + 1 < len(words):
            found = _hour_after(words, index + 1)
        else:
            found = None
        if found:
            hour, written = found
            moment = _at(local, hour)
            if moment > local + timedelta(minutes=30):
                moment -= timedelta(days=1)
            return moment - timedelta(hours=1), moment + timedelta(hours=1), written
    return None


def _weekday(words: list[str], local: datetime):
    for word in words:
        if word in WEEKDAYS:
            back = (local.weekday() - WEEKDAYS[word]) % 7
            day = local - timedelta(days=back)
            return _at(day, 0), _at(day, 24), word
    return None
