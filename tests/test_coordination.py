"""The coordination check, against the plain all-pairs definition it replaces, on random
campaigns: the fast version must flag exactly the same reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ewn.dedup.coordination import NEAR_IDENTICAL, coordinated, new_or_unverified
from ewn.dedup.text import text_similarity

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
WORDS = ["attack", "molo", "arming", "tonight", "kalenjin", "ready", "market", "burn", "youth"]


@dataclass(frozen=True)
class FakeReport:
    id: int
    monitor_id: int
    text: str
    received_at: datetime


@dataclass(frozen=True)
class FakeMonitor:
    status: str
    trust: str
    created_at: datetime


def all_pairs(reports, monitors, at_least: int, minutes: float) -> set[int]:
    """The definition: for each suspect report, the suspects within the window whose text is
    near-identical to its own; flagged when they come from at_least distinct senders."""
    suspect = [r for r in reports if new_or_unverified(monitors[r.monitor_id], r)]
    span = timedelta(minutes=minutes)

    def alike(a, b) -> bool:
        first, second = sorted((a.text, b.text))
        return text_similarity(first, second) >= NEAR_IDENTICAL

    flagged = set()
    for anchor in suspect:
        group = [
            r
            for r in suspect
            if abs(r.received_at - anchor.received_at) <= span and (r is anchor or alike(r, anchor))
        ]
        if len({r.monitor_id for r in group}) >= at_least:
            flagged |= {r.id for r in group}
    return flagged


BASES = [
    "the youth are arming tonight to attack molo",
    "kalenjin youth arming at the market tonight",
    "they will burn the market at molo",
]
# Mostly variations of a few wordings (near-identical or not, depending on the extra words),
# some random word salad, some with no words at all.
texts = st.one_of(
    st.tuples(st.sampled_from(BASES), st.lists(st.sampled_from(WORDS), max_size=4)).map(
        lambda base_extra: " ".join([base_extra[0], *base_extra[1]])
    ),
    st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join),
)
campaign = st.lists(
    st.tuples(texts, st.integers(0, 7), st.integers(0, 90)), min_size=0, max_size=40
)


@settings(max_examples=300, deadline=None)
@given(campaign, st.integers(2, 5), st.sampled_from([10, 30, 60]))
def test_the_fast_check_flags_exactly_what_the_definition_flags(rows, at_least, minutes):
    monitors = {
        sender: FakeMonitor(
            "active" if sender % 4 == 1 else "unverified",
            "low" if sender == 4 else "normal",
            START - timedelta(days=3 if sender % 2 else 0),
        )
        for sender in range(8)
    }
    reports = [
        FakeReport(index, sender, text, START + timedelta(minutes=offset))
        for index, (text, sender, offset) in enumerate(rows)
    ]
    assert coordinated(reports, monitors, at_least, minutes) == all_pairs(
        reports, monitors, at_least, minutes
    )


def test_a_large_campaign_is_flagged_without_comparing_every_pair():
    """2,000 near-identical messages from 400 new senders within an hour: every one flagged;
    the 50 distinct wordings are compared once each, not 2,000 x 2,000 times."""
    wordings = [
        f"URGENT the {w} are arming tonight to attack Molo number {n}"
        for w, n in [(w, n) for w in WORDS[:5] for n in range(10)]
    ]
    monitors = {s: FakeMonitor("unverified", "low", START) for s in range(400)}
    reports = [
        FakeReport(i, i % 400, wordings[i % len(wordings)], START + timedelta(seconds=i))
        for i in range(2000)
    ]
    text_similarity.cache_clear()
    assert coordinated(reports, monitors, 5, 30) == set(range(2000))
    assert text_similarity.cache_info().currsize <= len(wordings) ** 2


def test_the_fast_check_agrees_on_larger_random_campaigns():
    import random

    rng = random.Random(7)
    flagged_any = 0
    for _ in range(150):
        monitors = {
            sender: FakeMonitor("unverified" if rng.random() < 0.7 else "active", "normal", START)
            for sender in range(12)
        }
        reports = [
            FakeReport(
                index,
                rng.randrange(12),
                " ".join([rng.choice(BASES), *rng.sample(WORDS, rng.randint(0, 3))]),
                START + timedelta(minutes=rng.randint(0, 240)),
            )
            for index in range(rng.randint(10, 80))
        ]
        at_least, minutes = rng.randint(2, 6), rng.choice([10, 30, 60])
        fast = coordinated(reports, monitors, at_least, minutes)
        assert fast == all_pairs(reports, monitors, at_least, minutes)
        flagged_any += bool(fast)
    assert 30 <= flagged_any <= 140  # both outcomes were exercised
