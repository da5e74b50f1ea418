"""``busbar backup`` and ``busbar restore``: the round trip, and every refusal before anything changes.

The round trips run the real ``busbar`` command in subprocesses against their own data directory (SQLite)
or a scratch PostgreSQL database, so they exercise exactly what an operator runs. The archive checks that
need no database (tampering, unsafe paths, vendor, format) call the verifier directly on small archives.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from busbar.core import backup
from busbar.core.backup import DATABASE_MEMBERS, MANIFEST, BackupError, verify_archive

ATTACHMENT = b"mpan,code\n1012345678901,E0001\n1012345678902,E0001\n"

# Raise an incident with an attachment through the real actions; print a snapshot of what a restore must
# bring back. Run by ``busbar shell -c`` (SNAPSHOT alone, or SEED + SNAPSHOT).
SNAPSHOT = """
import hashlib, json
from django.db import connection
from busbar.accounts.models import User
from busbar.audit.models import AuditEntry
from busbar.incidents.models import Attachment, Incident

def _sha(attachment):
    if not attachment.file.storage.exists(attachment.file.name):
        return None
    with attachment.file.storage.open(attachment.file.name, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()

with connection.cursor() as cursor:
    cursor.execute("SELECT app, name FROM django_migrations")
    _migrations = sorted(f"{app}.{name}" for app, name in cursor.fetchall())
print("SNAPSHOT " + json.dumps({
    "incidents": sorted([i.reference, i.summary, i.status] for i in Incident.objects.all()),
    "users": sorted(User.objects.values_list("email", flat=True)),
    "audit_entries": AuditEntry.objects.count(),
    "attachments": sorted([a.file.name, a.size, _sha(a)] for a in Attachment.objects.all()),
    "migrations": _migrations,
}))
"""
SEED = f"""
from busbar.accounts.actions import create_platform_admin
from busbar.accounts.models import User
from busbar.incidents import actions as incident_actions
from busbar.lib.actions import Actor, Channel
from busbar.parties import actions as party_actions
from busbar.parties.models import IndustryRole, Membership, MembershipRole
from busbar.services import actions as service_actions
from busbar.services.models import Calendar

system = Actor.system()
R = IndustryRole
operator = party_actions.create_organisation(
    actor=system, name="Switching Operator", roles=[R.SWITCHING_OPERATOR, R.SERVICE_DESK]
)
supplier = party_actions.create_organisation(actor=system, name="Alpha Energy", roles=[R.ENERGY_SUPPLIER])
provider = party_actions.create_organisation(actor=system, name="CSS Provider", roles=[R.CSS_PROVIDER])
create_platform_admin(
    actor=system, email="root@operator.example", full_name="Root", password="a-long-test-password",
    organisation=operator,
)
user = User.objects.create_user(email="user@alpha.example", full_name="Ada Alpha")
Membership.objects.create(user=user, organisation=supplier, role=MembershipRole.PARTICIPANT)
service = service_actions.create_service(
    actor=system, name="Central Switching Service", provider=provider,
    calendar=Calendar.objects.get(name="24x7"),
)
incident_actions.raise_incident(
    actor=Actor(user=user, organisation=supplier, channel=Channel.WEB),
    service=service,
    summary="Switch requests rejected",
    description="Every switch request since 09:00 is rejected with E0001.",
    attachments=[("errors.csv", "text/csv", {ATTACHMENT!r})],
)
"""
# What happens after the backup: data changed, added and deleted, the attachment file gone, a stray file.
MUTATE = """
from django.core.files.storage import default_storage
from busbar.incidents.models import Attachment, Incident
from busbar.audit.models import AuditEntry

Incident.objects.update(summary="changed after the backup")
for attachment in Attachment.objects.all():
    default_storage.delete(attachment.file.name)
Attachment.objects.all().delete()
default_storage.save("stray/after-the-backup.txt", __import__("io").BytesIO(b"not in the backup"))
"""


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


def busbar(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "busbar.cli", *args],
        env=environment(data_dir, env),
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


def refused(result: subprocess.CompletedProcess, *fragments: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    message = result.stderr.strip().splitlines()[-1]
    for fragment in fragments:
        assert fragment in message, message
    return message


def snapshot(result: subprocess.CompletedProcess) -> dict:
    line = next(line for line in ok(result).stdout.splitlines() if line.startswith("SNAPSHOT "))
    return json.loads(line.removeprefix("SNAPSHOT "))


def state(data_dir: Path) -> dict[str, str]:
    """Every file of a data directory with its sha256 (the backups folder left out)."""
    return {
        path.relative_to(data_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(data_dir.rglob("*"))
        if path.is_file() and "backups" not in path.relative_to(data_dir).parts
    }


def members_of(archive: Path) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    with tarfile.open(archive, "r:gz") as tar:
        return [(info, tar.extractfile(info).read() if info.isreg() else None) for info in tar.getmembers()]


def write_archive(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


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


# --- the SQLite round trip, through the real command ---------------------------------------------------


@dataclass
class Seed:
    data_dir: Path  # migrated, with an incident and its attachment
    archive: Path  # its backup, by ``busbar backup`` with the default path
    older: Path  # its backup made with the audit app one migration behind
    before: dict  # the snapshot a restore must bring back


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, scratch_postgres: Scratch) -> Seed:
    data_dir = tmp_path_factory.mktemp("seed") / "var"
    older = data_dir.parent / "older.tar.gz"
    # One process: migrate, seed, snapshot; then an honest older backup (the audit app migrated back one
    # step by Django, backed up by the real command) and forward again.
    script = (
        "from django.core.management import call_command\n"
        "call_command('migrate', interactive=False, verbosity=0)\n"
        + SEED
        + SNAPSHOT
        + "call_command('migrate', 'audit', '0001_initial', interactive=False, verbosity=0)\n"
        + f"call_command('backup', out={str(older)!r})\n"
        + "call_command('migrate', interactive=False, verbosity=0)\n"
    )
    before = snapshot(busbar(data_dir, "shell", "-c", script))
    assert before["attachments"][0][2] == hashlib.sha256(ATTACHMENT).hexdigest()
    result = ok(busbar(data_dir, "backup"))
    archive = next((data_dir / "backups").glob("busbar-*.tar.gz"))
    assert result.stdout.startswith(f"Backup written: {archive} (") and "1 media file" in result.stdout
    return Seed(data_dir=data_dir, archive=archive, older=older, before=before)


def copy_of(seeded: Seed, tmp_path: Path) -> Path:
    data_dir = tmp_path / "var"
    shutil.copytree(seeded.data_dir, data_dir, ignore=shutil.ignore_patterns("backups"))
    return data_dir


def test_backup_is_private_and_described_by_its_manifest(seeded) -> None:  # noqa: ANN001
    data_dir, archive, before = seeded.data_dir, seeded.archive, seeded.before
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
    assert manifest["row_counts"]["incidents"] == 1 and manifest["row_counts"]["attachments"] == 1
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
    database = data_dir.parent / "copy.sqlite3"
    database.write_bytes(members[0][1])
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert db.execute("SELECT summary FROM incidents_incident").fetchall() == [
            ("Switch requests rejected",)
        ]


def test_round_trip_restores_the_data_and_the_attachment(seeded, tmp_path: Path) -> None:  # noqa: ANN001
    archive, before = seeded.archive, seeded.before
    data_dir = copy_of(seeded, tmp_path)
    changed = snapshot(busbar(data_dir, "shell", "-c", MUTATE + SNAPSHOT))
    assert changed != before and changed["attachments"] == []
    assert (data_dir / "media" / "stray" / "after-the-backup.txt").exists()

    result = ok(busbar(data_dir, "restore", str(archive), "--yes"))
    assert "Stop `busbar serve` and `busbar worker`" in result.stdout
    assert f"Restored {archive}" in result.stdout and "1 media file into" in result.stdout
    assert "already has the current schema" in result.stdout

    after = snapshot(busbar(data_dir, "shell", "-c", SNAPSHOT))
    assert after == before  # incidents, users, audit journal (rows added later are gone), attachments
    ((attachment_name, _, _),) = before["attachments"]
    assert (data_dir / "media" / attachment_name).read_bytes() == ATTACHMENT
    assert not (data_dir / "media" / "stray").exists()
    leftovers = [p.name for p in data_dir.iterdir() if "restore" in p.name or p.name.startswith(".")]
    assert leftovers == []


def test_a_tampered_archive_is_refused_before_anything_changes(seeded, tmp_path: Path) -> None:  # noqa: ANN001
    archive = seeded.archive
    data_dir = copy_of(seeded, tmp_path)
    members = members_of(archive)
    info, data = next((i, d) for i, d in members if i.name.startswith("media/"))
    members[members.index((info, data))] = (info, bytes([data[0] ^ 1]) + data[1:])  # one byte, same size
    tampered = write_archive(tmp_path / "tampered.tar.gz", members)
    untouched = state(data_dir)

    refused(busbar(data_dir, "restore", str(tampered), "--yes"), info.name, "sha256")
    assert state(data_dir) == untouched
    assert not [p.name for p in data_dir.iterdir() if "restore" in p.name]


def test_restore_without_yes_off_a_terminal_is_refused(tmp_path: Path) -> None:
    archive = small_archive(tmp_path / "ok.tar.gz")
    with pytest.raises(CommandError, match="not a terminal.*pass --yes") as caught:
        call_command("restore", str(archive))  # under pytest, stdin is not a terminal
    assert caught.value.returncode == 2


def test_a_sqlite_backup_is_refused_by_a_postgresql_busbar(seeded, tmp_path: Path) -> None:  # noqa: ANN001
    archive = seeded.archive
    data_dir = copy_of(seeded, tmp_path)
    # Nothing listens on port 9: the refusal comes before any connection is tried.
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:9/busbar"}
    refused(busbar(data_dir, "restore", str(archive), "--yes", env=env), "SQLite", "PostgreSQL")


def test_backup_without_pg_dump_names_what_to_install(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:9/busbar", "PATH": str(tmp_path / "empty")}
    message = refused(busbar(tmp_path / "var", "backup", env=env), "pg_dump", "postgresql-client")
    assert "install" in message
    assert not (tmp_path / "var" / "backups").exists() or not any((tmp_path / "var" / "backups").iterdir())


def test_an_older_backup_is_migrated_to_the_current_schema(seeded, tmp_path: Path) -> None:  # noqa: ANN001
    manifest = json.loads(members_of(seeded.older)[-1][1])
    assert manifest["migrations"]["audit"] == "0001_initial"
    data_dir = copy_of(seeded, tmp_path)
    result = ok(busbar(data_dir, "restore", str(seeded.older), "--yes"))
    assert "applied 1 to reach the current schema (audit.0002_append_only_triggers)" in result.stdout
    with sqlite3.connect(data_dir / "busbar.sqlite3") as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall() == [
            ("audit_auditentry_no_update",)
        ]
        applied = db.execute("SELECT name FROM django_migrations WHERE app = 'audit'").fetchall()
    assert ("0002_append_only_triggers",) in applied


@pytest.mark.skipif(connection.vendor != "sqlite", reason="restores a SQLite archive in this process")
def test_a_failure_after_the_swap_puts_the_previous_database_and_media_back(
    seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    data_dir = copy_of(seeded, tmp_path)
    (data_dir / "media" / "kept.txt").write_bytes(b"present before the restore")
    untouched = state(data_dir)
    monkeypatch.setattr(backup, "sqlite_path", lambda: data_dir / "busbar.sqlite3")
    monkeypatch.setattr(backup, "media_dir", lambda: data_dir / "media")

    def failing_migrate() -> list[str]:
        # By now the restored database and media are in place.
        assert not (data_dir / "media" / "kept.txt").exists()
        raise RuntimeError("migration exploded")

    monkeypatch.setattr(backup, "_migrate", failing_migrate)
    manifest = verify_archive(seeded.archive)
    with pytest.raises(BackupError, match=r"migration exploded.*previous database and media were put back"):
        backup.restore_archive(seeded.archive, manifest)
    assert state(data_dir) == untouched
    assert sorted(p.name for p in data_dir.iterdir()) == ["busbar.sqlite3", "media", "secret_key"]


# --- the verifier on small archives (no database needed) -----------------------------------------------


def test_verify_only_prints_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    archive = small_archive(tmp_path / "ok.tar.gz", row_counts={"incidents": 3})
    call_command("restore", str(archive), verify_only=True)
    out = capsys.readouterr().out
    assert "verified, 2 members, every checksum matches" in out
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
def test_unsafe_members_are_refused_by_name(tmp_path: Path, member, message: str) -> None:  # noqa: ANN001
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


# --- PostgreSQL: a round trip into a scratch database --------------------------------------------------


def _postgres_available() -> str | None:
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        return "pg_dump / pg_restore are not installed"
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
    except OSError:
        return "no PostgreSQL answers on 127.0.0.1:5432"
    return None


@dataclass
class Scratch:
    skip: str = ""  # why the PostgreSQL test cannot run
    name: str = ""
    data_dir: Path | None = None
    migrate: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:5432/{self.name}"


@pytest.fixture(scope="module")
def scratch_postgres(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scratch]:
    """A scratch PostgreSQL database, migrated by ``busbar migrate`` in the background while the SQLite
    tests run (migrating takes most of the PostgreSQL test's time); dropped at the end."""
    if not any(item.name == "test_postgresql_round_trip" for item in request.session.items):
        yield Scratch(skip="not selected")
        return
    if reason := _postgres_available():
        yield Scratch(skip=reason)
        return
    import psycopg

    try:
        admin = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3", autocommit=True
        )
    except psycopg.Error as exc:
        yield Scratch(skip=f"cannot connect to PostgreSQL on 127.0.0.1:5432 as postgres: {exc}")
        return
    scratch = Scratch(name=f"busbar_backup_test_{secrets.token_hex(4)}")
    scratch.data_dir = tmp_path_factory.mktemp("postgres") / "var"
    scratch.data_dir.mkdir()
    with admin:
        admin.execute(f'CREATE DATABASE "{scratch.name}"')
        try:
            scratch.migrate = subprocess.Popen(
                [sys.executable, "-m", "busbar.cli", "migrate", "-v0"],
                env=environment(scratch.data_dir, {"DATABASE_URL": scratch.url}),
                cwd=scratch.data_dir.parent,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            yield scratch
        finally:
            if scratch.migrate.poll() is None:
                scratch.migrate.kill()
            scratch.migrate.wait()
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch.name}" WITH (FORCE)')


def test_postgresql_round_trip(scratch_postgres: Scratch, tmp_path: Path) -> None:
    import psycopg

    if scratch_postgres.skip:
        pytest.skip(scratch_postgres.skip)
    name, data_dir = scratch_postgres.name, scratch_postgres.data_dir
    env = {"DATABASE_URL": scratch_postgres.url}
    assert data_dir is not None and scratch_postgres.migrate is not None
    output, _ = scratch_postgres.migrate.communicate(timeout=180)
    assert scratch_postgres.migrate.returncode == 0, output
    before = snapshot(busbar(data_dir, "shell", "-c", SEED + SNAPSHOT, env=env))
    archive = tmp_path / "pg.tar.gz"
    ok(busbar(data_dir, "backup", "--out", str(archive), env=env))
    members = members_of(archive)
    assert [info.name for info, _ in members][0] == "database.pgdump" and members[0][1][:5] == b"PGDMP"
    manifest = json.loads(members[-1][1])
    assert manifest["database"]["vendor"] == "postgresql" and manifest["row_counts"]["attachments"] == 1

    changed = snapshot(busbar(data_dir, "shell", "-c", MUTATE + SNAPSHOT, env=env))
    assert changed != before
    result = ok(busbar(data_dir, "restore", str(archive), "--yes", env=env))
    assert f"PostgreSQL database '{name}'" in result.stdout
    after = snapshot(busbar(data_dir, "shell", "-c", SNAPSHOT, env=env))
    assert after == before
    ((attachment_name, _, _),) = before["attachments"]
    assert (data_dir / "media" / attachment_name).read_bytes() == ATTACHMENT

    # Again, now with a table the backup does not know (as a later migration would make) that references
    # a restored table: it must not block replacing that table, nor survive the restore.
    dsn = f"host=127.0.0.1 port=5432 user=postgres dbname={name}"
    with psycopg.connect(dsn) as db:
        db.execute("UPDATE incidents_incident SET summary = 'changed again'")
        db.execute(
            "CREATE TABLE later_feature (id serial PRIMARY KEY, user_id bigint REFERENCES accounts_user)"
        )
        db.execute("INSERT INTO later_feature (user_id) SELECT id FROM accounts_user LIMIT 1")
    ok(busbar(data_dir, "restore", str(archive), "--yes", env=env))
    with psycopg.connect(dsn) as db:
        assert db.execute("SELECT to_regclass('later_feature')").fetchone()[0] is None
        summaries = db.execute("SELECT summary FROM incidents_incident").fetchall()
        assert summaries == [("Switch requests rejected",)]
        # The append-only trigger came back with the audit table.
        triggers = db.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_auditentry_no_change'")
        assert triggers.fetchone()[0] == 1
