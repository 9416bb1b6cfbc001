"""ewn keys: generate a keyring, rotate keys, see which keys protect what."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ewn.cli.common import app_runtime, fail
from ewn.crypto import REFRESH_SECONDS, Keyring


def register(main: click.Group) -> None:
    @main.group("keys")
    def group() -> None:
        """Encryption keys for personal data at rest."""

    @group.command("generate")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def generate(path: Path) -> None:
        """Write a new keyring to PATH (then set keyring_file / EWN_KEYRING_FILE to it)."""
        if path.exists():
            fail(f"{path} exists; refusing to overwrite a keyring (data would be lost)")
        Keyring.generate().save(path)
        click.echo(
            f"wrote {path} (readable by its owner only); back it up separately from "
            "the database: without it the encrypted data cannot be read"
        )

    @group.command("rotate")
    @click.option("--retire", is_flag=True, help="Afterwards drop old keys from the keyring file.")
    def rotate(retire: bool) -> None:
        """Add a new active key and re-encrypt all personal data under it."""
        from ewn.store.keys import count_stale, reencrypt

        with app_runtime() as (_app, rt):
            keyring = rt.keyring
            if keyring.path is None:
                fail("the keyring has no file to write to")
            old = keyring.active
            new = keyring.add_key()
            keyring.save()
            click.echo(
                f"new active key {new} (was {old}); running processes read it on "
                "their next unknown key id, restart them to encrypt new data with it"
            )
            total = count_stale(rt.db, keyring)
            with click.progressbar(length=total, label="re-encrypting", file=None) as bar:
                done = reencrypt(rt.db, keyring, bar.update)
            click.echo(f"re-encrypted {done} values")
            if retire:
                if rt.spool.count():
                    fail("the spool holds entries under old keys; flush it before --retire")
                # Running processes switch to the new key within REFRESH_SECONDS; anything
                # they wrote under the old key meanwhile is re-encrypted in a second pass.
                click.echo(f"waiting {REFRESH_SECONDS + 5:.0f} s for running processes...")
                time.sleep(REFRESH_SECONDS + 5)
                reencrypt(rt.db, keyring, lambda _n: None)
                if count_stale(rt.db, keyring):
                    fail("values under old keys remain (still being written?); old keys kept")
                keyring.keys = {new: keyring.keys[new]}
                keyring.save()
                click.echo("old keys removed from the keyring file")

    @group.command("status")
    def status() -> None:
        """Which key ids protect how many values, per column."""
        from ewn.store.keys import key_usage

        with app_runtime() as (_app, rt):
            usage = key_usage(rt.db)
            click.echo(
                f"active key: {rt.keyring.active}; keys in file: "
                f"{', '.join(sorted(rt.keyring.keys))}"
            )
            for (column, key_id), count in sorted(usage.items()):
                click.echo(f"  {column}: {count} under {key_id}")
