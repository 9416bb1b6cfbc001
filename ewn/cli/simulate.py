"""ewn simulate: send a correctly signed message to a running EWN, as a monitor's phone would."""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
from urllib.parse import urlencode

import click
from twilio.request_validator import RequestValidator

from ewn.cli.common import demo_requested, fail
from ewn.config_files import ConfigError
from ewn.settings import load_settings

PATH = "/webhooks/twilio/messages"


def twilio_params(
    body: str,
    sender: str,
    to: str,
    whatsapp: bool,
    latitude=None,
    longitude=None,
    address=None,
    label=None,
    media=(),
) -> dict[str, str]:
    """A parameter set shaped like Twilio's own incoming-message webhook."""
    sid = "SM" + secrets.token_hex(16)
    params = {
        "ToCountry": "KE",
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": str(len(media)),
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "KE",
        "To": to,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    if whatsapp:
        for key in (
            "ToCountry",
            "ToState",
            "ToCity",
            "FromZip",
            "FromState",
            "FromCity",
            "FromCountry",
            "ToZip",
        ):
            params.pop(key)
        params["From"] = "whatsapp:" + sender
        params["To"] = "whatsapp:" + to
        params["WaId"] = sender.lstrip("+")
        params["ProfileName"] = "Simulated Monitor"
        params["MessageType"] = (
            "location" if latitude is not None else ("image" if media else "text")
        )
        params["ReferralNumMedia"] = "0"
    if latitude is not None:
        params.update(Latitude=str(latitude), Longitude=str(longitude))
        if address:
            params["Address"] = address
        if label:
            params["Label"] = label
    for index, (url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"] = url
        params[f"MediaContentType{index}"] = content_type
    return params


def register(main: click.Group) -> None:
    @main.command()
    @click.argument("body")
    @click.option("--demo", is_flag=True, help="Sign with the demo token (ewn serve --demo).")
    @click.option(
        "--url", default="http://127.0.0.1:5000", show_default=True, help="Where EWN listens."
    )
    @click.option(
        "--from",
        "sender",
        default="+254700000001",
        show_default=True,
        help="The monitor's phone number (E.164).",
    )
    @click.option("--to", default="+15005550006", show_default=True, help="EWN's receiving number.")
    @click.option("--whatsapp", is_flag=True, help="Send as a WhatsApp message.")
    @click.option("--latitude", type=float, help="Share a location (WhatsApp).")
    @click.option("--longitude", type=float)
    @click.option("--address", help="Address of the shared location.")
    @click.option("--label", help="Label of the shared location.")
    def simulate(body, demo, url, sender, to, whatsapp, latitude, longitude, address, label):
        """Send BODY to EWN as a monitor's phone would, signed like Twilio signs."""
        if (latitude is None) != (longitude is None):
            fail("give both --latitude and --longitude")
        try:
            demo = demo or demo_requested()
            settings = load_settings({"demo": True} if demo else None)
        except ConfigError as exc:
            fail(f"configuration error: {exc}")
        from ewn.runtime import demo_auth_token

        token = settings.twilio.auth_token or (demo_auth_token(settings) if demo else "")
        if not token:
            fail("no Twilio auth token to sign with: set twilio.auth_token, or use --demo")
        params = twilio_params(
            body, sender, to, whatsapp or latitude is not None, latitude, longitude, address, label
        )
        signed_base = (settings.public_url or url).rstrip("/")
        signature = RequestValidator(token).compute_signature(signed_base + PATH, params)
        request = urllib.request.Request(  # noqa: S310 - http(s) URL given by the user
            url.rstrip("/") + PATH,
            data=urlencode(params).encode(),
            method="POST",
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                click.echo(f"sent {params['MessageSid']}: HTTP {response.status}")
        except urllib.error.HTTPError as exc:
            fail(f"EWN answered HTTP {exc.code}: {exc.read().decode(errors='replace').strip()}", 1)
        except urllib.error.URLError as exc:
            fail(f"cannot reach EWN at {url}: {exc.reason}", 1)
