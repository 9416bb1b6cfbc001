"""The staff web app: server-rendered pages, every asset served from EWN itself."""

from __future__ import annotations

import secrets
from functools import update_wrapper

from flask import Blueprint, Flask, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import format_number, get_locale
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from ewn.models import StaffUser
from ewn.settings import SUPPORTED_LANGUAGES
from ewn.web.labels import label

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
RTL = {"ar"}


def secret_key(settings) -> str:
    if settings.web.secret_key:
        return settings.web.secret_key
    path = settings.data_path / "demo-secret-key"  # demo mode only (checked at start-up)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def init_app(app: Flask) -> None:
    rt = app.extensions["ewn"]
    settings = rt.settings
    app.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=settings.web.rate_limit_storage,
        RATELIMIT_HEADERS_ENABLED=True,
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    limiter.init_app(app)

    from ewn.web import (
        auth,
        contacts,
        escalations,
        incidents,
        maps,
        monitors,
        queue,
        simulator,
    )

    for module in (auth, queue, incidents, escalations, contacts, maps, monitors, simulator):
        app.register_blueprint(module.bp)
    # Twilio cannot send a CSRF token: its requests are authenticated by signature instead.
    from ewn.ingest.webhook import bp as webhooks

    csrf.exempt(webhooks)

    @app.context_processor
    def page_context():
        locale = get_locale()  # runs choose_language once per request
        language = locale.language if locale else settings.deployment.default_language
        return {
            "language": language,
            "direction": "rtl" if language in RTL else "ltr",
            "languages": [
                lang for lang in settings.deployment.languages if lang in SUPPORTED_LANGUAGES
            ],
            "demo": settings.demo,
            "user": current_user,
            "label": label,
            "number": format_number,
        }

    for code in (400, 403, 404, 405, 429):
        app.register_error_handler(code, _error_page)
    app.register_error_handler(CSRFError, _csrf_failed)

    from ewn.web.access import record_refusals

    app.after_request(record_refusals)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        tiles = settings.web.tile_url.split("/{z}")[0] if settings.web.tile_url else ""
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: "
            + (tiles or "'self'")
            + "; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
        if request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "public, max-age=86400")
        return response

    spare_webhooks(app, webhooks)


class StaffSessions(SecureCookieSessionInterface):
    """Twilio's webhooks never log in: no session cookie is read or written for them."""

    def __init__(self, webhook_prefix: str):
        self.webhook_prefix = webhook_prefix.rstrip("/") + "/"

    def open_session(self, app, request):
        # Runs before the URL is matched (request.blueprint is not known yet): by path.
        if request.path.startswith(self.webhook_prefix):
            return None  # Flask's null session: nothing is read, nothing saved
        return super().open_session(app, request)


def spare_webhooks(app: Flask, webhooks: Blueprint) -> None:
    """The webhook is EWN's hottest path and is authenticated by signature: the staff app's
    request hooks (CSRF, login rate limits, remember-me cookie, audit of refusals, page
    security headers) have nothing to do there, so they are skipped for it."""
    app.session_interface = StaffSessions(webhooks.url_prefix)
    for hooks, passes_through in (
        (app.before_request_funcs, False),
        (app.after_request_funcs, True),
        (app.teardown_request_funcs, False),
    ):
        hooks[None] = [
            _not_for(webhooks.name, hook, passes_through) for hook in hooks.get(None, [])
        ]


def _not_for(blueprint: str, hook, passes_through: bool):
    def guarded(*args):
        if request.blueprint == blueprint:
            return args[0] if passes_through else None  # an after-request hook's response
        return hook(*args)

    return update_wrapper(guarded, hook)


ERROR_TITLES = {
    400: lambda: _("The request could not be understood"),
    403: lambda: _("Not allowed"),
    404: lambda: _("Not found"),
    405: lambda: _("Not allowed"),
    429: lambda: _("Too many attempts"),
}


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    if request.path.startswith(("/webhooks/", "/health")) or request.accept_mimetypes.best == (
        "application/json"
    ):
        return {"error": getattr(error, "description", "")}, code
    description = getattr(error, "description", "") or ""
    if code == 429:
        description = _("Too many attempts from here. Wait a minute and try again.")
    return render_template(
        "error.html", code=code, title=ERROR_TITLES[code](), message=description
    ), code


def _csrf_failed(error):
    return render_template(
        "error.html",
        code=400,
        title=_("The form has expired or was changed"),
        message=_("For your safety the form was refused. Go back, reload the page and try again."),
    ), 400


@login_manager.user_loader
def load_user(user_id: str):
    from ewn.runtime import runtime

    with runtime().db.reading() as session:
        user = session.get(StaffUser, int(user_id)) if user_id.isdigit() else None
        if user is not None:
            session.expunge(user)
        return user if user is not None and user.active else None


def choose_language() -> str:
    """The user's language; before login, the browser's; else the deployment's."""
    from ewn.runtime import runtime

    settings = runtime().settings
    offered = [lang for lang in settings.deployment.languages if lang in SUPPORTED_LANGUAGES]
    if getattr(current_user, "is_authenticated", False) and current_user.language in offered:
        language = current_user.language
    else:
        language = request.accept_languages.best_match(offered) if request else None
    return language or settings.deployment.default_language
