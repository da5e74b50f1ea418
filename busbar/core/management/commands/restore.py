"""``busbar restore``: verify a ``busbar backup`` archive, then replace the database and the attachments.

Nothing changes until the whole archive has been verified; see busbar.core.backup and docs/backups.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from busbar.core.backup import (
    STOP_REMINDER,
    VENDOR_NAMES,
    database_label,
    media_dir,
    plural,
    reported_errors,
    restore_archive,
    verify_archive,
)


class Command(BaseCommand):
    help = (
        "Restore a `busbar backup` archive: verify it completely, then replace the database and the "
        "attachments and migrate to the current schema. Stop `busbar serve` and `busbar worker` first."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="the .tar.gz archive written by `busbar backup`")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        parser.add_argument(
            "--verify-only", action="store_true", help="only verify the archive and print its summary"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="PostgreSQL: restore even though other sessions are connected to the database",
        )
        parser.add_argument(
            "--no-safety-backup",
            dest="safety_backup",
            action="store_false",
            help="do not first back up the current database and media to "
            "$BUSBAR_DATA_DIR/backups/busbar-before-restore-*.tar.gz",
        )

    def handle(
        self,
        *args: object,
        path: str,
        yes: bool,
        verify_only: bool,
        force: bool = False,
        safety_backup: bool = True,
        **options: object,
    ) -> None:
        archive = Path(path).expanduser().resolve()
        if not (verify_only or yes or sys.stdin.isatty()):
            raise CommandError(
                "stdin is not a terminal, so restore cannot ask for confirmation: pass --yes to restore "
                "without being asked (nothing was changed)",
                returncode=2,
            )
        with reported_errors("interrupted: nothing was changed"):
            manifest = verify_archive(archive)
        self.stdout.write(
            f"{archive}: verified, {plural(len(manifest.members), 'member')}, every checksum matches "
            "(checksums detect damage, not deliberate changes)"
        )
        self.stdout.write("\n".join(manifest.describe()))
        if verify_only:
            return
        self.stdout.write(self.style.WARNING(STOP_REMINDER))
        if not yes:
            with reported_errors("cancelled: nothing was changed"):
                answer = input(
                    f"Replace the {VENDOR_NAMES[manifest.vendor]} database {database_label()} and the media "
                    f"directory {media_dir()} with this backup? Type 'yes' to go on: "
                )
            if answer.strip().lower() != "yes":
                raise CommandError("cancelled: nothing was changed", returncode=2)
        with reported_errors("interrupted"):
            result = restore_archive(
                archive,
                manifest,
                force=force,
                safety_backup=safety_backup,
                warn=lambda message: self.stderr.write(message),
            )
        media = manifest.media
        self.stdout.write(
            self.style.SUCCESS(f"Restored {archive} (backup made {manifest.data.get('created_at', '?')}):")
        )
        counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in manifest.row_counts.items())
        self.stdout.write(f"  database:   {result.database} ({counts or 'no row counts'})")
        self.stdout.write(f"  media:      {plural(len(media), 'media file')} into {result.media}")
        if result.applied:
            self.stdout.write(
                f"  migrations: applied {len(result.applied)} to reach the current schema "
                f"({', '.join(result.applied)})"
            )
        else:
            self.stdout.write("  migrations: the backup already has the current schema")
        if result.safety is not None:
            self.stdout.write(
                f"  before:     the previous database and media are in {result.safety} "
                "(`busbar restore` it to undo this restore)"
            )
        self.stdout.write("Start `busbar serve` and `busbar worker` again.")
