"""The application factory. Which routes exist and who may use them: tests/test_access.py."""

from __future__ import annotations

from ewn import create_app


def test_factory_builds_an_app_with_the_runtime(overrides):
    app = create_app(overrides)
    assert "ewn" in app.extensions
    assert app.config["MAX_CONTENT_LENGTH"] == 65536


def test_unknown_paths_and_methods_are_clean_errors(client):
    assert client.get("/nothing-here").status_code == 404
    assert client.get("/webhooks/twilio/messages").status_code == 405
    assert "<h1>" in client.get("/nothing-here").get_data(as_text=True)


def test_pages_send_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
