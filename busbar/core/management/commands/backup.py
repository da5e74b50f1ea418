"""``busbar backup``: write one archive of the database and the attachments (see docs/backups.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from busbar.core.backup import create_backup, reported_errors


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online copy or pg_dump) and the uploaded attachments into one "
        ".tar.gz archive with a manifest of checksums. Safe while Busbar is running."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            metavar="PATH",
            help="archive to write (default: $BUSBAR_DATA_DIR/backups/busbar-YYYYMMDDTHHMMSSZ.tar.gz)",
        )

    def handle(self, *args: object, out: str | None, **options: object) -> None:
        with reported_errors("interrupted: no backup was written"):
            result = create_backup(
                Path(out) if out else None, warn=lambda message: self.stderr.write(message)
            )
        self.stdout.write(result.summary())
