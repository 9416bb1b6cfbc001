"""Reports into incidents, end to end through the webhook and the worker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ewn.cli import main
from ewn.dedup.incidents import agreed_time
from ewn.models import InboundMessage, Incident, IncidentDecision, Monitor, Report, utcnow
from ewn.registry import NewIdentity, add
from ewn.store import incidents as store
from ewn.store import work
from tests.builders import enrol, send
from tests.conftest import drain


def reports(rt) -> list[Report]:
    with rt.db.session() as session:
        return list(session.scalars(select(Report).order_by(Report.id)))


def incidents(rt, status: str = "open") -> list[Incident]:
    with rt.db.session() as session:
        return list(
            session.scalars(select(Incident).where(Incident.status == status).order_by(Incident.id))
        )


def from_monitors(client, rt, *texts: str) -> None:
    """Each text sent by its own enrolled monitor, then the pipeline run to the end."""
    for number, text in enumerate(texts, start=1):
        phone = f"+2547110000{number:02d}"
        enrol(rt, phone)
        send(client, text, phone)
    drain(rt)


def shift_event(rt, reference: str, days: int) -> None:
    """Make a report's event (and received time) happen days earlier."""
    with rt.db.session() as session:
        report = session.scalar(select(Report).where(Report.reference == reference))
        delta = timedelta(days=days)
        report.received_at -= delta
        report.event_start -= delta
        report.event_end -= delta
        if report.incident_id:
            incident = session.get(Incident, report.incident_id)
            incident.event_start -= delta
            incident.event_end -= delta
            incident.day_bucket -= days


def test_same_event_in_three_languages_is_one_incident(client, rt):
    for phone in ("+254711000001", "+254711000002", "+254711000003"):
        enrol(rt, phone)
    send(
        client,
        "vijana wamechoma nyumba tatu karibu na soko la Burnt Forest usiku wa jana",
        "+254711000001",
    )
    send(client, "Youths burned 3 houses near Burnt Forrest market last night", "+254711000002")
    send(
        client,
        "Des jeunes ont brûlé trois maisons près du marché de Burnt Forest hier soir",
        "+254711000003",
    )
    drain(rt)
    [incident] = incidents(rt)
    assert incident.report_count == 3
    assert incident.primary_category == "PROPERTY_DESTRUCTION"
    assert incident.monitor_count == 3 and incident.corroboration == 3.0
    assert incident.place_name == "Burnt Forest"
    with rt.db.session() as session:
        decisions = session.scalars(select(IncidentDecision).order_by(IncidentDecision.id)).all()
    assert [d.action for d in decisions] == ["created", "joined", "joined"]
    assert decisions[1].scores["total"] >= decisions[1].scores["threshold"]
    assert {"time", "place", "category", "text"} <= set(decisions[1].scores)


def test_same_kind_same_town_different_days_stay_apart(client, rt):
    enrol(rt, "+254711000001")
    enrol(rt, "+254711000002")
    send(client, "cattle raid at Marti, 200 cows taken by armed men", "+254711000001")
    drain(rt)
    first = reports(rt)[0]
    shift_event(rt, first.reference, days=3)
    send(client, "armed men raided cattle at Marti this morning", "+254711000002")
    drain(rt)
    assert len(incidents(rt)) == 2


def test_fighting_that_flared_again_the_next_evening_joins_the_first_round(client, rt):
    """A follow-up is told hours or a day later as a matter of course: its time counts
    against twice the window. The same attack told without a sign of following up a day
    later is another event."""
    enrol(rt, "+254711000001")
    enrol(rt, "+254711000002")
    send(
        client,
        "Molo: mapigano makali usiku huu, nyumba kumi zimechomwa na watu wawili wameuawa "
        "kwa mishale",
        "+254711000001",
    )
    drain(rt)
    first = reports(rt)[0]
    shift_event(rt, first.reference, days=1)
    send(client, "Molo: mapigano yamezuka upya jioni hii, vijana wako na mishale", "+254711000002")
    drain(rt)
    [incident] = incidents(rt)
    assert incident.report_count == 2
    with rt.db.session() as session:
        joined = session.scalars(select(IncidentDecision).order_by(IncidentDecision.id)).all()[-1]
    first, second = reports(rt)
    gap = max(second.event_start - first.event_end, timedelta(0))
    assert joined.action == "joined"
    assert joined.scores["time"] == pytest.approx(1 - gap / timedelta(hours=96), abs=0.002)
    assert joined.scores["time"] > 0.5


def test_women_assaulted_while_fleeing_an_attack_join_it_but_not_another_at_other_hours(client, rt):
    from_monitors(
        client,
        rt,
        "Burnt Forest: raiders with arrows attacked the village last night, two men killed and "
        "thirty houses burnt",
        "اغتصاب امرأتين أثناء هروبهما ليلة أمس في بيرنت فورست",  # little text in common
        "Molo: two men hacked to death at the market this morning",
        "Molo: a girl was raped on her way home this evening",
    )
    karuga, molo, *others = incidents(rt)
    assert karuga.report_count == 2 and molo.report_count == 1 and len(others) == 1


def test_different_events_same_town_same_day_stay_apart(client, rt):
    from_monitors(
        client,
        rt,
        "two men hacked to death at Molo market this morning",
        "police fired teargas at students protesting at Molo school this afternoon",
    )
    assert len(incidents(rt)) == 2


def test_another_kind_of_event_at_another_time_of_the_day_stays_apart(client, rt):
    from_monitors(
        client,
        rt,
        "D: Kwanza, sixty squatter families thrown off a farm at Kwanza yesterday morning, "
        "houses on the farm pulled down",
        "K: Kwanza, a farmer hacked to death at his home at Kwanza last night",
    )
    assert len(incidents(rt)) == 2
    with rt.db.session() as session:
        decision = session.scalars(select(IncidentDecision).order_by(IncidentDecision.id)).all()
    assert [d.action for d in decision] == ["created", "created"]


@pytest.mark.parametrize(
    ("second", "count"),
    [
        ("A trader was beaten by a gang in Molo 2 hrs ago", 1),
        ("Separate from the matatu attack: a trader was beaten by a gang in Molo 2 hrs ago", 2),
        ("Mfanyabiashara amepigwa na genge Molo masaa 2 yaliyopita. Hii si ile ya matatu", 2),
    ],
)
def test_a_report_that_says_it_is_another_event_stays_apart(client, rt, second, count):
    """Same town, same day, hours apart: what the monitor says about it decides."""
    from_monitors(client, rt, "Gunmen attacked a matatu at Molo 11 hours ago, 3 hurt", second)
    assert len(incidents(rt)) == count
    with rt.db.session() as session:
        decision = session.scalars(
            select(IncidentDecision).order_by(IncidentDecision.id.desc())
        ).first()
    assert decision.action == ("joined" if count == 1 else "created")
    assert ("separate" in decision.scores) == (count == 2)


def test_an_incident_happened_where_most_reports_agree():
    """ "At dawn" within "last night" within "the last 12 hours"; a follow-up told the next
    evening does not widen it."""

    def at(day: int, hour: int) -> datetime:
        return datetime(2026, 3, day, hour, tzinfo=UTC)

    ranges = [
        (at(1, 15), at(2, 3)),  # received at 06:00, nothing said: the last 12 hours
        (at(1, 18), at(2, 6)),  # last night
        (at(2, 0), at(2, 4)),  # at dawn
        (at(2, 16), at(2, 18)),  # the next afternoon: burials
    ]
    assert agreed_time(ranges) == (at(2, 0), at(2, 3))
    assert agreed_time([(at(1, 15), at(2, 3))]) == (at(1, 15), at(2, 3))


def test_the_same_words_about_another_town_are_another_event(client, rt):
    """Near-identical words do not make one event of two towns' reports."""
    from_monitors(
        client,
        rt,
        "houses burnt at Molo last night, 3 dead",
        "houses burnt at Kapedo last night, 3 dead",
    )
    assert {r.place_name for r in reports(rt)} == {"Molo", "Kapedo"}
    assert len(incidents(rt)) == 2


def test_multi_message_account_is_one_report(client, rt):
    enrol(rt, "+254711000001")
    send(
        client,
        "vijana wenye mapanga wamevamia soko la Molo na kupiga watu, wengi wamekimbia "
        "kuelekea kanisani na wengine wamejificha kwenye mashamba ya mahindi karibu",
        "+254711000001",
    )
    send(client, "...na wamechoma kanisa pia", "+254711000001")
    drain(rt)
    [report] = reports(rt)
    assert report.text.endswith("...na wamechoma kanisa pia")
    assert "PROPERTY_DESTRUCTION" in report.categories
    with rt.db.session() as session:
        kinds = session.scalars(select(InboundMessage.kind).order_by(InboundMessage.id)).all()
    assert kinds == ["report", "continuation"]


def test_sms_sent_in_a_burst_are_one_account_unless_they_open_another(client, rt):
    enrol(rt, "+254711000001")
    send(client, "Ambush on the Kapedo road at dawn.", "+254711000001")
    send(client, "Three passengers injured, evacuated to Marigat.", "+254711000001")
    # Written as a new report: a code, or another place far away.
    send(client, "K: two herders killed at Kapedo", "+254711000001")
    send(client, "Five people were killed in Nakuru town this morning", "+254711000001")
    drain(rt)
    texts = [r.text for r in reports(rt)]
    assert texts == [
        "Ambush on the Kapedo road at dawn. Three passengers injured, evacuated to Marigat.",
        "K: two herders killed at Kapedo",
        "Five people were killed in Nakuru town this morning",
    ]


def test_a_region_named_in_the_burst_is_no_other_event(client, rt):
    enrol(rt, "+254711000001")
    send(client, "Kisumu evening update: two dead after the Kondele shooting.", "+254711000001")
    # "Central" reads as the former Central Province, far from Kisumu, but only as a region.
    send(client, "Around 30 people held at Central police station.", "+254711000001")
    drain(rt)
    [report] = reports(rt)
    assert report.text.endswith("held at Central police station.")


def test_a_message_after_the_burst_without_a_sign_of_continuing_is_a_new_report(client, rt):
    enrol(rt, "+254711000001")
    send(client, "Ambush on the Kapedo road at dawn.", "+254711000001")
    with rt.db.session() as session:
        earlier = utcnow() - timedelta(minutes=5)
        for row in [*session.scalars(select(InboundMessage)), *session.scalars(select(Report))]:
            row.received_at = earlier
    send(client, "Three passengers injured at Kapedo.", "+254711000001")
    drain(rt)
    assert len(reports(rt)) == 2


def test_a_note_on_the_account_just_sent_joins_that_report(client, rt):
    enrol(rt, "+254711000001")
    enrol(rt, "+254711000002")
    send(client, "Wasichana wawili wametekwa karibu na Chepareria jana jioni", "+254711000001")
    send(client, "Nitatuma ripoti kamili kesho, simu inazima chaji", "+254711000001")
    send(client, "Nitatuma ripoti kamili kesho, simu inazima chaji", "+254711000002")
    drain(rt)
    first, second = reports(rt)
    assert first.text.endswith("simu inazima chaji") and "ABDUCTION_DETENTION" in first.categories
    # Without an account of their own just before, the same note is a report of nothing.
    assert second.not_incident and second.incident_id != first.incident_id
    with rt.db.session() as session:
        kinds = session.scalars(select(InboundMessage.kind).order_by(InboundMessage.id)).all()
    assert kinds == ["report", "continuation", "report"]


def test_a_repeated_report_adds_nothing(client, rt):
    enrol(rt, "+254711000001")
    for _ in range(3):
        send(client, "shots fired at Kipkelion, 2 killed", "+254711000001")
    drain(rt)
    assert len(reports(rt)) == 1
    [incident] = incidents(rt)
    assert incident.monitor_count == 1 and incident.report_count == 1


def test_corroboration_counts_people_weighted_by_trust(client, rt):
    enrol(rt, "+254711000001", trust="high")
    monitor = enrol(rt, "+254711000002", trust="low")
    with rt.db.session() as session:
        add(session, rt, NewIdentity("+254711000002", "whatsapp"), session.get(Monitor, monitor.id))
    send(client, "gunmen attacked Kipkelion centre this morning, 2 killed", "+254711000001")
    send(client, "K: wawili wameuawa Kipkelion asubuhi, watu wenye bunduki", "+254711000002")
    send(client, "Kipkelion attack: two dead this morning", "+254799000009")  # unknown sender
    drain(rt)
    [incident] = incidents(rt)
    assert incident.monitor_count == 3
    assert incident.identity_count == 4  # the low-trust monitor has SMS and WhatsApp
    assert incident.corroboration == 1.5 + 0.5 + 0.3
    assert incident.victims == 2 and incident.primary_category == "KILLING"


def test_coordinated_reports_are_flagged_not_counted(client, rt):
    enrol(rt, "+254711000001")
    send(
        client,
        "Tension at Molo: people say the other community is preparing to attack",
        "+254711000001",
    )
    for index in range(6):
        send(
            client,
            "URGENT: the Kalenjin are arming tonight to attack Molo, everyone must get ready!!",
            f"+2547990000{index:02d}",
        )
    drain(rt)
    flagged = [i for i in incidents(rt) if "possible_coordination" in i.flags]
    assert len(flagged) == 1
    incident = flagged[0]
    assert incident.report_count >= 6
    coordinated = [r for r in reports(rt) if r.coordinated]
    assert len(coordinated) == 6
    assert incident.monitor_count == incident.report_count - 6


def test_a_report_calling_a_warning_false_joins_the_warning(client, rt):
    """The warning threatens an attack; the report that calls it a rumour tells of "an
    attack": what a rumour claims neither agrees nor disagrees with the warning."""
    from_monitors(
        client,
        rt,
        "TAHADHARI: vijana wa jirani wanapanga kuvamia Naivasha usiku wa leo. Jipangeni!",
        "Kuna SMS nyingi zinazosambaa Naivasha zikidai kuna shambulizi usiku huu. "
        "Tumeongea na polisi: hakuna dalili yoyote.",
    )
    [incident] = incidents(rt)
    assert incident.report_count == 2
    [warning, rumour] = reports(rt)
    assert warning.categories == ["THREAT_INTIMIDATION", "RUMOR_UNVERIFIED"]
    assert rumour.primary_category == "RUMOR_UNVERIFIED"
    assert "ARMED_ATTACK" in rumour.categories


def test_an_alarm_whose_place_is_only_guessed_joins_the_located_reports(client, rt):
    """The alarm names no place; a word of it is read, unsure, as a village in another
    county. That guess does not keep the located reports of the raid away from it."""
    from_monitors(
        client,
        rt,
        "Kuna milio ya bunduki karibu na zizi, ng'ombe wanaswagwa na watu wasiojulikana",
        "K: Tangulbei, at dusk near the dip. One young herder was gunned down and some 40 "
        "head of cattle taken.",
    )
    alarm, located = reports(rt)
    assert alarm.latitude is None and located.place_name == "Tangulbei"
    [incident] = incidents(rt)
    assert incident.report_count == 2


def test_not_an_incident_gets_a_dismissed_incident_of_its_own(client, rt):
    send(client, "habari za asubuhi")
    drain(rt)
    [report] = reports(rt)
    assert report.not_incident and report.incident_id is not None
    assert incidents(rt) == [] and len(incidents(rt, "dismissed")) == 1


# ---------------------------------------------------------------------------- staff decisions


@pytest.fixture
def cli(overrides, monkeypatch):
    for dotted, value in overrides.items():
        monkeypatch.setenv("EWN_" + dotted.replace(".", "_").upper(), str(value))
    return lambda *args: CliRunner().invoke(main, list(args))


def test_staff_merge_split_and_categorise_persist(client, rt, cli):
    from_monitors(
        client,
        rt,
        "two men hacked to death at Molo market this morning",
        "police fired teargas at students protesting at Molo school this afternoon",
    )
    first, second = incidents(rt)
    merged = cli(
        "incidents",
        "merge",
        first.reference,
        second.reference,
        "--by",
        "amina",
        "--why",
        "same clash, two sides",
    )
    assert merged.exit_code == 0 and "moved 1 reports" in merged.output
    [incident] = incidents(rt)
    assert incident.report_count == 2
    # The cluster stage never undoes it.
    for report in reports(rt):
        with rt.db.session() as session:
            work.requeue(session, "cluster", report.id)
    drain(rt)
    assert [i.report_count for i in incidents(rt)] == [2]
    target = reports(rt)[1]
    result = cli(
        "reports",
        "categorize",
        target.reference,
        "--categories",
        "PR,A",
        "--by",
        "amina",
        "--why",
        "students were beaten",
    )
    assert result.exit_code == 0, result.output
    with rt.db.session() as session:
        work.requeue(session, "understand", target.id)
    drain(rt)
    target = reports(rt)[1]
    assert (target.categories, target.classification_source) == (
        ["PROTEST_REPRESSION", "ARMED_ATTACK"],
        "staff",
    )
    out = cli("incidents", "split", target.reference, "--by", "amina", "--why", "not related")
    assert out.exit_code == 0, out.output
    assert sorted(i.report_count for i in incidents(rt)) == [1, 1]
    with rt.db.session() as session:
        actions = session.scalars(
            select(IncidentDecision.action).where(IncidentDecision.actor == "amina")
        ).all()
    assert sorted(set(actions)) == ["categorised", "merged", "split"]


def test_staff_errors_are_clear(client, rt, cli):
    send(client, "two men hacked to death at Molo market this morning")
    drain(rt)
    [incident] = incidents(rt)
    same = cli(
        "incidents", "merge", incident.reference, incident.reference, "--by", "a", "--why", "x"
    )
    assert same.exit_code == 2 and "into itself" in same.output
    missing = cli("incidents", "merge", incident.reference, "IZZZ-ZZZ", "--by", "a", "--why", "x")
    assert "no incident" in missing.output
    [report] = reports(rt)
    wrong = cli(
        "reports", "categorize", report.reference, "--categories", "XX", "--by", "a", "--why", "x"
    )
    assert wrong.exit_code == 2 and "unknown categories: XX" in wrong.output


def test_incidents_list_json(client, rt, cli):
    enrol(rt, "+254711000001")
    send(client, "5 killed at Kipkelion last night by armed men", "+254711000001")
    send(client, "5 killed at Kipkelion last night by armed men", "+254799000001")
    drain(rt)
    listed = cli("incidents", "list", "--format", "json")
    assert listed.exit_code == 0, (listed.output, listed.exc_info)
    [row] = json.loads(listed.stdout)
    assert row["primary_category"] == "KILLING" and row["victims"] == 5
    assert row["place"]["name"] == "Kipkelion" and row["place"]["area"]["name"] == "Kericho"
    assert row["corroboration"]["monitors"] == 2
    triage = row["triage"]
    assert triage["status"] == "new" and triage["overdue"] is False
    assert triage["priority"]["band"] in ("critical", "high"), triage
    assert triage["review_due_at"] > row["reports"][0]["received_at"]
    table = cli("incidents", "list")
    assert triage["priority"]["band"] in table.output and "new" in table.output
    assert {d["action"] for d in row["decisions"]} == {"created", "joined"}
    assert all(r["messages"][0]["external_id"].startswith("SM") for r in row["reports"])
    assert "712345678" not in json.dumps(row)


def test_relocating_a_report_moves_it_when_the_place_changes(client, rt):
    from_monitors(
        client,
        rt,
        "armed men attacked the village, two killed",
        "two killed by armed men at Londiani this morning",
    )
    # The first report is placed while asking "where?"; its answer then locates it.
    send(client, "Londiani", "+254711000001")
    drain(rt)
    assert len(incidents(rt)) == 1
    assert {r.place_name for r in reports(rt)} == {"Londiani"}


def test_a_place_the_gazetteer_does_not_know_still_brings_reports_together(client, rt):
    """Kondele is in no gazetteer here: neither report is located, and their words barely
    overlap, but the name they share finds the incident and counts as evidence."""
    from_monitors(
        client,
        rt,
        "Kondele: polisi wamewapiga risasi waandamanaji wawili leo",
        "At Kondele police shot dead two protesters this afternoon",
    )
    assert all(report.latitude is None for report in reports(rt))
    [incident] = incidents(rt)
    assert incident.report_count == 2
    with rt.db.session() as session:
        joined = session.scalar(select(IncidentDecision).where(IncidentDecision.action == "joined"))
    assert joined.scores["same_name"] == ["kondele"]


def test_words_shared_by_many_incidents_of_the_day_do_not_find_candidates(rt):
    with rt.db.session() as session:
        day = store.day_bucket(utcnow())
        made = []
        for number in range(store.MAX_INCIDENTS_PER_WORD + 1):
            incident = Incident(
                reference=f"ITEST{number:04d}",
                status="open",
                event_start=utcnow(),
                event_end=utcnow(),
                day_bucket=day,
                cell=-1,
                categories=[],
            )
            session.add(incident)
            session.flush()
            made.append(incident.id)
            words = ["w:police"] + (["w:kondele"] if number == 0 else [])
            store.add_signature(session, incident.id, words, day)
        session.flush()
        common = store.candidates(session, [day], None, None, None, [], ["w:police"])
        rare = store.candidates(session, [day], None, None, None, [], ["w:police", "w:kondele"])
    assert common == []
    assert [incident.id for incident in rare] == [made[0]]


def test_an_incident_that_began_days_ago_is_found_while_its_time_is_near(client, rt):
    """Filed under the day it began (a week of gatherings, "since last week"), it is still
    a candidate for a report of this morning."""
    enrol(rt, "+254711000001")
    enrol(rt, "+254711000002")
    send(client, "Molo: vijana wenye silaha wanakusanyika karibu na soko", "+254711000001")
    drain(rt)
    with rt.db.session() as session:
        [incident] = session.scalars(select(Incident)).all()
        for row in (incident, session.scalar(select(Report))):
            row.event_start -= timedelta(days=5)
        incident.day_bucket = store.day_bucket(incident.event_start)
    send(client, "Molo: vijana wenye silaha bado wanakusanyika sokoni", "+254711000002")
    drain(rt)
    [incident] = incidents(rt)
    assert incident.report_count == 2


def test_a_report_alone_in_its_incident_moves_when_its_next_message_tells_more(client, rt):
    """Placed alone on its first message, the report is weighed again with the second: its
    own incident (itself) is no evidence against the incident it belongs to."""
    enrol(rt, "+254711000001")
    enrol(rt, "+254711000002")
    send(client, "Molo: watu watatu wameuawa na wavamizi usiku, nyumba zimechomwa", "+254711000001")
    drain(rt)
    send(
        client,
        "Families streaming into the church compound at Elburgon since dawn.",
        "+254711000002",
    )
    drain(rt)
    assert len(incidents(rt)) == 2  # the flight alone is not yet the raid
    send(client, "Chief says 3 were killed in the raid overnight.", "+254711000002")
    drain(rt)
    [incident] = incidents(rt)
    assert incident.report_count == 2
    [empty] = incidents(rt, "dismissed")
    assert "empty" in empty.flags


def one_after_the_other(client, rt, first_text: str, second_text: str):
    """Two monitors' reports, the second sent once the first is placed; both must make one
    incident. Returns the two reports and the scores of the second one's join."""
    enrol(rt, "+254711000001")
    enrol(rt, "+254711000002")
    for phone, text in (("+254711000001", first_text), ("+254711000002", second_text)):
        send(client, text, phone)
        drain(rt)
    first, second = reports(rt)
    [incident] = incidents(rt)
    assert incident.report_count == 2
    with rt.db.session() as session:
        joined = session.scalar(select(IncidentDecision).where(IncidentDecision.action == "joined"))
    return first, second, joined.scores


def test_an_unlocated_report_joins_through_a_reading_of_its_ambiguous_place(client, rt):
    """ "Kalalani" names a place 3 km from Mariakani (across a county border) and another
    250 km away, so the report stays unlocated; the reading near the incident counts."""
    first, second, scores = one_after_the_other(
        client,
        rt,
        "SV: schoolgirl sexually assaulted at Mariakani this evening",
        "Kalalani: familia ya msichana aliyenajisiwa jioni hii inaomba msaada wa kisheria",
    )
    assert first.place_name == "Mariakani" and second.latitude is None
    assert scores["place"] == 0.6


def test_a_report_read_at_a_namesake_joins_the_incident_and_moves_there(client, rt):
    """Sigor is a village in West Pokot and another in Kericho, 270 km apart. Alone, the
    second report reads as the one in Kericho; the raid near the other says which it is."""
    first, second, scores = one_after_the_other(
        client,
        rt,
        "Bandits attacked Weiwei near Sigor at dawn, three herders killed",
        "Sigor: death toll from the bandit raid is now five, bodies at Sigor dispensary",
    )
    assert first.latitude > 1.0  # West Pokot
    assert scores["namesake"]["place"] == "Sigor"
    assert second.place_name == "Sigor" and second.latitude > 1.0
    assert abs(second.latitude - first.latitude) < 0.2


def test_an_unlocated_report_guessed_far_off_joins_when_it_tells_the_same_story(client, rt):
    """'sokoni' (at the market) is also a village on the coast: too weak to locate the second
    report, that guess is no reason to keep apart two accounts of the same teargassing."""
    first, second, scores = one_after_the_other(
        client,
        rt,
        "Narok: polisi wanarusha teargas sokoni sasa hivi, maduka yamefungwa",
        "Teargas mingi sokoni sasa hivi, wasee wanahepa, maduka yamefungwa",
    )
    assert first.place_name == "Narok" and second.latitude is None
    assert scores["place"] == 0.3


def test_a_report_placed_again_is_not_compared_with_itself(client, rt):
    from ewn.dedup.incidents import sample_texts

    from_monitors(
        client,
        rt,
        "Armed men burned houses at Molo market this morning",
        "Molo: nyumba zimechomwa na watu wenye silaha asubuhi hii sokoni",
    )
    first, second = reports(rt)
    [incident] = incidents(rt)
    with rt.db.session() as session:
        assert sample_texts(session, incident, 10) == [first.text, second.text]
        assert sample_texts(session, incident, 10, first.id) == [second.text]
