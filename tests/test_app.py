"""The application factory, and rules every route must follow."""

from __future__ import annotations

from ewn import create_app

# Every route and how it is protected. A new route fails this test until it is listed here
# (and, from the triage issue on, until the access matrix covers it).
ROUTES = {
    ("POST", "/webhooks/twilio/messages"): "twilio signature",
    ("POST", "/webhooks/twilio/messages/fallback"): "twilio signature",
    ("POST", "/webhooks/twilio/status"): "twilio signature",
    ("GET", "/health"): "public: reveals counts only, no personal data",
}


def test_factory_builds_an_app_with_the_runtime(overrides):
    app = create_app(overrides)
    assert "ewn" in app.extensions
    assert app.config["MAX_CONTENT_LENGTH"] == 65536


def test_every_route_is_known(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(ROUTES)


def test_webhooks_refuse_unsigned_requests(client):
    for (method, path), rule in ROUTES.items():
        if rule == "twilio signature":
            assert client.open(path, method=method, data={"a": "b"}).status_code == 403


def test_unknown_paths_and_methods_are_clean_errors(client):
    assert client.get("/nothing-here").status_code == 404
    assert client.get("/webhooks/twilio/messages").status_code == 405
