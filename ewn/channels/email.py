"""The e-mail channel: alerts to contacts over SMTP (smtplib, with a timeout)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from ewn.channels.base import Outgoing, SendResult, TransportError

PROVIDER = "smtp"


class SmtpTransport:
    name = "smtp"

    def __init__(self, settings):
        self.settings = settings

    def send(self, message: Outgoing) -> SendResult:
        smtp = self.settings
        if not smtp.host or not smtp.from_address:
            raise TransportError("no SMTP server configured (smtp.host, smtp.from_address)", False)
        email = EmailMessage()
        email["From"], email["To"] = smtp.from_address, message.to
        # The first line of the alert (reference and what) is the subject; never a name.
        email["Subject"] = message.body.split(". ")[0][:120]
        email["Message-ID"] = make_msgid(idstring=message.reference)
        email.set_content(message.body)
        try:
            connect = smtplib.SMTP_SSL if smtp.security == "tls" else smtplib.SMTP
            with connect(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as server:
                if smtp.security == "starttls":
                    server.starttls(context=ssl.create_default_context())
                if smtp.username:
                    server.login(smtp.username, smtp.password)
                server.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise TransportError(
                f"SMTP refused the recipient ({codes})", False, "smtp-550"
            ) from None
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise TransportError(
                f"SMTP error {exc.smtp_code}", not permanent, f"smtp-{exc.smtp_code}"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"SMTP server unreachable: {type(exc).__name__}", True) from None
        return SendResult(PROVIDER, email["Message-ID"].strip("<>")[:64], "sent")
