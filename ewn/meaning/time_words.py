"""The words of time in four languages: parts of the day and the phrases that name them,
weekdays, units, and the small words around clock times. event_time reads them.

Parts of the day are local clock hours; a phrase maps to (days back, part of the day), where
part None is the whole day, "now" the last hour, "today" midnight to now and "week" the week
before.
"""

from __future__ import annotations

import re

from ewn.text import WORD_PATTERN, fold

# Clock times first: "7:30pm" is one word, not "7" and "30pm".
_WORD = re.compile(r"\d{1,2}[:.h]\d{2}(?:am|pm|h)?|" + WORD_PATTERN)
_POSSESSIVE = re.compile(r"['’]s$")
# A written clock time that needs no "at" in front: 4pm, 20:30, 7.30am, 20h, 20h30.
CLOCK = re.compile(r"\d{1,2}(?:[:.h]\d{2})?(?:am|pm)|\d{1,2}[:h]\d{2}h?|\d{1,2}h")

# Parts of a day, local clock hours.
NIGHT = (18, 30)  # 18:00 to 06:00 the next day
MORNING, AFTERNOON, EVENING = (5, 12), (12, 17), (16, 24)
DAWN = (3, 7)
DAY_PARTS = (NIGHT, MORNING, AFTERNOON, EVENING, DAWN)

# Phrases (folded words) → (days back, part of day).
PHRASES: dict[tuple[str, ...], tuple[int, object]] = {}


def _folded(words: str) -> set[str]:
    return {fold(word) for word in words.split("|")}


def _add(phrases: str, days: int, part) -> None:
    for phrase in phrases.split("|"):
        PHRASES[tuple(read_words(phrase))] = (days, part)


def read_words(text: str) -> list[str]:
    """Folded words as read ("last night's attack" reads as "last night attack", and
    "mid-afternoon" as "mid afternoon")."""
    return [_POSSESSIVE.sub("", fold(word)) for word in _WORD.findall(text)]


_add(
    "last night|jana usiku|usiku wa jana|usiku wa kuamkia leo|hier soir|la nuit dernière|"
    "hier dans la nuit|cette nuit|الليلة الماضية|ليلة أمس|مساء أمس|ليلة البارحة",
    1,
    NIGHT,
)
_add("overnight|night|usiku|usiku huu|la nuit|pendant la nuit|ليلا|في الليل", 0, NIGHT)
_add("yesterday|jana|hier|أمس|امس|البارحة", 1, None)
_add("yesterday morning|jana asubuhi|hier matin|صباح أمس", 1, MORNING)
_add("yesterday afternoon|jana mchana|hier après-midi|ظهر أمس", 1, AFTERNOON)
_add("yesterday evening|last evening|jana jioni|hier au soir", 1, EVENING)
_add("day before yesterday|the day before yesterday|juzi|avant-hier|أول أمس|اول امس", 2, None)
_add(
    "dawn|at dawn|early morning|early this morning|alfajiri|leo alfajiri|alfajiri ya leo|"
    "à l'aube|ce matin à l'aube|l'aube|فجر|الفجر|فجر اليوم",
    0,
    DAWN,
)
_add("yesterday at dawn|jana alfajiri|alfajiri ya jana|hier à l'aube|فجر أمس", 1, DAWN)
_add("before dawn|pre-dawn|avant l'aube|قبل الفجر", 0, DAWN)
_add(
    "this morning|morning|in the morning|mid-morning|leo asubuhi|asubuhi ya leo|asubuhi|"
    "ce matin|le matin|dans la matinée|هذا الصباح|صباح اليوم|صباحا",
    0,
    MORNING,
)
_add(
    "this afternoon|afternoon|in the afternoon|mid-afternoon|leo mchana|mchana wa leo|mchana|"
    "alasiri|cet après-midi|l'après-midi|dans l'après-midi|بعد ظهر اليوم|بعد الظهر|ظهرا|عصرا|"
    "العصر|بعد العصر",
    0,
    AFTERNOON,
)
_add(
    "this evening|tonight|evening|in the evening|dusk|at dusk|leo jioni|jioni|jioni hii|ce soir|"
    "le soir|en soirée|هذا المساء|الليلة|مساء اليوم|مساء|المغرب",
    0,
    EVENING,
)
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
# What may follow a bare number for it to be a clock time: "at 8 last night", "around 10."
# ("about 15 youths" is not a time).
TIME_WORDS = _folded(
    "am|pm|o'clock|oclock|hrs|h|this|last|yesterday|today|tonight|in|morning|evening|night|"
    "asubuhi|mchana|jioni|usiku|alfajiri|leo|jana|du|ce|hier|صباحا|مساء|ليلا"
)
# "between 9 and 11pm", "10-11pm", "entre 20h et 22h".
RANGE_WORDS = _folded("and|to|till|until|na|hadi|mpaka|et|à|au|و|الى")
CLOCK_CUES = {"at", "around", "about", "saa", "a", "vers", "الساعة"}
# Words before a day named that make it a day to come, not the day something happened.
DEADLINE_WORDS = _folded(
    "until|till|by|before|hadi|mpaka|kabla|ifikapo|avant|jusqu'à|jusqu|d'ici|حتى|قبل"
)
NEXT_WORDS = _folded("next|coming|ijayo|inayokuja|prochain|prochaine|القادم|القادمة")
LINKING_WORDS = _folded("ya|la|the|this|de|le")
SWAHILI_PARTS = {
    "asubuhi": "am",
    "mchana": "pm",
    "alasiri": "pm",
    "adhuhuri": "pm",
    "jioni": "pm",
    "usiku": "night",
    "alfajiri": "am",
}
