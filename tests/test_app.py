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


def test_twilio_webhooks_skip_the_staff_apps_request_hooks(client, rt):
    """Signature-checked webhooks get no session, cookie, rate-limit or page headers; the
    staff pages keep theirs (and the login limiter still works: tests/test_web.py)."""
    from tests.conftest import post_signed

    client.get("/login")  # a staff session exists in this client
    response = post_signed(
        client,
        "/webhooks/twilio/messages",
        {"MessageSid": "SM" + "a" * 32, "From": "+254700000001", "To": "+254711000000"},
    )
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Content-Security-Policy" not in response.headers
    assert not any(name.startswith("X-RateLimit") for name, _ in response.headers.items())
    assert "Content-Security-Policy" in client.get("/login").headers
