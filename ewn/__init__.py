"""EWN: a messaging-based community early-warning network for preventing atrocity crimes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, runtime, translations, blueprints."""
    from ewn import i18n, web
    from ewn.health import bp as health_bp
    from ewn.ingest.webhook import bp as webhook_bp
    from ewn.runtime import Runtime
    from ewn.settings import load_settings

    settings = load_settings(overrides)
    configure_logging(settings.log_level)
    app = Flask(__name__, static_folder="web/static", template_folder="web/templates")
    app.config["MAX_CONTENT_LENGTH"] = settings.ingest.max_request_bytes
    app.extensions["ewn"] = Runtime(settings)
    i18n.init_app(app)
    app.register_blueprint(webhook_bp)
    app.register_blueprint(health_bp)
    web.init_app(app)
    return app


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("ewn").setLevel(level)
    # The twilio client logs request parameters (phone numbers, text) at INFO: never let it.
    logging.getLogger("twilio").setLevel(logging.WARNING)
