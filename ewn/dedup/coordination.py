"""Possibly coordinated reporting: many near-identical reports from new or unverified senders
within a short time. They are flagged for staff instead of counted as corroboration.

A campaign is exactly the case where an incident holds hundreds of such reports, and the
check runs at every refresh, so it must not compare every report with every other:
  - reports with the same text are compared once, as one text;
  - two texts are near-identical only if their content words overlap by at least half
    (similarity is 0.4 x word Jaccard + 0.6 x trigram cosine, and the cosine is at most 1),
    so only pairs sharing a word in their rarest-words prefix are compared at all
    (prefix filtering: exact, it misses no pair);
  - the time window slides over each text's reports in time order.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from datetime import timedelta

from ewn.dedup.text import profile, text_similarity
from ewn.models import Report

NEAR_IDENTICAL = 0.8
# similarity >= NEAR_IDENTICAL needs a word Jaccard of at least (0.8 - 0.6) / 0.4 = 0.5; a
# hair less, so that rounding can only make a prefix longer (safe), never shorter.
MIN_JACCARD = 0.5 - 1e-9
NEW_SENDER = timedelta(days=1)


def coordinated(reports: list[Report], monitors: dict, at_least: int, minutes: float) -> set[int]:
    """Ids of reports in a group of near-identical texts from at least `at_least` distinct
    new or unverified senders within `minutes` of one of them."""
    suspect = [
        r
        for r in reports
        if r.monitor_id in monitors and new_or_unverified(monitors[r.monitor_id], r)
    ]
    if len(suspect) < at_least:
        return set()
    by_text: dict[str, list[Report]] = defaultdict(list)
    for report in suspect:
        by_text[report.text].append(report)
    span = timedelta(minutes=minutes)
    flagged: set[int] = set()
    for text, alike in near_identical_texts(list(by_text)).items():
        pool = sorted((r for other in alike for r in by_text[other]), key=_time)
        flagged |= _crowded(pool, sorted(by_text[text], key=_time), span, at_least)
    return flagged


def new_or_unverified(monitor, report: Report) -> bool:
    return (
        monitor.status != "active"
        or monitor.trust == "low"
        or (report.received_at - monitor.created_at < NEW_SENDER)
    )


def near_identical_texts(texts: list[str]) -> dict[str, list[str]]:
    """For each text with content words, the texts near-identical to it (itself included)."""
    words = {text: profile(text).words for text in texts}
    texts = [text for text in texts if words[text]]
    frequency = Counter(word for text in texts for word in words[text])
    index: dict[str, list[str]] = defaultdict(list)
    alike: dict[str, list[str]] = {text: [text] for text in texts}
    # Shorter texts first: a text is compared with those already indexed, which are no longer.
    for text in sorted(texts, key=lambda t: len(words[t])):
        size = len(words[text])
        prefix = sorted(words[text], key=lambda w: (frequency[w], w))
        prefix = prefix[: size - math.ceil(MIN_JACCARD * size) + 1]
        candidates = {other for word in prefix for other in index[word]}
        for other in candidates:
            if len(words[other]) < MIN_JACCARD * size:
                continue
            first, second = (text, other) if text <= other else (other, text)
            if text_similarity(first, second) >= NEAR_IDENTICAL:
                alike[text].append(other)
                alike[other].append(text)
        for word in prefix:
            index[word].append(text)
    return alike


def _crowded(pool: list[Report], anchors: list[Report], span, at_least: int) -> set[int]:
    """Reports of pool (time-sorted) within span of an anchor whose window holds at least
    at_least distinct senders."""
    times = [report.received_at for report in pool]
    ranges = []
    senders: Counter = Counter()
    low = high = 0
    for anchor in anchors:  # time-sorted: the window only moves forward
        start = bisect_left(times, anchor.received_at - span)
        end = bisect_right(times, anchor.received_at + span)
        while high < end:
            senders[pool[high].monitor_id] += 1
            high += 1
        while low < start:
            senders[pool[low].monitor_id] -= 1
            if not senders[pool[low].monitor_id]:
                del senders[pool[low].monitor_id]
            low += 1
        if len(senders) >= at_least:
            ranges.append((start, end))
    flagged: set[int] = set()
    reach = 0
    for start, end in ranges:  # starts are nondecreasing: add each report once
        for position in range(max(start, reach), end):
            flagged.add(pool[position].id)
        reach = max(reach, end)
    return flagged


def _time(report: Report):
    return report.received_at
