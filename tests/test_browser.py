"""The staff web app in a real browser: Debian's chromium driven by playwright, against EWN
served on 127.0.0.1 with a worker running beside it, in demo mode so the phone simulator is
there. Screenshots go to tests/screenshots/ (not committed).

Never downloads a browser: without /usr/bin/chromium these tests skip (and fail under CI).
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pyotp
import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from ewn import create_app
from ewn.escalation.contacts import DEMO_MEDIATOR_PHONE, demo_contacts
from ewn.models import Incident, Report
from ewn.worker import Worker
from tests.builders import PASSWORD, make_user
from tests.conftest import app_settings

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).parent / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


class Live:
    """EWN on a free port of 127.0.0.1, with one worker thread."""

    def __init__(self, app):
        self.app = app
        self.rt = app.extensions["ewn"]
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.worker = Worker(self.rt, name="browser-test-worker")
        self.threads = [
            threading.Thread(target=self.server.serve_forever, daemon=True),
            threading.Thread(target=self._work, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def _work(self):
        with self.app.app_context():
            self.worker.run()

    def stop(self):
        self.worker.stopping.set()
        self.server.shutdown()
        for thread in self.threads:
            thread.join(timeout=10)
        self.rt.db.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory, sqlite_template, keyring_file):
    folder = tmp_path_factory.mktemp("browser")
    shutil.copy(sqlite_template, folder / "ewn.db")
    settings = app_settings(folder / "data", f"sqlite:///{folder / 'ewn.db'}", keyring_file, "")
    settings.update(
        {
            "demo": True,  # the phone simulator; replies go to the console transport
            "public_url": "",
            "web.queue_refresh_seconds": 1,
            "worker.poll_seconds": 0.05,
        }
    )
    for key in ("twilio.account_sid", "twilio.auth_token", "twilio.api_base_url"):
        settings.pop(key)
    server = Live(create_app(settings))
    with server.app.app_context(), server.rt.db.session() as session:
        demo_contacts(session, server.rt)  # as `ewn serve --demo` does: alerts reach a phone
    yield server
    server.stop()


@pytest.fixture
def page(browser, live, request):
    context = browser.new_context(base_url=live.url, locale="en-GB")
    tab = context.new_page()
    outside = []
    tab.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live.url) else None)
    tab.on("dialog", lambda dialog: pytest.fail(f"a script ran: {dialog.message}"))
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    context.set_default_timeout(15_000)
    yield tab
    context.close()
    assert outside == [], "the page reached beyond EWN"
    assert errors == [], f"errors in the page: {errors}"


def shot(tab, name: str) -> None:
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def text_as_monitor(tab, phone_index: int, body: str) -> None:
    tab.goto("/")
    tab.select_option("#phone", index=phone_index)
    tab.fill("#body", body)
    tab.click("form[action$='/simulator'] button")
    tab.wait_for_selector(".flash.ok")


def log_in(tab, live, username: str) -> None:
    secret = pyotp.random_base32()
    make_user(live.rt, username, "triage", totp_secret=secret)
    tab.goto("/login")
    tab.fill("#username", username)
    tab.fill("#password", PASSWORD)
    tab.click("main form button")
    tab.wait_for_url(re.compile(r"/login/code"))
    tab.fill("#code", pyotp.TOTP(secret).now())
    shot(tab, f"{username}-code")
    tab.click("main form button")
    tab.wait_for_url(re.compile(r"/queue$"))


def incident_of(live, text: str) -> str:
    with live.rt.db.reading() as session:
        return session.scalar(
            select(Incident.reference)
            .join(Report, Report.incident_id == Incident.id)
            .where(Report.text == text)
        )


def test_a_report_is_worked_from_the_phone_to_escalation(page, live):
    first = "Armed men burned houses in Nakuru town last night, 3 killed"
    text_as_monitor(page, 0, first)
    shot(page, "simulator")
    log_in(page, live, "amina")
    page.wait_for_selector("#queue-rows tr:has-text('Nakuru')")
    shot(page, "queue")

    # A second report arrives while the queue is open: it appears without a reload.
    second = "Militia with guns gathering at Molo market today"
    phone = page.context.new_page()
    text_as_monitor(phone, 1, second)
    phone.close()
    page.wait_for_selector("#queue-rows tr:has-text('Molo')", timeout=20_000)
    assert page.url.endswith("/queue")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1

    # Keyboard: j selects the first row, c claims it, Enter opens it.
    page.keyboard.press("j")
    assert page.locator("#queue-rows tr.selected").count() == 1
    page.keyboard.press("c")
    page.wait_for_selector("#queue-rows tr.selected:has-text('amina')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/incidents/I"))
    reference = page.url.rsplit("/", 1)[1]

    # Work the incident that the first report started.
    here = incident_of(live, first)
    page.goto(f"/incidents/{here}")
    assert page.locator(".report .text").first.inner_text() == first
    page.wait_for_selector("#incident-map path.leaflet-interactive")
    page.keyboard.press("v")
    page.wait_for_selector(".flash.ok")
    assert "verified" in page.locator(".incident-head").inner_text()
    page.fill("form[data-key=e] input[name=reason]", "houses still burning")
    page.click("form[data-key=e] button")
    page.wait_for_selector(".flash.ok")
    assert "escalated" in page.locator(".incident-head").inner_text()

    # Merge the other incident into this one.
    there = incident_of(live, second)
    assert there != here and reference in (here, there)
    page.fill("input[name=other]", there)
    page.click("form[action$='/merge'] button")
    page.wait_for_selector(".flash.ok")
    assert page.locator(".report").count() == 2
    shot(page, "incident-merged")

    # Reply to the first monitor, through the outbox, and see it arrive on the phone.
    report = page.locator(".report", has_text=first)
    report.locator("summary").click()
    report.locator("input[name=text]").fill("Are you safe? Call 1199 if you need help.")
    report.locator("form[action$='/reply'] button").click()
    page.wait_for_selector(".flash.ok")
    history = page.locator(".history").inner_text()
    assert "replied to the monitor" in history and "houses still burning" in history
    phone = page.context.new_page()
    phone.goto("/?phone=%2B254700000101")
    phone.wait_for_selector(".replies li:has-text('Are you safe?')")
    shot(phone, "simulator-reply")
    phone.close()

    # Escalating alerted the mediator: the alert is on their phone; a bare ACK acknowledges it.
    mediator = page.context.new_page()
    mediator.goto(f"/?phone={quote(DEMO_MEDIATOR_PHONE)}")
    mediator.wait_for_selector(f".replies li:has-text('{here}')")
    shot(mediator, "simulator-alert")
    text_as_monitor(mediator, 3, "ACK")
    mediator.close()
    for _ in range(50):
        page.reload()
        if page.locator(".escalation:has-text('acknowledged')").count():
            break
        time.sleep(0.2)
    assert page.locator(".escalation:has-text('acknowledged')").count() >= 1
    shot(page, "incident-acknowledged")


def test_arabic_lays_the_app_out_right_to_left(page, live):
    log_in(page, live, "layla")
    nav, main = page.locator("nav.sidebar"), page.locator("main")
    left_to_right = nav.bounding_box(), main.bounding_box()
    assert left_to_right[0]["x"] < left_to_right[1]["x"], "English: navigation on the left"
    page.select_option("#language-choice", "ar")
    page.wait_for_selector("html[dir=rtl]")
    shot(page, "queue-arabic")
    nav_box, main_box = nav.bounding_box(), main.bounding_box()
    assert nav_box["x"] > main_box["x"] + main_box["width"] - 1, "Arabic: navigation on the right"
    header = page.locator("table.queue th").first
    assert page.evaluate("h => getComputedStyle(h).textAlign", header.element_handle()) in (
        "start",
        "right",
    )
    header_box = header.bounding_box()
    table_box = page.locator("table.queue").bounding_box()
    assert header_box["x"] + header_box["width"] >= table_box["x"] + table_box["width"] - 2
    assert page.locator("html").get_attribute("lang") == "ar"
    assert "Queue" not in page.locator("h1").inner_text()


def test_markup_in_a_report_stays_text(page, live):
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script> Houses burned at Kericho'
    text_as_monitor(page, 2, payload)
    log_in(page, live, "omar")
    for _ in range(100):
        reference = incident_of(live, payload)
        if reference:
            break
        page.wait_for_timeout(100)
    page.goto(f"/incidents/{reference}")
    assert page.locator(".report .text").first.inner_text() == payload
    assert page.locator(".report .text img, .report .text script").count() == 0
    shot(page, "incident-markup")


def test_map_and_dashboard_work_without_tiles(page, live):
    text_as_monitor(page, 0, "Two women abducted near Eldoret town this morning")
    log_in(page, live, "kamau")
    page.goto("/map")
    page.wait_for_selector("#incidents-map path.leaflet-interactive")
    shot(page, "map")
    page.goto("/dashboard")
    page.wait_for_selector("#counts")
    assert page.locator("#counts tbody tr").count() >= 1
    page.select_option("select[name=days]", "7")
    page.wait_for_url(re.compile(r"days=7"))
    shot(page, "dashboard")
