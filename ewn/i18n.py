"""Translations: Flask-Babel over the catalogs in translations/."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel

from ewn.settings import ROOT

TRANSLATIONS = ROOT / "translations"


def init_app(app: Flask) -> None:
    settings = app.extensions["ewn"].settings
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    app.config["BABEL_DEFAULT_LOCALE"] = settings.deployment.default_language
    app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
    Babel(app)
