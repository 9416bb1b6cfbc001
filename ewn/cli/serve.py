"""ewn serve and ewn worker."""

from __future__ import annotations

import logging
import threading

import click

from ewn.cli.common import app_runtime

log = logging.getLogger(__name__)


def register(main: click.Group) -> None:
    @main.command()
    @click.option(
        "--demo", is_flag=True, help="Embedded demo: SQLite, generated keys, console transport."
    )
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    @click.option(
        "--workers",
        default=1,
        show_default=True,
        type=click.IntRange(0, 16),
        help="Worker threads to run beside the web server.",
    )
    def serve(demo: bool, host: str, port: int, workers: int) -> None:
        """Run the web app and the worker in one process (the embedded default).

        In production run gunicorn (see config/gunicorn.conf.py) and `ewn worker` processes.
        """
        from werkzeug.serving import run_simple

        from ewn.worker import Worker

        overrides = {"demo": True} if demo else {}
        with app_runtime(overrides) as (app, rt):
            rt.db.upgrade()
            _ensure_gazetteer(rt)
            accounts = _demo_accounts(rt) if rt.settings.demo else []
            threads = []
            runners = [Worker(rt) for _ in range(workers)]
            for runner in runners:
                thread = threading.Thread(target=_run_worker, args=(app, runner), daemon=True)
                thread.start()
                threads.append(thread)
            _banner(rt, host, port, workers, accounts)
            try:
                run_simple(host, port, app, threaded=True, use_reloader=False)
            finally:
                for runner in runners:
                    runner.stopping.set()
                for thread in threads:
                    thread.join(timeout=10)

    @main.command()
    @click.option("--until-idle", is_flag=True, help="Stop when no work is due (for scripts).")
    @click.option(
        "--urgent-only",
        is_flag=True,
        help="Take only alerts, severe reports and new messages, never routine work: one such "
        "worker beside the others keeps alerts fast however much routine work is waiting.",
    )
    def worker(until_idle: bool, urgent_only: bool) -> None:
        """Claim and run due work (message stage, sending, spool replay) until stopped."""
        from ewn.worker import Worker

        with app_runtime() as (_app, rt):
            runner = Worker(rt, urgent_only=urgent_only)
            runner.install_signal_handlers()
            runner.run(until_idle=until_idle)


def _ensure_gazetteer(rt) -> None:
    """The demo locates Kenyan reports offline: load the bundled gazetteer once."""
    from pathlib import Path

    from ewn.geo import gazetteer
    from ewn.store.places import count_places

    with rt.db.reading() as session:
        if count_places(session):
            return
    if not rt.settings.demo:
        click.echo(
            "warning: no gazetteer loaded; reports cannot be located from their text "
            "(ewn gazetteer load FILE)",
            err=True,
        )
        return
    path = Path(rt.settings.path(rt.settings.geo.demo_gazetteer))
    click.echo(f"loading the bundled gazetteer {path.name} (GeoNames, CC BY 4.0)...", err=True)
    result = gazetteer.load(rt.db, path, rt.geo)
    click.echo(f"  {result.places} places, {result.areas} admin areas", err=True)


def _demo_accounts(rt) -> list:
    from ewn.escalation.contacts import demo_contacts
    from ewn.staff import demo_accounts

    with rt.db.session() as session:
        demo_contacts(session, rt)
        return demo_accounts(session, rt.keyring, rt.settings.data_path)


def _run_worker(app, runner) -> None:
    with app.app_context():
        runner.run()


def _banner(rt, host: str, port: int, workers: int, accounts: list) -> None:
    settings = rt.settings
    lines = [
        f"EWN is running on http://{host}:{port}/ with {workers} worker thread(s).",
        f"  database:   {rt.db.engine.url.render_as_string(hide_password=True)}",
        f"  transport:  {rt.transport.name}"
        + (" (outbound messages are printed here)" if rt.transport.name == "console" else ""),
        f"  webhook:    POST http://{host}:{port}/webhooks/twilio/messages",
        f"  health:     http://{host}:{port}/health",
    ]
    if settings.demo:
        lines += [
            "  DEMO MODE: generated keys and token in "
            f"{settings.data_path}; never use it for real reports.",
            f"  try it:     ewn simulate --demo --url http://{host}:{port} "
            '"Armed men near the market"',
            "              ewn --demo reports list",
            f"  phone:      http://{host}:{port}/  (type as a monitor)",
            f"  staff:      http://{host}:{port}/login  (the code page shows the code in the demo)",
            "  alerts:     demo contacts R-... receive escalations (printed here); "
            "`ewn --demo escalations list`",
        ]
        lines += [f"              {user:<10} password {pw}" for user, _role, pw in accounts]
    click.echo("\n".join(lines), err=True)
