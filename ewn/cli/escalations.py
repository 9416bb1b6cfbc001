"""ewn contacts: import, list, groups; ewn escalations: list, acknowledge, resolve."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from ewn.cli.common import FORMAT_OPTION, app_runtime, emit, fail, iso
from ewn.escalation import contacts as contact_store
from ewn.escalation import engine
from ewn.escalation.config import unknown_value
from ewn.models import (
    AdminArea,
    Contact,
    ContactGroup,
    Escalation,
    EscalationEvent,
    Incident,
    Notification,
    OutboundMessage,
)


def escalation_row(session, escalation: Escalation, pseudonyms: dict[int, str]) -> dict:
    """One escalation as `ewn escalations list` shows it; pseudonyms: contact id → pseudonym."""
    incident = session.get(Incident, escalation.incident_id) if escalation.incident_id else None
    area = session.get(AdminArea, escalation.area_id) if escalation.area_id else None
    notifications = session.execute(
        select(Notification, OutboundMessage)
        .outerjoin(OutboundMessage, OutboundMessage.id == Notification.outbound_id)
        .where(Notification.escalation_id == escalation.id)
        .order_by(Notification.id)
    ).all()
    events = session.scalars(
        select(EscalationEvent)
        .where(EscalationEvent.escalation_id == escalation.id)
        .order_by(EscalationEvent.id)
    )
    by = pseudonyms.get(escalation.acknowledged_by_id) or escalation.acknowledged_by_user
    return {
        "reference": escalation.reference,
        "kind": escalation.kind,
        "rule": escalation.rule,
        "incident": incident.reference if incident else None,
        "area": area.name if area else None,
        "pattern_count": escalation.pattern_count,
        "state": escalation.state,
        "policy": escalation.policy,
        "round": escalation.round + 1,
        "next_step": escalation.step + 1,
        "next_due_at": iso(escalation.next_due_at),
        "ack_code": escalation.ack_code,
        "acknowledged": {"by": by, "at": iso(escalation.acknowledged_at)}
        if escalation.acknowledged_at
        else None,
        "resolved_at": iso(escalation.resolved_at),
        "messages": [
            {
                "recipient": pseudonyms.get(n.contact_id),
                "group": n.group,
                "round": n.round + 1,
                "step": n.step + 1,
                "channel": m.channel if m else None,
                "status": m.status if m else None,
                "provider_id": m.provider_sid if m else None,
                "error_code": m.error_code if m else None,
            }
            for n, m in notifications
        ],
        "timeline": [{"at": iso(e.at), "event": e.kind, **(e.detail or {})} for e in events],
    }


def register(main: click.Group) -> None:
    @main.group("contacts")
    def contacts() -> None:
        """Alert recipients: mediators, committee members, staff on duty."""

    @contacts.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_command(path: Path) -> None:
        """Create or update contacts from a CSV file (columns: see `ewn contacts import -h`).

        \b
        Columns: name, channels, language, areas, national, groups, e.g.
          name,channels,language,areas,national,groups
          Amina W.,whatsapp:+254711000001;+254711000001,sw,Nakuru,no,County mediators
        Channels are tried in the order given. Safe to re-run: a row whose first channel is
        already a contact's updates that contact.
        """
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            fail(f"{path}: not UTF-8 text")
        with app_runtime() as (_app, rt), rt.db.session() as session:
            try:
                result = contact_store.import_csv(session, rt, text)
            except contact_store.ContactError as exc:
                fail(f"{path}: {exc}")
        for error in result.errors:
            click.echo(f"{path}: {error}", err=True)
        click.echo(
            f"{result.created} contacts created, {result.updated} updated, "
            f"{len(result.errors)} rows refused"
        )
        if result.errors:
            raise SystemExit(1)

    @contacts.command("list")
    @FORMAT_OPTION
    def list_contacts(fmt: str) -> None:
        """Contacts by pseudonym (names and numbers are never shown here)."""
        with app_runtime() as (_app, rt), rt.db.reading() as session:
            rows = [
                contact_store.describe(session, contact)
                for contact in session.scalars(select(Contact).order_by(Contact.id))
            ]
        emit(rows, fmt, ["pseudonym", "language", "national", "areas", "groups", "channels"])

    @contacts.command("group")
    @click.argument("name")
    @click.option(
        "--template",
        help="The wording of the group's alerts: full (what, where, how corroborated), minimal "
        "(only a reference and the ack code, for phones that may be searched), or one of the "
        "templates in config/escalation.yaml.",
    )
    @click.option("--minimal", "shortcut", flag_value="minimal", help="Same as --template minimal.")
    @click.option("--full", "shortcut", flag_value="full", help="Same as --template full.")
    def group_command(name: str, template: str | None, shortcut: str | None) -> None:
        """Show or change the wording of a group's alerts."""
        with app_runtime() as (_app, rt), rt.db.session() as session:
            group = session.scalar(select(ContactGroup).where(ContactGroup.name == name))
            if group is None:
                fail(f"no group named {name!r} (groups come from `ewn contacts import`)")
            chosen = template or shortcut
            if chosen is not None:
                if chosen not in rt.escalation.template_names:
                    fail(f"--template: {unknown_value(chosen, rt.escalation.template_names)}")
                group.template = chosen
            click.echo(f"{group.name}: {group.template} alerts")

    @main.group("escalations")
    def escalations() -> None:
        """Escalations: alerts working through their policies."""

    @escalations.command("list")
    @FORMAT_OPTION
    @click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100000))
    def list_command(fmt: str, limit: int) -> None:
        """Escalations, newest first, with policy, steps, messages and acknowledgement."""
        with app_runtime() as (_app, rt), rt.db.reading() as session:
            pseudonyms = dict(session.execute(select(Contact.id, Contact.pseudonym)).all())
            rows = [
                escalation_row(session, escalation, pseudonyms)
                for escalation in session.scalars(
                    select(Escalation).order_by(Escalation.id.desc()).limit(limit)
                )
            ]
        if fmt == "table":
            for row in rows:
                row["messages_sent"] = len(row["messages"])
                row["acknowledged_by"] = (row["acknowledged"] or {}).get("by")
        emit(
            rows,
            fmt,
            [
                "reference",
                "rule",
                "incident",
                "area",
                "state",
                "round",
                "next_step",
                "next_due_at",
                "messages_sent",
                "acknowledged_by",
            ],
        )

    @escalations.command("ack")
    @click.argument("reference")
    @click.option("--by", "staff", required=True, help="Your staff username (recorded).")
    def ack_command(reference: str, staff: str) -> None:
        """Acknowledge escalation REFERENCE (stops its steps)."""
        with app_runtime() as (_app, rt), rt.db.session() as session:
            escalation = engine.by_reference(session, reference)
            if escalation is None:
                fail(f"no escalation {reference}")
            if not engine.acknowledge(session, escalation, via="cli", user=staff):
                fail(f"{escalation.reference} is {escalation.state}: nothing to acknowledge")
        click.echo(f"{reference.upper()} acknowledged")

    @escalations.command("resolve")
    @click.argument("reference")
    @click.option("--by", "staff", required=True, help="Your staff username (recorded).")
    @click.option("--why", required=True, help="The reason (recorded).")
    def resolve_command(reference: str, staff: str, why: str) -> None:
        """Resolve escalation REFERENCE: it ends, nobody else is alerted."""
        with app_runtime() as (_app, rt), rt.db.session() as session:
            escalation = engine.by_reference(session, reference)
            if escalation is None:
                fail(f"no escalation {reference}")
            if not engine.resolve(session, escalation, by=staff, why=why):
                fail(f"{escalation.reference} is already resolved")
        click.echo(f"{reference.upper()} resolved")
