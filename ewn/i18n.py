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
    # Times are shown in the deployment's time zone (stored in UTC).
    app.config["BABEL_DEFAULT_TIMEZONE"] = settings.deployment.default_timezone
    Babel(app, locale_selector=_locale)


def _locale() -> str:
    from ewn.web import choose_language

    return choose_language()
