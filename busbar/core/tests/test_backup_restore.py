"""``busbar backup`` and ``busbar restore``: the round trip, and every refusal before anything changes.

Speed: no test here runs ``migrate`` from scratch. A migrated SQLite file and a migrated PostgreSQL
template database are built once (in this process) and kept, keyed by a hash of every migration file,
so later sessions reuse them; each test starts from a copy. Everything runs in this process with
Django's default connection pointed at the installation under test (``installed``), so a restore runs
the real code, ``migrate`` included. One test runs the real ``busbar backup`` and ``busbar restore``
commands in subprocesses, for the command-line contract. The archive checks that need no database
(damage, unsafe paths, vendor, format, caps) call the verifier directly on small archives.

Under CI (``CI=true``) a PostgreSQL that does not answer on 127.0.0.1:5432 fails the PostgreSQL tests
instead of skipping them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from busbar.core import backup
from busbar.core.backup import DATABASE_MEMBERS, MANIFEST, BackupError, restore_archive, verify_archive
from busbar.core.tests.databases import (
    pg_admin,
    pg_settings,
    sqlite_settings,
    use_database,
)

pytestmark = pytest.mark.xdist_group("backup")

ATTACHMENT = b"mpan,code\n1012345678901,E0001\n1012345678902,E0001\n"


@contextmanager
def installed(data_dir: Path, database: dict | None = None) -> Iterator[None]:
    """Run as the Busbar of ``data_dir``: its database (SQLite in it unless given), media and backups."""
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": data_dir / "media"},
        },
    }
    with (
        use_database(database or sqlite_settings(data_dir / "busbar.sqlite3")),
        override_settings(
            DATA_DIR=data_dir,
            STORAGES=storages,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        yield


@pytest.fixture(autouse=True)
def _database_access(django_db_blocker) -> Iterator[None]:
    # These tests open their own installations' databases, never the test database in a transaction.
    with django_db_blocker.unblock():
        yield


# --- what a restore must bring back ----------------------------------------------------------------------


def seed() -> None:
    """Raise an incident with an attachment through the real actions."""
    from busbar.accounts.actions import create_platform_admin
    from busbar.accounts.models import User
    from busbar.incidents import actions as incident_actions
    from busbar.lib.actions import Actor, Channel
    from busbar.parties import actions as party_actions
    from busbar.parties.models import IndustryRole as R
    from busbar.parties.models import Membership, MembershipRole
    from busbar.services import actions as service_actions
    from busbar.services.models import Calendar

    system = Actor.system()
    operator = party_actions.create_organisation(
        actor=system, name="Switching Operator", roles=[R.SWITCHING_OPERATOR, R.SERVICE_DESK]
    )
    supplier = party_actions.create_organisation(actor=system, name="Alpha Energy", roles=[R.ENERGY_SUPPLIER])
    provider = party_actions.create_organisation(actor=system, name="CSS Provider", roles=[R.CSS_PROVIDER])
    create_platform_admin(
        actor=system,
        email="root@operator.example",
        full_name="Root",
        password="a-long-test-password",
        organisation=operator,
    )
    user = User.objects.create_user(email="user@alpha.example", full_name="Ada Alpha")
    Membership.objects.create(user=user, organisation=supplier, role=MembershipRole.PARTICIPANT)
    service = service_actions.create_service(
        actor=system,
        name="Central Switching Service",
        provider=provider,
        calendar=Calendar.objects.get(name="24x7"),
    )
    incident_actions.raise_incident(
        actor=Actor(user=user, organisation=supplier, channel=Channel.WEB),
        service=service,
        summary="Switch requests rejected",
        description="Every switch request since 09:00 is rejected with E0001.",
        attachments=[("errors.csv", "text/csv", ATTACHMENT)],
    )


def snapshot() -> dict:
    from busbar.accounts.models import User
    from busbar.audit.models import AuditEntry
    from busbar.incidents.models import Incident
    from busbar.records.models import Attachment

    def sha(attachment: Attachment) -> str | None:
        if not attachment.file.storage.exists(attachment.file.name):
            return None
        with attachment.file.storage.open(attachment.file.name, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()

    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations = sorted(f"{app}.{name}" for app, name in cursor.fetchall())
    return {
        "incidents": sorted([i.reference, i.summary, i.status] for i in Incident.objects.all()),
        "users": sorted(User.objects.values_list("email", flat=True)),
        "audit_entries": AuditEntry.objects.count(),
        "attachments": sorted([a.file.name, a.size, sha(a)] for a in Attachment.objects.all()),
        "migrations": migrations,
    }


def mutate() -> None:
    """What happens after the backup: data changed and deleted, the attachment file gone, a stray file."""
    from django.core.files.storage import default_storage

    from busbar.incidents.models import Incident
    from busbar.records.models import Attachment

    Incident.objects.update(summary="changed after the backup")
    for attachment in Attachment.objects.all():
        default_storage.delete(attachment.file.name)
    Attachment.objects.all().delete()
    default_storage.save("stray/after-the-backup.txt", io.BytesIO(b"not in the backup"))


def state(data_dir: Path) -> dict[str, str]:
    """The logical state of an installation: its SQLite database's content and every other file.

    The database is compared by content (``iterdump``), not bytes: taking it out of WAL mode, as a
    restore's in-use check does, rewrites its header but not a row. ``backups/`` is left out.
    """
    files = {}
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if not path.is_file() or "backups" in relative.parts or path.name.endswith(("-wal", "-shm")):
            continue
        if path.name == "busbar.sqlite3":
            with closing(sqlite3.connect(path)) as db:
                files[relative.as_posix()] = hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()
        else:
            files[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def leftovers(data_dir: Path) -> list[str]:
    """Staging, scratch and before-restore files a restore must never leave behind."""
    return sorted(p.name for p in data_dir.iterdir() if "restore" in p.name or p.name.startswith("."))


# --- archives ----------------------------------------------------------------------------------------------


def members_of(archive: Path) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    with tarfile.open(archive, "r:gz") as tar:
        return [(info, tar.extractfile(info).read() if info.isreg() else None) for info in tar.getmembers()]


def write_archive(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def rewritten(archive: Path, out: Path, changes: dict[str, bytes]) -> Path:
    """``archive`` with some members' contents replaced, and a manifest that matches them."""
    members = members_of(archive)
    manifest = json.loads(members[-1][1])
    rebuilt = []
    for info, data in members[:-1]:
        data = changes.get(info.name, data)
        rebuilt.append((info, data))
        for entry in manifest["members"]:
            if entry["path"] == info.name:
                entry.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    rebuilt.append((members[-1][0], json.dumps(manifest).encode()))
    return write_archive(out, rebuilt)


def regular(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def manifest_for(vendor: str, files: dict[str, bytes], **extra: object) -> bytes:
    return json.dumps(
        {
            "format": backup.FORMAT,
            "format_version": backup.FORMAT_VERSION,
            "busbar_version": "test",
            "created_at": "2026-01-01T00:00:00Z",
            "database": {"vendor": vendor},
            "migrations": {},
            "row_counts": {},
            "members": [
                {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                for name, data in files.items()
            ],
            **extra,
        }
    ).encode()


def small_archive(
    path: Path,
    *,
    vendor: str | None = None,
    extra: list[tuple[tarfile.TarInfo, bytes | None]] = (),
    listed: dict[str, bytes] | None = None,
    **manifest: object,
) -> Path:
    """A well-formed archive of the configured vendor, plus ``extra`` members (listed in the manifest)."""
    vendor = vendor or connection.vendor
    files = {DATABASE_MEMBERS[vendor]: b"database bytes", "media/incidents/1/errors.csv": ATTACHMENT}
    files.update(listed or {})
    members = [regular(name, data) for name, data in files.items() if name not in (listed or {})]
    members += list(extra)
    members.append(regular(MANIFEST, manifest_for(vendor, files, **manifest)))
    return write_archive(path, members)


# --- the seeded SQLite installation and its backups --------------------------------------------------------


@dataclass
class Seed:
    data_dir: Path  # migrated, with an incident and its attachment
    archive: Path  # its backup
    older: Path  # a backup of it as the Busbar before audit.0002 had it
    before: dict  # the snapshot a restore must bring back


@pytest.fixture(scope="module")
def seeded(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, django_db_blocker) -> Seed:
    root = tmp_path_factory.mktemp("seed")
    data_dir = root / "var"
    data_dir.mkdir()
    shutil.copyfile(sqlite_template, data_dir / "busbar.sqlite3")
    with django_db_blocker.unblock(), installed(data_dir):
        seed()
        before = snapshot()
        archive = backup.create_backup(root / "seed.tar.gz").path
    assert before["attachments"][0][2] == hashlib.sha256(ATTACHMENT).hexdigest()
    # The same installation as a Busbar one audit migration behind would have it: what reversing
    # audit.0002 does on SQLite (drop its trigger) and its row in django_migrations gone.
    old_dir = root / "old"
    shutil.copytree(data_dir, old_dir)
    with closing(sqlite3.connect(old_dir / "busbar.sqlite3")) as db, db:
        db.execute("DROP TRIGGER audit_auditentry_no_update")
        db.execute("DELETE FROM django_migrations WHERE app = 'audit' AND name = '0002_append_only_triggers'")
    with django_db_blocker.unblock(), installed(old_dir):
        older = backup.create_backup(root / "older.tar.gz").path
    return Seed(data_dir=data_dir, archive=archive, older=older, before=before)


def copy_of(seeded: Seed, tmp_path: Path) -> Path:
    data_dir = tmp_path / "var"
    shutil.copytree(seeded.data_dir, data_dir, ignore=shutil.ignore_patterns("backups"))
    return data_dir


# --- the command line: the real commands in subprocesses ---------------------------------------------------


def environment(data_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """A clean environment of one data directory: nothing leaks in from the test run (DATABASE_URL...)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir.parent),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "BUSBAR_DATA_DIR": str(data_dir),
        **(env or {}),
    }


def busbar(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "busbar.cli", *args],
        env=environment(data_dir),
        cwd=data_dir.parent,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_command_line_backup_and_restore(seeded: Seed, tmp_path: Path) -> None:
    before = seeded.before
    data_dir = copy_of(seeded, tmp_path)
    result = ok(busbar(data_dir, "backup"))
    (archive,) = (data_dir / "backups").glob("busbar-*.tar.gz")
    assert result.stdout.startswith(f"Backup written: {archive} (") and "1 media file" in result.stdout
    assert archive.stat().st_mode & 0o777 == 0o600
    assert archive.parent.stat().st_mode & 0o777 == 0o700
    assert archive.name.endswith("Z.tar.gz") and len(archive.name) == len("busbar-20260101T000000Z.tar.gz")
    members = members_of(archive)
    names = [info.name for info, _ in members]
    assert names[0] == "database.sqlite3" and names[-1] == MANIFEST
    manifest = json.loads(members[-1][1])
    assert manifest["format_version"] == 1 and manifest["database"]["vendor"] == "sqlite"
    assert manifest["busbar_version"] == backup.busbar_version() != "unknown"
    assert manifest["created_at"].endswith("Z")
    assert manifest["migrations"]["audit"] == "0002_append_only_triggers"
    assert manifest["row_counts"]["records"] == 1 and manifest["row_counts"]["attachments"] == 1
    assert manifest["row_counts"]["audit_entries"] == before["audit_entries"]
    ((attachment_name, size, sha),) = before["attachments"]
    listed = {m["path"]: m for m in manifest["members"]}
    assert listed[f"media/{attachment_name}"] == {
        "path": f"media/{attachment_name}",
        "size": size,
        "sha256": sha,
    }
    for info, data in members[:-1]:
        assert listed[info.name]["sha256"] == hashlib.sha256(data).hexdigest()
    # The archived database stands alone (no WAL needed) and holds the incident.
    database = tmp_path / "copy.sqlite3"
    database.write_bytes(members[0][1])
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert db.execute("SELECT summary FROM incidents_incident").fetchall() == [
            ("Switch requests rejected",)
        ]

    with installed(data_dir):
        mutate()
        changed = snapshot()
    assert changed != before and changed["attachments"] == []
    assert (data_dir / "media" / "stray" / "after-the-backup.txt").exists()

    result = ok(busbar(data_dir, "restore", str(archive), "--yes"))
    assert "Stop `busbar serve` and `busbar worker`" in result.stdout
    assert f"Restored {archive}" in result.stdout and "1 media file into" in result.stdout
    assert "already has the current schema" in result.stdout
    (safety,) = (data_dir / "backups").glob("busbar-before-restore-*.tar.gz")
    assert f"the previous database and media are in {safety}" in result.stdout
    assert result.stderr == ""

    with installed(data_dir):
        assert snapshot() == before  # incidents, users, audit journal (rows added later are gone), files
        assert verify_archive(safety).row_counts["attachments"] == 0  # the state the restore replaced
    assert (data_dir / "media" / attachment_name).read_bytes() == ATTACHMENT
    assert not (data_dir / "media" / "stray").exists()
    assert leftovers(data_dir) == []


# --- SQLite, in this process -------------------------------------------------------------------------------


def test_data_still_in_the_wal_is_in_the_backup(seeded: Seed, tmp_path: Path) -> None:
    data_dir = copy_of(seeded, tmp_path)
    live = data_dir / "busbar.sqlite3"
    # A running Busbar's last commit, not yet checkpointed: in the -wal file, not the database file.
    with closing(sqlite3.connect(live)) as writer:
        assert writer.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        writer.execute("PRAGMA wal_autocheckpoint=0")
        with writer:
            writer.execute("UPDATE incidents_incident SET summary = 'only in the WAL'")
        assert Path(f"{live}-wal").stat().st_size > 0
        main_file_only = tmp_path / "main-file-only.sqlite3"
        shutil.copyfile(live, main_file_only)
        with closing(sqlite3.connect(main_file_only)) as db:
            assert db.execute("SELECT summary FROM incidents_incident").fetchone() == (
                "Switch requests rejected",
            )
        with installed(data_dir):
            archive = backup.create_backup(tmp_path / "wal.tar.gz").path
    copy = tmp_path / "archived.sqlite3"
    copy.write_bytes(members_of(archive)[0][1])
    with closing(sqlite3.connect(copy)) as db:
        assert db.execute("SELECT summary FROM incidents_incident").fetchone() == ("only in the WAL",)


HOLD_OPEN = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=WAL")  # as Busbar opens it
db.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
print("open", flush=True)
sys.stdin.read()  # idle, holding no lock, until told to go
"""


def test_a_database_another_process_holds_open_is_in_use(
    seeded: Seed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup, "SQLITE_BUSY_SECONDS", 0.2)
    data_dir = copy_of(seeded, tmp_path)
    live = data_dir / "busbar.sqlite3"
    with installed(data_dir):
        mutate()
    untouched = state(data_dir)
    # An idle `busbar serve`: the old busy check (a WAL checkpoint) did not see it.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(live)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "open\n"
        with closing(sqlite3.connect(live)) as probe:
            assert probe.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # "not busy"
        with installed(data_dir):
            manifest = verify_archive(seeded.archive)
            with pytest.raises(CommandError) as caught:
                call_command("restore", str(seeded.archive), yes=True)
        message = str(caught.value)
        assert caught.value.returncode == 2
        assert f"the database {live} is in use" in message
        assert "stop `busbar serve` and `busbar worker`" in message and "nothing was changed" in message
        assert Path(f"{live}-wal").exists() and Path(f"{live}-shm").exists()  # the holder's, untouched
        with installed(data_dir), pytest.raises(BackupError, match="is in use"):
            restore_archive(seeded.archive, manifest, safety_backup=False)
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    assert state(data_dir) == untouched
    assert leftovers(data_dir) == [] and not (data_dir / "backups").exists()


def test_a_damaged_archive_is_refused_before_anything_changes(seeded: Seed, tmp_path: Path) -> None:
    data_dir = copy_of(seeded, tmp_path)
    members = members_of(seeded.archive)
    index, (info, data) = next((i, m) for i, m in enumerate(members) if m[0].name.startswith("media/"))
    members[index] = (info, bytes([data[0] ^ 1]) + data[1:])  # one byte, same size
    damaged = write_archive(tmp_path / "damaged.tar.gz", members)
    untouched = state(data_dir)
    with installed(data_dir), pytest.raises(CommandError) as caught:
        call_command("restore", str(damaged), yes=True)
    assert caught.value.returncode == 2
    assert f"member {info.name!r} fails its sha256 check: the archive is damaged" in str(caught.value)
    assert state(data_dir) == untouched
    assert leftovers(data_dir) == [] and not (data_dir / "backups").exists()


def test_a_vendor_mismatch_changes_nothing(seeded: Seed, tmp_path: Path) -> None:
    data_dir = copy_of(seeded, tmp_path)
    untouched = state(data_dir)
    # A SQLite backup and a Busbar on PostgreSQL. Nothing listens on port 9: the refusal comes first.
    refusal = "holds a SQLite database but this Busbar is configured for"
    with installed(data_dir, pg_settings("busbar", port=9)), pytest.raises(CommandError, match=refusal):
        call_command("restore", str(seeded.archive), yes=True)
    with installed(data_dir):
        manifest = verify_archive(seeded.archive)
    refusal = "holds a SQLite database .* PostgreSQL: nothing was changed"  # restore_archive checks too
    with installed(data_dir, pg_settings("busbar", port=9)), pytest.raises(BackupError, match=refusal):
        restore_archive(seeded.archive, manifest)
    # A PostgreSQL backup and a Busbar on SQLite.
    with installed(data_dir):
        archive = small_archive(tmp_path / "pg.tar.gz", vendor="postgresql")
        with pytest.raises(
            CommandError, match="holds a PostgreSQL database but this Busbar is configured for"
        ):
            call_command("restore", str(archive), yes=True)
    assert state(data_dir) == untouched
    assert leftovers(data_dir) == [] and not (data_dir / "backups").exists()


def test_an_older_backup_is_migrated_and_a_safety_backup_kept(seeded: Seed, tmp_path: Path) -> None:
    assert json.loads(members_of(seeded.older)[-1][1])["migrations"]["audit"] == "0001_initial"
    data_dir = copy_of(seeded, tmp_path)
    with installed(data_dir):
        mutate()
        changed = snapshot()
        result = restore_archive(seeded.older, verify_archive(seeded.older))
        assert result.applied == ["audit.0002_append_only_triggers"]
        assert snapshot() == seeded.before
        # The state the restore replaced is kept, as an archive `busbar restore` takes back.
        assert result.safety is not None and result.safety.parent == data_dir / "backups"
        assert result.safety.name.startswith("busbar-before-restore-")
        assert verify_archive(result.safety).row_counts["attachments"] == 0
        restore_archive(result.safety, verify_archive(result.safety), safety_backup=False)
        assert snapshot() == changed
    with closing(sqlite3.connect(data_dir / "busbar.sqlite3")) as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall() == [
            ("audit_auditentry_no_update",)
        ]
    assert leftovers(data_dir) == []


def test_a_failure_after_the_swap_puts_the_previous_database_and_media_back(
    seeded: Seed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = copy_of(seeded, tmp_path)
    (data_dir / "media" / "kept.txt").write_bytes(b"present before the restore")
    untouched = state(data_dir)

    def failing_migrate() -> list[str]:
        # By now the restored database and media are in place.
        assert not (data_dir / "media" / "kept.txt").exists()
        raise RuntimeError("migration\n   exploded")

    monkeypatch.setattr(backup, "_migrate", failing_migrate)
    with installed(data_dir):
        manifest = verify_archive(seeded.archive)
        with pytest.raises(BackupError) as caught:
            restore_archive(seeded.archive, manifest)
    message = str(caught.value)
    assert "restore failed (migration exploded): the previous database and media were put back" in message
    assert "safety backup" in message and "\n" not in message
    assert state(data_dir) == untouched
    assert sorted(p.name for p in data_dir.iterdir()) == ["backups", "busbar.sqlite3", "media"]


def test_too_little_free_space_is_refused(
    seeded: Seed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = copy_of(seeded, tmp_path)
    untouched = state(data_dir)
    monkeypatch.setattr(backup, "_free_bytes", lambda path: 10 * 1024 * 1024)
    refusal = r"not enough free space for the restore .* is free"
    with installed(data_dir), pytest.raises(CommandError, match=refusal) as caught:
        call_command("restore", str(seeded.archive), yes=True)
    assert "for the restored database" in str(caught.value) and "for the safety backup" in str(caught.value)
    assert "nothing was changed" in str(caught.value)
    assert state(data_dir) == untouched
    assert leftovers(data_dir) == [] and not (data_dir / "backups").exists()


def test_backup_without_pg_dump_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    data_dir = tmp_path / "var"
    with installed(data_dir, pg_settings("busbar", port=9)), pytest.raises(CommandError) as caught:
        call_command("backup")
    assert "pg_dump was not found" in str(caught.value) and "postgresql-client" in str(caught.value)
    assert not (data_dir / "backups").exists() or not any((data_dir / "backups").iterdir())


def test_restore_without_yes_off_a_terminal_is_refused(tmp_path: Path) -> None:
    archive = small_archive(tmp_path / "ok.tar.gz")
    with pytest.raises(CommandError, match="not a terminal.*pass --yes") as caught:
        call_command("restore", str(archive))  # under pytest, stdin is not a terminal
    assert caught.value.returncode == 2


def test_every_error_is_one_line() -> None:
    with pytest.raises(CommandError) as caught, backup.reported_errors("interrupted"):
        raise BackupError('psql failed:\n  ERROR:  relation\t"x" does not exist\nLINE 1: ...')
    assert str(caught.value) == 'psql failed: ERROR: relation "x" does not exist LINE 1: ...'
    with pytest.raises(CommandError) as caught, backup.reported_errors("interrupted"):
        raise RuntimeError("two\nlines")
    assert str(caught.value) == "unexpected error: RuntimeError: two lines"
    assert backup._first_error("pg_restore: error: could not read\n   from input file\n") == (
        "pg_restore: error: could not read"
    )


def test_the_client_tools_get_the_database_name_in_the_environment() -> None:
    env = backup._pg_env({"dbname": "busbar x=y", "password": "secret"}, "-c lock_timeout=10s")
    assert env["PGDATABASE"] == "busbar x=y" and env["PGPASSWORD"] == "secret"
    assert env["PGOPTIONS"].endswith("-c lock_timeout=10s") and env["PGCONNECT_TIMEOUT"]


# --- the verifier on small archives (no database needed) ---------------------------------------------------


def test_verify_only_prints_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    archive = small_archive(tmp_path / "ok.tar.gz", row_counts={"incidents": 3})
    call_command("restore", str(archive), verify_only=True)
    out = capsys.readouterr().out
    assert "verified, 2 members, every checksum matches (checksums detect damage, not deliberate" in out
    assert "incidents 3" in out and f"1 file, {len(ATTACHMENT)} bytes" in out


def _link(kind: bytes, name: str = "media/link") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = "/etc/passwd"
    return info, None


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (regular("/etc/cron.d/busbar", b"x"), "unsafe path"),
        (regular("media/../../../home/x", b"x"), "unsafe path"),
        (regular("../outside.txt", b"x"), "unsafe path"),
        (regular("settings.py", b"x"), "not part of a Busbar backup"),
        (_link(tarfile.SYMTYPE), "is a link"),
        (_link(tarfile.LNKTYPE), "is a link"),
        (_link(tarfile.CHRTYPE, "media/tty"), "device or special file"),
        (_link(tarfile.FIFOTYPE, "media/fifo"), "device or special file"),
    ],
    ids=["absolute", "dotdot-in-media", "dotdot", "unexpected", "symlink", "hardlink", "device", "fifo"],
)
def test_unsafe_members_are_refused_by_name(tmp_path: Path, member, message: str) -> None:
    info, data = member
    listed = {info.name: data} if data is not None else {}
    archive = small_archive(tmp_path / "evil.tar.gz", extra=[member], listed=listed)
    with pytest.raises(BackupError, match=message) as caught:
        verify_archive(archive)
    assert repr(info.name) in str(caught.value)


def test_other_refusals(tmp_path: Path) -> None:
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    with pytest.raises(BackupError, match="holds a .* database but this Busbar is configured for"):
        verify_archive(small_archive(tmp_path / "vendor.tar.gz", vendor=other))
    with pytest.raises(BackupError, match="format version 99 is not known"):
        verify_archive(small_archive(tmp_path / "future.tar.gz", format_version=99))
    with pytest.raises(BackupError, match="newer Busbar .* incidents.9999_from_the_future"):
        verify_archive(
            small_archive(tmp_path / "newer.tar.gz", migrations={"incidents": "9999_from_the_future"})
        )
    unlisted = small_archive(tmp_path / "unlisted.tar.gz", extra=[regular("media/extra.txt", b"x")])
    with pytest.raises(BackupError, match="'media/extra.txt' is not listed in the manifest"):
        verify_archive(unlisted)
    members = members_of(small_archive(tmp_path / "whole.tar.gz"))
    with pytest.raises(BackupError, match="has no manifest.json"):
        verify_archive(write_archive(tmp_path / "cut.tar.gz", members[:-1]))
    with pytest.raises(BackupError, match="'media/incidents/1/errors.csv' is in the manifest but missing"):
        verify_archive(write_archive(tmp_path / "missing.tar.gz", [members[0], members[-1]]))
    damaged = tmp_path / "damaged.tar.gz"
    raw = bytearray((tmp_path / "whole.tar.gz").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    with pytest.raises(BackupError, match="damaged.tar.gz"):
        verify_archive(damaged)
    with pytest.raises(BackupError, match="no such file"):
        verify_archive(tmp_path / "absent.tar.gz")


def test_archives_beyond_the_caps_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = small_archive(tmp_path / "ok.tar.gz")  # 3 members
    monkeypatch.setattr(backup, "MAX_MEMBERS", 2)
    with pytest.raises(BackupError, match="has more than 2 members: refusing it"):
        verify_archive(archive)
    monkeypatch.setattr(backup, "MAX_MEMBERS", 10)
    monkeypatch.setattr(backup, "MAX_ARCHIVE_BYTES", 64)
    with pytest.raises(BackupError, match="holds more than 64 bytes once unpacked: refusing it"):
        verify_archive(archive)


# --- PostgreSQL: round trips into a scratch database made from the template --------------------------------


@dataclass
class PgSeed:
    name: str  # the scratch database: its name has '=' in it, which --dbname would read as a conninfo
    data_dir: Path
    archive: Path
    before: dict

    @property
    def config(self) -> dict:
        return pg_settings(self.name)

    def connect(self):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=self.name)


@pytest.fixture(scope="module")
def pg_seeded(
    pg_template: str, tmp_path_factory: pytest.TempPathFactory, django_db_blocker
) -> Iterator[PgSeed]:
    name = f"busbar_backup_test_{secrets.token_hex(4)}_a=b"
    data_dir = tmp_path_factory.mktemp("postgres") / "var"
    data_dir.mkdir()
    with closing(pg_admin()) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
        try:
            with django_db_blocker.unblock(), installed(data_dir, pg_settings(name)):
                seed()
                before = snapshot()
                archive = backup.create_backup(data_dir.parent / "pg.tar.gz").path
            yield PgSeed(name=name, data_dir=data_dir, archive=archive, before=before)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_round_trip(pg_seeded: PgSeed, monkeypatch: pytest.MonkeyPatch) -> None:
    members = members_of(pg_seeded.archive)
    assert [info.name for info, _ in members][0] == "database.pgdump" and members[0][1][:5] == b"PGDMP"
    manifest = json.loads(members[-1][1])
    assert manifest["database"]["vendor"] == "postgresql" and manifest["row_counts"]["attachments"] == 1
    with installed(pg_seeded.data_dir, pg_seeded.config):
        mutate()
        # A table of a later migration that a restored table references: dropping it needs CASCADE,
        # and it must not survive the restore. Busbar's own (as its models would make it) is dropped.
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE later_feature (id serial PRIMARY KEY, note text)")
            cursor.execute("INSERT INTO later_feature (note) VALUES ('made after the backup')")
            cursor.execute("ALTER TABLE incidents_incident ADD COLUMN later_id int REFERENCES later_feature")
        own = backup.busbar_tables()
        monkeypatch.setattr(backup, "busbar_tables", lambda: own | {"later_feature"})
        changed = snapshot()
        assert changed != pg_seeded.before
        with pg_seeded.connect():  # another session: a `busbar serve` still running
            with pytest.raises(CommandError) as caught:
                call_command("restore", str(pg_seeded.archive), yes=True)
            message = str(caught.value)
            assert "has 1 other session" in message and "stop `busbar serve` and `busbar worker`" in message
            assert "--force" in message and "nothing was changed" in message
            assert snapshot() == changed
            out = io.StringIO()
            call_command("restore", str(pg_seeded.archive), yes=True, force=True, stdout=out)
        assert f"PostgreSQL database '{pg_seeded.name}'" in out.getvalue()
        assert snapshot() == pg_seeded.before
        (safety,) = (pg_seeded.data_dir / "backups").glob("busbar-before-restore-*.tar.gz")
        assert f"the previous database and media are in {safety}" in out.getvalue()
        assert verify_archive(safety).row_counts["attachments"] == 0
    ((attachment_name, _, _),) = pg_seeded.before["attachments"]
    assert (pg_seeded.data_dir / "media" / attachment_name).read_bytes() == ATTACHMENT
    with pg_seeded.connect() as db:
        assert db.execute("SELECT to_regclass('later_feature')").fetchone()[0] is None
        # The append-only trigger came back with the audit table.
        triggers = db.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_auditentry_no_change'")
        assert triggers.fetchone()[0] == 1
    assert leftovers(pg_seeded.data_dir) == []


def test_a_postgresql_restore_that_fails_changes_nothing(
    pg_seeded: PgSeed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = pg_seeded.data_dir / "media"

    def tables() -> list[str]:
        with pg_seeded.connect() as db:
            return [
                row[0] for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ]

    with installed(pg_seeded.data_dir, pg_seeded.config):
        mutate()
        changed, untouched, listed = snapshot(), state(media), sorted(tables())

        def unchanged() -> None:
            assert snapshot() == changed and state(media) == untouched and sorted(tables()) == listed
            assert leftovers(pg_seeded.data_dir) == []

        # 1. A dump pg_restore cannot read to its end (cut short before it was archived, so every
        # checksum matches): psql used to commit the part it had been given.
        dump = members_of(pg_seeded.archive)[0][1]  # its table of contents first, the rows last
        cut = rewritten(pg_seeded.archive, tmp_path / "cut.tar.gz", {"database.pgdump": dump[:-1000]})
        with pytest.raises(BackupError) as caught:
            restore_archive(cut, verify_archive(cut))
        message = str(caught.value)
        assert message.startswith("turning the backup's database.pgdump into SQL with pg_restore failed: "), (
            message
        )
        assert message.endswith("could not read from input file: end of file; nothing was changed")
        unchanged()

        # 2. The script fails at its very end, after every table was dropped and made again: psql rolls
        # it all back and the message says so.
        prepare = backup._prepare_postgresql

        def failing_at_the_end(dump: Path, scratch: Path) -> backup._PgPlan:
            plan = prepare(dump, scratch)
            with plan.script.open("a") as script:
                script.write("SELECT 1 / 0;\n")
            return plan

        monkeypatch.setattr(backup, "_prepare_postgresql", failing_at_the_end)
        with pytest.raises(BackupError) as caught:
            restore_archive(pg_seeded.archive, verify_archive(pg_seeded.archive))
        message = str(caught.value)
        assert "psql into the PostgreSQL database" in message and "division by zero" in message
        assert f"nothing was committed, so the PostgreSQL database '{pg_seeded.name}'" in message
        assert "is unchanged, and the previous media was put back; the state before" in message
        unchanged()
        monkeypatch.setattr(backup, "_prepare_postgresql", prepare)

        # 3. A table that is neither Busbar's nor in the backup is never dropped: refused.
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE someone_elses (id int)")
        listed = sorted(tables())
        try:
            with pytest.raises(
                BackupError, match=r"1 table that neither Busbar nor the backup has \(public.so"
            ):
                restore_archive(pg_seeded.archive, verify_archive(pg_seeded.archive), safety_backup=False)
            unchanged()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE someone_elses")
        listed = sorted(tables())

        # 4. Forced past another session that is reading a table (a request in flight): the restore
        # gives up at the lock timeout instead of waiting, and nothing is committed.
        monkeypatch.setattr(backup, "LOCK_TIMEOUT", "200ms")
        with pg_seeded.connect() as other:
            other.execute("SELECT count(*) FROM incidents_incident").fetchone()  # holds its lock
            with pytest.raises(BackupError) as caught:
                manifest = verify_archive(pg_seeded.archive)
                restore_archive(pg_seeded.archive, manifest, force=True, safety_backup=False)
        message = str(caught.value)
        assert "canceling statement due to lock timeout" in message and "stop `busbar serve`" in message
        assert "nothing was committed" in message
        unchanged()
