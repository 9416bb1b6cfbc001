"""Alert recipients: import from CSV (safe to re-run), groups, and what staff may see of them.

CSV columns (header row required; only name and channels are required):
  name       the person's name (kept encrypted; staff see a pseudonym)
  channels   in the order to try, separated by ";": whatsapp:+254700000001; +254700000001
             (SMS); email:someone@example.org
  language   en, sw, fr or ar (default: the deployment's)
  areas      admin area names or codes they cover, separated by ";"
  national   yes/no: covers the whole country
  groups     group names, separated by ";" (created when new)
A row whose first channel is already a contact's updates that contact.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ewn.models import (
    AdminArea,
    Contact,
    ContactArea,
    ContactChannel,
    ContactGroup,
    ContactGroupMember,
)
from ewn.phones import BadNumber, split_address, to_e164
from ewn.refs import random_code
from ewn.settings import SUPPORTED_LANGUAGES
from ewn.staff import AccountError, find_areas
from ewn.store.common import with_unique_retry

COLUMNS = ("name", "channels", "language", "areas", "national", "groups")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
YES, NO = ("yes", "y", "true", "1", "oui", "ndiyo"), ("no", "n", "false", "0", "", "non", "hapana")
MAX_NAME = 200


class ContactError(ValueError):
    pass


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def parse_channels(text: str, country: str) -> list[tuple[str, str]]:
    """ "whatsapp:+2547...; 0712...; email:a@b.org" → [(channel, address)] in that order."""
    found = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        if part.lower().startswith("email:"):
            address = part.split(":", 1)[1].strip().lower()
            if not EMAIL.fullmatch(address):
                raise ContactError(_l("not an e-mail address: %(address)s", address=repr(address)))
            found.append(("email", address))
            continue
        channel, number = split_address(part)
        try:
            found.append((channel, to_e164(number, country)))
        except BadNumber:
            raise ContactError(_l("not a phone number: %(number)s", number=repr(number))) from None
    if not found:
        raise ContactError(_l("no channel given"))
    if len(set(found)) != len(found):
        raise ContactError(_l("the same channel is listed twice"))
    return found


def import_csv(session: Session, rt, text: str) -> ImportResult:
    """Create or update one contact per row; a bad row is reported with its line, not imported."""
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in COLUMNS]
    if not header or "name" not in header or "channels" not in header or unknown:
        raise ContactError(
            f"the header must name the columns {', '.join(COLUMNS)} "
            f"(name and channels required){'; unknown: ' + ', '.join(unknown) if unknown else ''}"
        )
    reader.fieldnames = header
    for row in reader:
        line = reader.line_num
        try:
            with session.begin_nested():
                created = import_row(session, rt, row)
        except (ContactError, AccountError) as exc:
            result.errors.append(str(_l("line %(line)s: %(problem)s", line=line, problem=exc)))
            continue
        if created:
            result.created += 1
        else:
            result.updated += 1
    return result


def import_row(session: Session, rt, row: dict) -> bool:
    """Returns True when a new contact was created."""
    if None in row:
        raise ContactError(_l("more cells than columns"))
    name = (row.get("name") or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ContactError(_l("a name of 1 to %(most)s characters is required", most=MAX_NAME))
    channels = parse_channels(row.get("channels") or "", rt.settings.deployment.default_country)
    language = (row.get("language") or "").strip().lower() or (
        rt.settings.deployment.default_language
    )
    if language not in SUPPORTED_LANGUAGES:
        raise ContactError(
            _l(
                "language %(language)s: one of %(known)s",
                language=repr(language),
                known=", ".join(SUPPORTED_LANGUAGES),
            )
        )
    national = (row.get("national") or "").strip().lower()
    if national not in YES + NO:
        raise ContactError(_l("national %(value)s: yes or no", value=repr(national)))
    areas = find_areas(session, _list(row.get("areas")))
    groups = _list(row.get("groups"))
    if any(len(group) > 80 for group in groups):
        raise ContactError(_l("a group name is longer than 80 characters"))
    keyring = rt.keyring
    first_hash = keyring.lookup_hash(channels[0][1])
    contact = session.scalar(
        select(Contact)
        .join(ContactChannel, ContactChannel.contact_id == Contact.id)
        .where(ContactChannel.position == 0, ContactChannel.address_hash == first_hash)
    )
    created = contact is None
    if created:

        def make() -> Contact:
            new = Contact(pseudonym=f"R-{random_code(5)}")
            session.add(new)
            session.flush()
            return new

        contact = with_unique_retry(session, make)
    contact.name_enc = keyring.encrypt(name, "contact.name")
    contact.language, contact.national, contact.active = language, national in YES, True
    for table in (ContactChannel, ContactArea, ContactGroupMember):
        session.execute(delete(table).where(table.contact_id == contact.id))
    session.flush()
    for position, (channel, address) in enumerate(channels):
        session.add(
            ContactChannel(
                contact_id=contact.id,
                position=position,
                channel=channel,
                address_enc=keyring.encrypt(address, "contact.address"),
                address_hash=keyring.lookup_hash(address),
            )
        )
    for area in areas:
        session.add(ContactArea(contact_id=contact.id, area_id=area.id))
    for group_name in dict.fromkeys(groups):
        group = ensure_group(session, group_name)
        session.add(ContactGroupMember(group_id=group.id, contact_id=contact.id))
    session.flush()
    return created


def _list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(";") if part.strip()]


def ensure_group(session: Session, name: str) -> ContactGroup:
    group = session.scalar(select(ContactGroup).where(ContactGroup.name == name))
    if group is None:
        group = ContactGroup(name=name)
        session.add(group)
        session.flush()
    return group


def groups(session: Session) -> list[dict]:
    """Every group with its alert template and how many active contacts are in it."""
    rows = session.execute(
        select(ContactGroup.id, ContactGroup.name, ContactGroup.template, func.count(Contact.id))
        .outerjoin(ContactGroupMember, ContactGroupMember.group_id == ContactGroup.id)
        .outerjoin(
            Contact, (Contact.id == ContactGroupMember.contact_id) & Contact.active.is_(True)
        )
        .group_by(ContactGroup.id, ContactGroup.name, ContactGroup.template)
        .order_by(ContactGroup.name)
    )
    return [
        {"id": id_, "name": name, "template": template, "members": members}
        for id_, name, template, members in rows
    ]


def describe(session: Session, contact: Contact) -> dict:
    """A contact as staff see it: pseudonym, language, jurisdiction, groups, channel kinds."""
    areas = session.scalars(
        select(AdminArea.name)
        .join(ContactArea, ContactArea.area_id == AdminArea.id)
        .where(ContactArea.contact_id == contact.id)
        .order_by(AdminArea.name)
    )
    groups = session.scalars(
        select(ContactGroup.name)
        .join(ContactGroupMember, ContactGroupMember.group_id == ContactGroup.id)
        .where(ContactGroupMember.contact_id == contact.id)
        .order_by(ContactGroup.name)
    )
    channels = session.scalars(
        select(ContactChannel.channel)
        .where(ContactChannel.contact_id == contact.id)
        .order_by(ContactChannel.position)
    )
    return {
        "pseudonym": contact.pseudonym,
        "language": contact.language,
        "national": contact.national,
        "active": contact.active,
        "areas": list(areas),
        "groups": list(groups),
        "channels": list(channels),
    }


# Demo mode only: who alerts go to, so an escalation can be watched end to end on the console.
# The mediator's phone is one of the simulator's phones: alerts arrive there, ACK answers them.
DEMO_MEDIATOR_PHONE = "+254700000201"
DEMO_CONTACTS = f"""name,channels,language,areas,national,groups
Demo Mediator,{DEMO_MEDIATOR_PHONE},en,,yes,County mediators
Demo Committee,+254700000202,en,,yes,National Committee
Demo Duty Officer,+254700000203,en,,yes,Duty officers
"""


def demo_contacts(session: Session, rt) -> None:
    """Create the demo's contacts once (when nobody is a contact yet)."""
    if session.scalar(select(Contact.id).limit(1)) is None:
        import_csv(session, rt, DEMO_CONTACTS)
