"""Words stored as codes (roles, bands, statuses, reasons) as people read them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    # roles
    "admin": _l("admin"),
    "triage": _l("triage"),
    "mediator": _l("mediator"),
    "committee": _l("committee"),
    # priority bands
    "critical": _l("critical"),
    "high": _l("high"),
    "medium": _l("medium"),
    "low": _l("low"),
    # triage statuses and actions
    "new": _l("new"),
    "claimed": _l("claimed"),
    "verified": _l("verified"),
    "escalated": _l("escalated"),
    "dismissed": _l("dismissed"),
    "created": _l("created"),
    "joined": _l("joined"),
    "moved": _l("moved"),
    "merged": _l("merged"),
    "split": _l("split"),
    "categorised": _l("categorised"),
    "replied": _l("replied to the monitor"),
    "note": _l("note"),
    "claim": _l("claimed"),
    "assign": _l("assigned"),
    "assigned": _l("assigned"),
    "severity": _l("severity set"),
    "verify": _l("verified"),
    "escalate": _l("escalated"),
    "dismiss": _l("dismissed"),
    "merge_into": _l("merged"),
    "split_report": _l("split"),
    "categories": _l("categorised"),
    "place": _l("place set"),
    "reply": _l("replied to the monitor"),
    "refused": _l("access refused"),
    # escalations: states and timeline
    "acknowledged": _l("acknowledged"),
    "unanswered": _l("unanswered"),
    "resolved": _l("resolved"),
    "started": _l("started"),
    "notified": _l("notified"),
    "waiting": _l("waiting for an acknowledgement"),
    "repeated": _l("policy started again"),
    "unacknowledged": _l("unacknowledged again"),
    "no_group": _l("no such contact group"),
    "no_channel": _l("recipient has no usable channel"),
    "nobody_notified": _l("nobody in the group could be notified"),
    "contact_reply": _l("reply from a recipient"),
    "acknowledge": _l("acknowledged"),
    "resolve": _l("resolved"),
    "link": _l("link"),
    "web": _l("web app"),
    "cli": _l("command line"),
    "pending": _l("pending"),
    "fallback": _l("next channel"),
    "channel_skipped": _l("channel skipped"),
    "opted_out": _l("opted out"),
    "whatsapp_window": _l("outside the WhatsApp 24-hour window"),
    "delivery": _l("delivery status"),
    "template_unusable": _l("minimal alert sent instead of the group's template"),
    "template_missing": _l("the template is no longer in the escalation file"),
    "template_too_long": _l("the template would take more than two SMS segments"),
    # provider delivery statuses
    "accepted": _l("accepted by the provider"),
    "queued": _l("queued at the provider"),
    "sending": _l("sending"),
    "sent": _l("sent"),
    "delivered": _l("delivered"),
    "read": _l("read"),
    "undelivered": _l("undelivered"),
    "failed": _l("failed"),
    "canceled": _l("canceled"),
    "suppressed": _l("not sent (opted out or silent)"),
    # dismissal reasons
    "false": _l("false"),
    "rumour": _l("rumour"),
    "duplicate": _l("duplicate"),
    "not_an_incident": _l("not an incident"),
    # flags
    "possible_coordination": _l("possible coordinated reporting"),
    "empty": _l("no reports left"),
    "category_guessed": _l("category guessed from example reports"),
    # monitors
    "active": _l("active"),
    "unverified": _l("unverified"),
    "suspended": _l("suspended"),
    "normal": _l("normal"),
    # how a place was found
    "text": _l("from the text"),
    "whatsapp": _l("WhatsApp location"),
    "ask_back": _l("monitor's answer"),
    "monitor_home": _l("monitor's home"),
    "geocoder": _l("online geocoder"),
    "staff": _l("set by staff"),
}


def label(code: str | None) -> str:
    if not code:
        return ""
    return str(LABELS.get(code, code))
