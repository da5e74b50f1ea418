"""Backups: one ``.tar.gz`` archive holding the database, the uploaded attachments and a manifest.

An archive holds, in this order:

* the database: ``database.sqlite3`` (an online, consistent copy made with SQLite's backup API, WAL
  included) or ``database.pgdump`` (``pg_dump --format=custom`` of one exported snapshot);
* every file of the media directory (the attachments) as ``media/<relative path>``;
* ``manifest.json``, last: format version, Busbar version, creation time, database vendor, the latest
  applied migration per app, row counts of a few key tables, and the size and sha256 of every member.

The manifest comes last so that each member is hashed while it is written (one read of every file), and
so that an archive cut short anywhere has no manifest and is refused as a whole.

A restore verifies the whole archive before changing anything (manifest, checksums, member paths, database
vendor, schema not newer than this code), refuses while Busbar still uses the database, checks the free
space, stages everything beside its destination, writes a safety backup of the current state, and only
then swaps it in: media by directory rename, SQLite by atomic file rename, PostgreSQL by one ``psql
--single-transaction`` of the script ``pg_restore`` wrote (and exited 0 for). Anything that fails after
the swap puts the previous database and media back, and the message says what really happened.
The audit journal is append-only, so rows are never deleted one by one: the database is replaced.

The checksums detect corruption (a truncated copy, a bad disk), not tampering: whoever can rewrite an
archive can rewrite its manifest too. Protect archives as you protect the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings

FORMAT = "busbar-backup"
FORMAT_VERSION = 1
KNOWN_FORMAT_VERSIONS = {1}
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024
# Bounds on what an archive may make a restore read: far above any real Busbar backup, well below what
# a crafted archive (millions of empty members, a gzip bomb) would need.
MAX_MEMBERS = 1_000_000
MAX_ARCHIVE_BYTES = 1024**4  # 1 TiB of members, uncompressed
# Kept free on every file system a restore writes to, beyond what it is known to need.
SPACE_MARGIN = 32 * 1024 * 1024
# How long SQLite waits for another connection's lock before restore calls the database in use.
SQLITE_BUSY_SECONDS = 3.0
# Limits on the PostgreSQL client tools: none may hang a backup or a restore for ever.
TOOL_TIMEOUT = 6 * 3600  # pg_dump, pg_restore --file and psql of a whole database
QUICK_TIMEOUT = 300  # pg_restore --list
CONNECT_TIMEOUT = "10"  # seconds, unless DATABASES OPTIONS set connect_timeout
LOCK_TIMEOUT = "10s"  # a restore waiting longer for a table lock gives up and changes nothing
# Row counts recorded in the manifest as a sanity check (model label → manifest key).
KEY_TABLES = {
    "accounts.User": "users",
    "parties.Organisation": "organisations",
    "records.Record": "records",
    "records.Entry": "conversation_entries",
    "records.Attachment": "attachments",
    "audit.AuditEntry": "audit_entries",
}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
STOP_REMINDER = (
    "Stop `busbar serve` and `busbar worker` before restoring: they keep the old database and files open."
)
STOP_THEM = "stop `busbar serve` and `busbar worker` (and anything else using it), then restore again"
# libpq keywords Busbar passes on from DATABASES["default"]["OPTIONS"], and their environment variables.
LIBPQ_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """A backup or restore cannot go on; the message is one line naming the file or member at fault."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


class _DatabaseUnchanged(BackupError):
    """The PostgreSQL restore stopped before committing anything (psql rolled its transaction back)."""


class _Uncertain(BackupError):
    """psql stopped without reporting an error it rolled back (killed, connection lost, timed out)."""


def one_line(text: object) -> str:
    """Every message is one line: the reasons of tools and databases can span several."""
    return " ".join(str(text).split())


# --- common ------------------------------------------------------------------------------------------


def busbar_version() -> str:
    import busbar

    version = getattr(busbar, "__version__", None)
    if version:
        return str(version)
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        return package_version("busbar")
    except PackageNotFoundError:
        return "unknown"


def database_vendor() -> str:
    from django.db import connection

    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def _db_settings() -> dict[str, Any]:
    """The default database's settings, as the connection Django uses has them."""
    from django.db import connections

    return connections["default"].settings_dict


def sqlite_path() -> Path:
    return Path(_db_settings()["NAME"]).expanduser().resolve()


def database_label() -> str:
    """The configured database, for messages: the SQLite file or the PostgreSQL database and server."""
    return str(sqlite_path()) if database_vendor() == "sqlite" else _pg_where(_pg_params())


def media_dir() -> Path:
    options = settings.STORAGES.get("default", {}).get("OPTIONS", {})
    location = options.get("location") or settings.MEDIA_ROOT
    if not location:
        raise BackupError("no media directory is configured (STORAGES['default']['OPTIONS']['location'])")
    return Path(location).expanduser().resolve()


def timestamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def default_backup_path(now: dt.datetime) -> Path:
    return Path(settings.DATA_DIR) / "backups" / f"busbar-{timestamp(now)}.tar.gz"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    return f"{value:.1f} {unit}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH: install the PostgreSQL client tools of your server's major "
            f"version (e.g. `apt install postgresql-client-15`, `dnf install postgresql15`)"
        )
    return found


def _pg_params() -> dict[str, str]:
    db = _db_settings()
    params = {
        "dbname": db.get("NAME") or "",
        "user": db.get("USER") or "",
        "password": db.get("PASSWORD") or "",
        "host": db.get("HOST") or "",
        "port": str(db.get("PORT") or ""),
    }
    for key, value in (db.get("OPTIONS") or {}).items():
        if key in LIBPQ_ENV and value not in (None, ""):
            params[key] = str(value)
    return {key: value for key, value in params.items() if value}


def _pg_env(params: dict[str, str], options: str = "") -> dict[str, str]:
    """The client tools' environment: every connection setting, the database name too, in PG* variables.

    The password never goes on a command line, and the name never in ``--dbname`` (which libpq reads as
    a connection string when it contains ``=``). ``options`` are server settings added to PGOPTIONS.
    """
    env = dict(os.environ)
    for key, value in params.items():
        env[LIBPQ_ENV[key]] = value
    env.setdefault("PGCONNECT_TIMEOUT", CONNECT_TIMEOUT)
    if options:
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {options}".strip()
    return env


def _pg_where(params: dict[str, str]) -> str:
    host = params.get("host", "local socket")
    return f"PostgreSQL database {params.get('dbname', '?')!r} on {host}:{params.get('port', '5432')}"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return plural(round(seconds / 3600), "hour")
    if seconds >= 60:
        return plural(round(seconds / 60), "minute")
    return plural(round(seconds), "second")


def _call(
    argv: list[str], env: dict[str, str], what: str, *, timeout: float, output: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a client tool to its end or its time limit (then it is killed); stdin is never a terminal."""
    try:
        return subprocess.run(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if output else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{what} did not finish within {_duration(timeout)} and was stopped") from None
    except OSError as exc:
        raise BackupError(f"could not run {argv[0]}: {exc.strerror or exc}") from None


def _run(argv: list[str], env: dict[str, str], what: str, *, timeout: float = TOOL_TIMEOUT) -> str:
    done = _call(argv, env, what, timeout=timeout)
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {_first_error(done.stderr)}")
    return done.stdout


def _first_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower() or "fatal" in line.lower():
            message = line
            break
    else:
        message = lines[-1] if lines else "no message"
    if "version mismatch" in stderr:
        message += " (install the client tools of the server's major version)"
    return one_line(message)


def _pg_connect(params: dict[str, str], **kwargs: Any) -> Any:
    import psycopg

    try:
        return psycopg.connect(**{"connect_timeout": CONNECT_TIMEOUT, **params}, **kwargs)
    except psycopg.Error as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BackupError(f"cannot connect to the {_pg_where(params)}: {detail}") from None


def _describe(cursor: Any, tables: set[str]) -> tuple[dict[str, str], dict[str, int]]:
    """The latest applied migration per app and the row counts of the key tables, from ``cursor``."""
    from django.apps import apps

    migrations: dict[str, str] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations")
        for app, name in cursor.fetchall():
            if name > migrations.get(app, ""):
                migrations[app] = name
    counts: dict[str, int] = {}
    for label, key in KEY_TABLES.items():
        try:
            table = apps.get_model(label)._meta.db_table
        except LookupError:
            continue
        if table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - a model's own table name
            counts[key] = int(cursor.fetchone()[0])
    return dict(sorted(migrations.items())), counts


def _sqlite_tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _sqlite_quick_check(path: Path, what: str) -> None:
    try:
        with closing(sqlite3.connect(path)) as conn:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a usable SQLite database: {exc}") from None
    if result != "ok":
        raise BackupError(f"{what} fails SQLite's integrity check: {result}")


# --- manifest -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    path: str
    size: int
    sha256: str


@dataclass
class Manifest:
    data: dict[str, Any]
    members: list[Member]
    digest: str = ""  # sha256 of manifest.json itself, to notice an archive changed after verification

    @property
    def vendor(self) -> str:
        return self.data["database"]["vendor"]

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.vendor]

    @property
    def media(self) -> list[Member]:
        return [m for m in self.members if m.path.startswith(MEDIA_PREFIX)]

    @property
    def migrations(self) -> dict[str, str]:
        return dict(self.data.get("migrations") or {})

    @property
    def row_counts(self) -> dict[str, int]:
        return dict(self.data.get("row_counts") or {})

    def describe(self) -> list[str]:
        media = self.media
        counts = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in self.row_counts.items())
        return [
            f"  made:      {self.data.get('created_at', '?')} by Busbar "
            f"{self.data.get('busbar_version', '?')}",
            f"  database:  {VENDOR_NAMES[self.vendor]} ({counts or 'no row counts'})",
            f"  media:     {plural(len(media), 'file')}, {human_size(sum(m.size for m in media))}",
        ]

    def to_json(self) -> bytes:
        return json.dumps(self.data, indent=2).encode() + b"\n"

    @classmethod
    def parse(cls, raw: bytes, archive: Path) -> Manifest:
        where = f"{archive}: {MANIFEST}"
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BackupError(f"{where} is not readable JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError(f"{where} is not a Busbar backup manifest")
        version = data.get("format_version")
        if version not in KNOWN_FORMAT_VERSIONS:
            known = ", ".join(str(v) for v in sorted(KNOWN_FORMAT_VERSIONS))
            raise BackupError(
                f"{where}: format version {version!r} is not known to Busbar {busbar_version()} "
                f"(it reads version {known}); restore with the Busbar version that made the backup"
            )
        try:
            vendor = data["database"]["vendor"]
            if vendor not in DATABASE_MEMBERS:
                raise ValueError(f"unknown database vendor {vendor!r}")
            members = []
            if len(data["members"]) > MAX_MEMBERS:
                raise ValueError(f"it lists more than {MAX_MEMBERS} members")
            for item in data["members"]:
                path, size, digest = item["path"], item["size"], item["sha256"]
                if not isinstance(path, str) or not isinstance(size, int) or size < 0:
                    raise ValueError(f"bad member entry {item!r}")
                if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
                    raise ValueError(f"bad sha256 for {path!r}")
                members.append(Member(path, size, digest))
            if not isinstance(data.get("migrations", {}), dict):
                raise ValueError("migrations is not an object")
            if not isinstance(data.get("row_counts", {}), dict):
                raise ValueError("row_counts is not an object")
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupError(f"{where} is malformed: {exc}") from None
        if len({m.path for m in members}) != len(members):
            raise BackupError(f"{where} lists a member twice")
        return cls(data=data, members=members, digest=hashlib.sha256(raw).hexdigest())


# --- reading archives ---------------------------------------------------------------------------------


def _check_member(archive: Path, info: tarfile.TarInfo, seen: set[str]) -> None:
    """Refuse any member that could write outside its destination or is not one Busbar writes."""
    name = info.name.rstrip("/") if info.isdir() else info.name
    shown = f"{archive}: member {info.name!r}"
    if info.issym() or info.islnk():
        raise BackupError(f"{shown} is a link: refusing the archive")
    if not (info.isreg() or info.isdir()):
        raise BackupError(f"{shown} is a device or special file: refusing the archive")
    parts = name.split("/")
    if (
        "\x00" in name
        or "\\" in name
        or PurePosixPath(name).is_absolute()
        or re.match(r"^[A-Za-z]:", name)
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise BackupError(f"{shown} has an unsafe path (absolute, empty or with '..'): refusing the archive")
    if info.isdir():
        if name != "media" and not name.startswith(MEDIA_PREFIX):
            raise BackupError(f"{shown} is not part of a Busbar backup: refusing the archive")
        return
    if name != MANIFEST and name not in DATABASE_MEMBERS.values() and not name.startswith(MEDIA_PREFIX):
        raise BackupError(f"{shown} is not part of a Busbar backup: refusing the archive")
    if name in seen:
        raise BackupError(f"{shown} appears twice: refusing the archive")
    seen.add(name)


def _copy_hashed(source: IO[bytes], target: IO[bytes] | None) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if target is not None:
            target.write(chunk)
    return size, digest.hexdigest()


def _scan(archive: Path, handle: Callable[[tarfile.TarInfo, IO[bytes]], None]) -> None:
    """Call ``handle`` with every regular member of ``archive`` after checking its path and type."""
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    seen: set[str] = set()
    count = total = 0
    try:
        with tarfile.open(archive, "r|gz") as tar:
            for info in tar:
                count += 1
                total += max(info.size, 0)
                if count > MAX_MEMBERS:
                    raise BackupError(
                        f"{archive} has more than {MAX_MEMBERS} members: refusing it (no Busbar backup has "
                        "that many)"
                    )
                if total > MAX_ARCHIVE_BYTES:
                    raise BackupError(
                        f"{archive} holds more than {human_size(MAX_ARCHIVE_BYTES)} once unpacked: "
                        "refusing it"
                    )
                _check_member(archive, info, seen)
                if info.isreg():
                    source = tar.extractfile(info)
                    assert source is not None
                    handle(info, source)
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{archive} is not a readable .tar.gz archive ({exc})") from None


def verify_archive(archive: Path) -> Manifest:
    """Check everything a restore needs without changing anything; return the manifest."""
    archive = Path(archive).expanduser().resolve()
    found: dict[str, tuple[int, str]] = {}
    raw_manifest: list[bytes] = []

    def handle(info: tarfile.TarInfo, source: IO[bytes]) -> None:
        if info.name == MANIFEST:
            if info.size > MANIFEST_MAX_BYTES:
                raise BackupError(f"{archive}: {MANIFEST} is implausibly large ({human_size(info.size)})")
            raw_manifest.append(source.read())
        else:
            found[info.name] = _copy_hashed(source, None)

    _scan(archive, handle)
    if not raw_manifest:
        raise BackupError(f"{archive} has no {MANIFEST}: not a Busbar backup, or cut short")
    manifest = Manifest.parse(raw_manifest[0], archive)
    listed = {m.path: m for m in manifest.members}
    for name, (size, digest) in found.items():
        member = listed.get(name)
        if member is None:
            raise BackupError(
                f"{archive}: member {name!r} is not listed in the manifest: refusing the archive"
            )
        if size != member.size:
            raise BackupError(
                f"{archive}: member {name!r} is {size} bytes but the manifest says {member.size}: "
                "the archive is damaged"
            )
        if digest != member.sha256:
            raise BackupError(f"{archive}: member {name!r} fails its sha256 check: the archive is damaged")
    for name in listed:
        if name not in found:
            raise BackupError(f"{archive}: member {name!r} is in the manifest but missing from the archive")
        if name != manifest.database_member and not name.startswith(MEDIA_PREFIX):
            raise BackupError(f"{archive}: member {name!r} does not belong in a {manifest.vendor} backup")
    if manifest.database_member not in listed:
        raise BackupError(f"{archive} holds no {manifest.database_member}")
    configured = database_vendor()
    if manifest.vendor != configured:
        raise BackupError(
            f"{archive} holds a {VENDOR_NAMES[manifest.vendor]} database but this Busbar is configured for "
            f"{VENDOR_NAMES[configured]} (DATABASE_URL): restore it into a Busbar using "
            f"{VENDOR_NAMES[manifest.vendor]}"
        )
    _check_not_newer(archive, manifest)
    return manifest


def _check_not_newer(archive: Path, manifest: Manifest) -> None:
    """An archive from a newer Busbar has migrations this code does not know: refuse it."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces or ())
    for app, name in manifest.migrations.items():
        if app in loader.migrated_apps and (app, name) not in known:
            raise BackupError(
                f"{archive} was made by a newer Busbar ({manifest.data.get('busbar_version', '?')}): "
                f"migration {app}.{name} is unknown here; upgrade Busbar before restoring"
            )


# --- backup -------------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    size: int
    manifest: Manifest

    def summary(self) -> str:
        media = self.manifest.media
        return (
            f"Backup written: {self.path} ({human_size(self.size)}; "
            f"{VENDOR_NAMES[self.manifest.vendor]} database, {plural(len(media), 'media file')})"
        )


class _HashingReader:
    """Hands tarfile the bytes of a file while hashing exactly what is archived."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> Member:
    with open(path, "rb") as source:
        st = os.fstat(source.fileno())
        info = tarfile.TarInfo(name)
        info.size = st.st_size
        info.mtime = int(st.st_mtime)
        info.mode = 0o600
        reader = _HashingReader(source)
        try:
            tar.addfile(info, reader)  # type: ignore[arg-type]
        except OSError as exc:
            raise BackupError(f"could not archive {path}: {exc} (did it change while being read?)") from None
    return Member(name, st.st_size, reader.digest.hexdigest())


def _media_files(media: Path, warn: Callable[[str], None]) -> Iterator[tuple[str, Path]]:
    if not media.is_dir():
        return
    for root, dirs, files in os.walk(media, followlinks=False):
        base = Path(root)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                warn(f"Skipped {base / name}: a symbolic link, not a directory of attachments")
        dirs[:] = sorted(d for d in dirs if not (base / d).is_symlink())
        for name in sorted(files):
            path = base / name
            if stat.S_ISREG(path.lstat().st_mode):
                yield path.relative_to(media).as_posix(), path
            else:
                warn(f"Skipped {path}: not a regular file")


def _dump_sqlite(staging: Path) -> tuple[Path, dict[str, Any], dict[str, str], dict[str, int]]:
    live = sqlite_path()
    if not live.is_file():
        raise BackupError(f"the database file {live} does not exist: nothing to back up")
    copy = staging / DATABASE_MEMBERS["sqlite"]
    try:
        with closing(sqlite3.connect(live, timeout=30)) as source, closing(sqlite3.connect(copy)) as target:
            source.backup(target)  # one step: a consistent copy of the committed state, WAL included
            target.execute("PRAGMA journal_mode=DELETE")  # the archived file stands alone
            result = target.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise BackupError(f"the copy of {live} fails SQLite's integrity check: {result}")
            migrations, counts = _describe(target.cursor(), _sqlite_tables(target))
            version = sqlite3.sqlite_version
    except sqlite3.Error as exc:
        raise BackupError(f"could not copy the SQLite database {live}: {exc}") from None
    return copy, {"vendor": "sqlite", "sqlite_version": version}, migrations, counts


def _dump_postgresql(staging: Path) -> tuple[Path, dict[str, Any], dict[str, str], dict[str, int]]:
    import psycopg

    pg_dump = _tool("pg_dump")
    params = _pg_params()
    dump = staging / DATABASE_MEMBERS["postgresql"]
    with closing(_pg_connect(params)) as conn:
        try:
            # One snapshot for the dump and the manifest's counts, so they describe the same moment.
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                tables = {row[0] for row in cursor.fetchall()}
                migrations, counts = _describe(cursor, tables)
            server = conn.info.server_version
            _run(
                [
                    pg_dump,
                    "--no-password",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--lock-wait-timeout={LOCK_TIMEOUT}",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                ],
                _pg_env(params),
                f"pg_dump of the {_pg_where(params)}",
            )
        except psycopg.Error as exc:
            raise BackupError(f"reading the {_pg_where(params)} failed: {exc}") from None
        finally:
            with suppress(Exception):
                conn.rollback()
    database = {"vendor": "postgresql", "server_version": f"{server // 10000}.{server % 10000}"}
    return dump, database, migrations, counts


def create_backup(
    out: Path | None = None, *, now: dt.datetime | None = None, warn: Callable[[str], None] = print
) -> BackupResult:
    """Write one archive of the database and the media directory; nothing is left behind on failure."""
    now = now or dt.datetime.now(dt.UTC)
    vendor = database_vendor()
    if vendor == "postgresql":
        _tool("pg_dump")  # fail before creating anything
    if out is None:
        target = default_backup_path(now)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        target.parent.chmod(0o700)
    else:
        target = Path(out).expanduser().resolve()
        if target.is_dir():
            raise BackupError(f"{target} is a directory: give --out a file name ending in .tar.gz")
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    media = media_dir()
    if target.is_relative_to(media):
        raise BackupError(f"{target} is inside the media directory {media}: write the backup elsewhere")
    if target.exists():
        raise BackupError(f"{target} already exists: choose another --out")
    staging = Path(tempfile.mkdtemp(prefix=".busbar-backup-", dir=target.parent))
    fd, partial_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    partial = Path(partial_name)  # mkstemp creates it 0600
    raw = os.fdopen(fd, "wb")
    try:
        dumped, database, migrations, counts = (
            _dump_sqlite(staging) if vendor == "sqlite" else _dump_postgresql(staging)
        )
        with raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
                members = [_add_file(tar, DATABASE_MEMBERS[vendor], dumped)]
                dumped.unlink()
                for relative, path in _media_files(media, warn):
                    members.append(_add_file(tar, MEDIA_PREFIX + relative, path))
                manifest = Manifest(
                    data={
                        "format": FORMAT,
                        "format_version": FORMAT_VERSION,
                        "busbar_version": busbar_version(),
                        "created_at": now.astimezone(dt.UTC)
                        .isoformat(timespec="seconds")
                        .replace("+00:00", "Z"),
                        "database": database,
                        "migrations": migrations,
                        "row_counts": counts,
                        "media_dir": str(media),
                        "members": [{"path": m.path, "size": m.size, "sha256": m.sha256} for m in members],
                    },
                    members=members,
                )
                body = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(body)
                info.mtime = int(now.timestamp())
                info.mode = 0o600
                tar.addfile(info, io.BytesIO(body))
            raw.flush()
            os.fsync(raw.fileno())
        if target.exists():
            raise BackupError(f"{target} appeared while the backup was written: choose another --out")
        os.replace(partial, target)
        _fsync_dir(target.parent)
    except BaseException:
        raw.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BackupResult(path=target, size=target.stat().st_size, manifest=manifest)


# --- restore ------------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: Manifest
    database: str
    media: Path
    applied: list[str] = field(default_factory=list)
    safety: Path | None = None  # the backup of the state before the restore, if one was written


def _stage(archive: Path, manifest: Manifest, database_to: Path, media_to: Path) -> None:
    """Write the archive's database and media to their staging places, checking every byte again."""
    listed = {m.path: m for m in manifest.members}
    done: set[str] = set()

    def handle(info: tarfile.TarInfo, source: IO[bytes]) -> None:
        if info.name == MANIFEST:
            if hashlib.sha256(source.read(MANIFEST_MAX_BYTES + 1)).hexdigest() != manifest.digest:
                raise BackupError(f"{archive} changed since it was verified: restore again")
            return
        member = listed.get(info.name)
        if member is None or info.size != member.size:
            raise BackupError(f"{archive} changed since it was verified: restore again")
        if info.name == manifest.database_member:
            target = database_to
        else:
            target = media_to.joinpath(*info.name[len(MEDIA_PREFIX) :].split("/"))
            if not target.resolve().is_relative_to(media_to.resolve()):
                raise BackupError(
                    f"{archive}: member {info.name!r} would be written outside the media directory"
                )
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as out:
                size, digest = _copy_hashed(source, out)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise BackupError(f"could not write {target}: {exc.strerror or exc}") from None
        if (size, digest) != (member.size, member.sha256):
            raise BackupError(f"{archive}: member {info.name!r} changed since it was verified: restore again")
        done.add(info.name)

    _scan(archive, handle)
    if missing := set(listed) - done:
        raise BackupError(f"{archive}: member {sorted(missing)[0]!r} is missing: restore again")


def _match_owner(path: Path, like: Path) -> None:
    """Running as root, give restored files the owner of what they replace so the service can use them."""
    if os.geteuid() != 0 or not like.exists():
        return
    st = like.stat()
    os.chown(path, st.st_uid, st.st_gid)
    if path.is_dir():
        for root, dirs, files in os.walk(path):
            for name in dirs + files:
                os.chown(Path(root) / name, st.st_uid, st.st_gid, follow_symlinks=False)


def _sqlite_sidecars(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def _claim_sqlite(live: Path) -> None:
    """Take the live database out of WAL mode, which SQLite allows only when no other connection has it
    open: an idle ``busbar serve`` holds no lock a busy check could see, but it does keep the file open.

    Leaving WAL mode also folds the WAL into the file, so the ``-wal``/``-shm`` files the swap removes
    hold nothing. Busbar turns WAL mode on again when it next opens the database.
    """
    if not live.exists():
        return
    try:
        with closing(sqlite3.connect(live, timeout=SQLITE_BUSY_SECONDS)) as conn:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # rolls back a hot journal
            mode = str(conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]).lower()
    except sqlite3.OperationalError as exc:
        raise BackupError(
            f"the database {live} is in use ({exc}): {STOP_THEM}; nothing was changed"
        ) from None
    except sqlite3.DatabaseError:
        return  # a damaged live database is simply replaced
    if mode != "delete":
        raise BackupError(
            f"the database {live} is in use (SQLite kept it in {mode} mode): {STOP_THEM}; nothing was changed"
        )


def _swap_sqlite(live: Path, staged: Path, previous: Path) -> None:
    """Keep the live file as ``previous`` (a hard link where possible), then rename the restored one in."""
    if live.exists():
        try:
            os.link(live, previous)
        except OSError:
            shutil.copy2(live, previous)
    for sidecar in _sqlite_sidecars(live):
        sidecar.unlink(missing_ok=True)  # empty after _claim_sqlite; must never meet the restored file
    os.replace(staged, live)
    _fsync_dir(live.parent)


def _unswap_sqlite(live: Path, previous: Path | None) -> None:
    for sidecar in _sqlite_sidecars(live):
        sidecar.unlink(missing_ok=True)
    if previous is not None:
        os.replace(previous, live)
    else:
        live.unlink(missing_ok=True)


def _swap_media(media: Path, staged: Path, stamp: str) -> Path | None:
    previous = None
    if media.exists():
        previous = media.with_name(f"{media.name}.before-restore-{stamp}")
        os.rename(media, previous)
    try:
        os.rename(staged, media)
    except BaseException:
        if previous is not None:
            os.rename(previous, media)
        raise
    _fsync_dir(media.parent)
    return previous


def _unswap_media(media: Path, previous: Path | None, stamp: str) -> None:
    if media.exists():
        failed = media.with_name(f"{media.name}.failed-restore-{stamp}")
        os.rename(media, failed)
        shutil.rmtree(failed, ignore_errors=True)
    if previous is not None:
        os.rename(previous, media)


_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ")
# Views that depend on the given tables (DROP TABLE ... CASCADE would drop them too).
_DEPENDENT_VIEWS = """
SELECT DISTINCT view.oid::regclass::text
FROM pg_depend dep
JOIN pg_rewrite rule ON rule.oid = dep.objid
JOIN pg_class view ON view.oid = rule.ev_class
WHERE dep.classid = 'pg_rewrite'::regclass AND dep.refclassid = 'pg_class'::regclass
  AND dep.refobjid = ANY(%s::regclass[]) AND rule.ev_class <> dep.refobjid
ORDER BY 1
"""


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _qualified(schema: str, table: str) -> str:
    return f"{_quote(schema)}.{_quote(table)}"


def _listing(names: list[str], limit: int = 5) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def busbar_tables() -> set[str]:
    """The tables Busbar makes: its models' and Django's (``django_*``), and the database cache's."""
    from django.apps import apps

    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    tables.update({"django_migrations", "busbar_cache"})
    for cache in settings.CACHES.values():
        if str(cache.get("BACKEND", "")).endswith(".DatabaseCache") and cache.get("LOCATION"):
            tables.add(str(cache["LOCATION"]))
    return tables


#: How long a session seen in use may take to end before a restore refuses (seconds).
SESSION_GRACE = 2.0


def _check_sessions(*, force: bool) -> None:
    """Refuse while other sessions use the PostgreSQL database (a running Busbar), unless forced."""
    params = _pg_params()
    with closing(_pg_connect(params, autocommit=True)) as conn:
        # A client that has just disconnected (a psql or pg_restore this restore ran a moment ago) stays
        # in pg_stat_activity until its server process has exited: look again for up to SESSION_GRACE.
        deadline = time.monotonic() + SESSION_GRACE
        while True:
            rows = conn.execute(
                "SELECT coalesce(nullif(application_name, ''), 'unnamed client'), "
                "coalesce(host(client_addr), 'local') FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            ).fetchall()
            if not rows or force or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
    if not rows or force:
        return
    clients: dict[str, int] = {}
    for application, address in rows:
        key = f"{application} from {address}"
        clients[key] = clients.get(key, 0) + 1
    shown = _listing([f"{count} {key}" for key, count in sorted(clients.items())])
    raise BackupError(
        f"the {_pg_where(params)} has {plural(len(rows), 'other session')} ({shown}): {STOP_THEM}, or pass "
        f"--force to restore anyway (a table still in use then makes the restore give up after "
        f"{LOCK_TIMEOUT}); nothing was changed"
    )


@dataclass
class _PgPlan:
    script: Path  # the SQL pg_restore made of the dump (it exited 0)
    prelude: Path  # locks the tables to be replaced, drops Busbar's tables the backup does not have


def _prepare_postgresql(dump: Path, scratch: Path) -> _PgPlan:
    """Turn the dump into one SQL script and plan what else goes; the database is not changed."""
    pg_restore = _tool("pg_restore")
    params = _pg_params()
    env = _pg_env(params)
    where = _pg_where(params)
    script = scratch / "restore.sql"
    try:
        toc = _run(
            [pg_restore, "--list", str(dump)],
            env,
            f"reading the backup's {dump.name} with pg_restore",
            timeout=QUICK_TIMEOUT,
        )
        # The whole script is written, and pg_restore's exit code checked, before psql sees a line of
        # it: a dump pg_restore cannot read to its end must never become a committed partial restore.
        _run(
            [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error"]
            + [f"--file={script}", str(dump)],
            env,
            f"turning the backup's {dump.name} into SQL with pg_restore",
        )
    except BackupError as exc:
        raise BackupError(f"{exc}; nothing was changed") from None
    dumped = {(m.group(1), m.group(2)) for line in toc.splitlines() if (m := _TOC_TABLE.match(line))}
    schemas = sorted({schema for schema, _ in dumped}) or ["public"]
    with closing(_pg_connect(params, autocommit=True)) as conn:
        current = conn.execute("SELECT current_schema()").fetchone()[0]
        rows = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(%s)", [schemas]
        ).fetchall()
        existing = {(schema, table) for schema, table in rows}
        extra = sorted(existing - dumped)
        # Tables the backup does not have (made by later migrations) would block dropping the tables
        # they reference and survive the restore: Busbar's own are dropped (migrate makes them again),
        # anything else is refused, never dropped.
        own = busbar_tables()
        foreign = [
            f"{schema}.{table}"
            for schema, table in extra
            if schema != current or not (table in own or table.startswith("django_"))
        ]
        if foreign:
            raise BackupError(
                f"the {where} has {plural(len(foreign), 'table')} that neither Busbar nor the backup has "
                f"({_listing(foreign)}): restore into a database of Busbar's own; nothing was changed"
            )
        views = []
        if extra:
            views = [row[0] for row in conn.execute(_DEPENDENT_VIEWS, [[_qualified(*t) for t in extra]])]
        if views:
            raise BackupError(
                f"the {where} has {plural(len(views), 'view')} on Busbar tables the backup does not have "
                f"({_listing(views)}) that the restore would drop: drop or move them first; nothing was "
                "changed"
            )
    statements = []
    if locked := sorted(existing & dumped) + extra:
        # Every table to be replaced is locked first, under the lock timeout (the script itself sets
        # lock_timeout = 0): a session still using one makes the restore give up, not wait for ever.
        statements.append(f"LOCK TABLE {', '.join(_qualified(*t) for t in locked)} IN ACCESS EXCLUSIVE MODE;")
    if extra:
        statements.append(f"DROP TABLE IF EXISTS {', '.join(_qualified(*t) for t in extra)} CASCADE;")
    prelude = scratch / "prelude.sql"
    prelude.write_text("".join(f"{statement}\n" for statement in statements))
    return _PgPlan(script=script, prelude=prelude)


def _apply_postgresql(plan: _PgPlan) -> None:
    """Run the prelude and the script in one ``psql --single-transaction``: all of it commits, or none.

    Raises ``_DatabaseUnchanged`` when psql reports the error it stopped at (with ON_ERROR_STOP it then
    rolls the transaction back) and ``_Uncertain`` when psql ended any other way.
    """
    psql = _tool("psql")
    params = _pg_params()
    env = _pg_env(params, f"-c lock_timeout={LOCK_TIMEOUT}")
    where = _pg_where(params)
    argv = [psql, "--no-password", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction"]
    argv += [f"--file={plan.prelude}", f"--file={plan.script}"]
    try:
        done = subprocess.run(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=TOOL_TIMEOUT,
        )
    except OSError as exc:
        raise _DatabaseUnchanged(f"could not run {psql}: {exc.strerror or exc}") from None
    except subprocess.TimeoutExpired:
        raise _Uncertain(f"psql into the {where} did not finish within {_duration(TOOL_TIMEOUT)}") from None
    except KeyboardInterrupt:
        raise _Uncertain(f"psql into the {where} was interrupted") from None
    if done.returncode == 0:
        return
    message = _first_error(done.stderr)
    if "lock timeout" in message:
        message += " (a session still uses the tables: stop `busbar serve` and `busbar worker`)"
    if done.returncode == 3:  # an SQL error under ON_ERROR_STOP: psql sent ROLLBACK
        raise _DatabaseUnchanged(f"psql into the {where} failed: {message}")
    raise _Uncertain(f"psql into the {where} stopped with exit code {done.returncode}: {message}")


def _migrate() -> list[str]:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0)
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


@contextmanager
def _cleanup(*paths: Path) -> Iterator[None]:
    try:
        yield
    finally:
        for path in paths:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def _tree_size(path: Path) -> int:
    """Bytes in the regular files under ``path`` (or of the file ``path``); 0 if it does not exist."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with suppress(OSError):
                st = (Path(root) / name).lstat()
                if stat.S_ISREG(st.st_mode):
                    total += st.st_size
    return total


def _check_space(needs: list[tuple[Path, int, str]]) -> None:
    """Refuse before anything is written when a file system lacks the room the restore needs there."""
    by_device: dict[int, tuple[Path, int, list[str]]] = {}
    for directory, size, what in needs:
        place = directory
        while not place.exists() and place != place.parent:
            place = place.parent
        device = place.stat().st_dev
        first, total, whats = by_device.get(device, (place, 0, []))
        by_device[device] = (first, total + size, [*whats, what])
    for place, total, whats in by_device.values():
        free = _free_bytes(place)
        if total + SPACE_MARGIN > free:
            raise BackupError(
                f"not enough free space for the restore on the file system of {place}: it needs about "
                f"{human_size(total + SPACE_MARGIN)} there ({'; '.join(whats)}; with "
                f"{human_size(SPACE_MARGIN)} to spare) and {human_size(free)} is free; make room, then "
                "restore again (nothing was changed)"
            )


def safety_backup_path(stamp: str) -> Path:
    folder = Path(settings.DATA_DIR) / "backups"
    path = folder / f"busbar-before-restore-{stamp}.tar.gz"
    number = 1
    while path.exists():
        number += 1
        path = folder / f"busbar-before-restore-{stamp}-{number}.tar.gz"
    return path


def _write_safety_backup(target: Path, warn: Callable[[str], None]) -> Path:
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        return create_backup(target, warn=warn).path
    except BackupError as exc:
        raise BackupError(
            f"could not write the safety backup of the current state ({exc}): fix the cause, or pass "
            "--no-safety-backup to restore without one; nothing was changed"
        ) from None


@contextmanager
def _cleanup(*paths: Path) -> Iterator[None]:
    try:
        yield
    finally:
        for path in paths:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def restore_archive(
    archive: Path,
    manifest: Manifest,
    *,
    now: dt.datetime | None = None,
    force: bool = False,
    safety_backup: bool = True,
    warn: Callable[[str], None] = print,
) -> RestoreResult:
    """Restore a verified archive: stage everything, keep a safety backup, swap it in, migrate.

    Nothing live changes before the swap; after it, a failure puts the previous state back and says
    truthfully what the database holds. ``force`` restores into a PostgreSQL database other sessions
    use; ``safety_backup=False`` skips the backup of the current state.
    """
    from django.db import connections

    archive = Path(archive).expanduser().resolve()
    stamp = timestamp(now or dt.datetime.now(dt.UTC))
    vendor = manifest.vendor
    configured = database_vendor()
    if vendor != configured:
        raise BackupError(
            f"{archive} holds a {VENDOR_NAMES[vendor]} database but this Busbar is configured for "
            f"{VENDOR_NAMES[configured]}: nothing was changed"
        )
    if vendor == "postgresql":
        for tool in ("pg_restore", "psql", "pg_dump") if safety_backup else ("pg_restore", "psql"):
            _tool(tool)
    media = media_dir()
    if os.path.ismount(media):
        raise BackupError(
            f"the media directory {media} is a mount point and cannot be swapped: mount its parent instead"
        )
    label = database_label()
    live = sqlite_path() if vendor == "sqlite" else None

    def refuse_if_in_use() -> None:
        connections.close_all()  # this process's own connection is not a user to wait for
        if live is not None:
            _claim_sqlite(live)
        else:
            _check_sessions(force=force)

    refuse_if_in_use()
    safety_path = safety_backup_path(stamp) if safety_backup else None
    database_size = next(m.size for m in manifest.members if m.path == manifest.database_member)
    media_size = sum(m.size for m in manifest.media)
    needs = [(media.parent, media_size, f"{human_size(media_size)} for the restored media")]
    if live is not None:
        needs.append((live.parent, database_size, f"{human_size(database_size)} for the restored database"))
    else:
        needs.append((Path(settings.DATA_DIR), database_size, f"{human_size(database_size)} for the dump"))
    if safety_path is not None:
        current = _tree_size(media)
        if live is not None:
            current += sum(_tree_size(path) for path in (live, *_sqlite_sidecars(live)))
        needs.append((safety_path.parent, current, f"up to {human_size(current)} for the safety backup"))
    _check_space(needs)

    media.parent.mkdir(parents=True, exist_ok=True)
    media_staged = Path(tempfile.mkdtemp(prefix=f".{media.name}.restore-", dir=media.parent))
    if live is not None:
        live.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{live.name}.restore-", dir=live.parent)
        os.close(fd)
        database_staged = scratch = Path(name)
        previous_db = live.with_name(f"{live.name}.before-restore-{stamp}")
    else:
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".busbar-restore-", dir=settings.DATA_DIR))
        database_staged = scratch / DATABASE_MEMBERS["postgresql"]
    with _cleanup(media_staged, scratch):
        _stage(archive, manifest, database_staged, media_staged)
        plan = None
        if live is not None:
            _sqlite_quick_check(database_staged, f"{archive}: {manifest.database_member}")
            if live.exists():
                database_staged.chmod(stat.S_IMODE(live.stat().st_mode))
                _match_owner(database_staged, live)
        else:
            plan = _prepare_postgresql(database_staged, scratch)
        media_staged.chmod(stat.S_IMODE(media.stat().st_mode) if media.exists() else 0o755)
        _match_owner(media_staged, media)
        safety = None
        if safety_path is not None and (live is None or live.exists()):
            safety = _write_safety_backup(safety_path, warn)
        refuse_if_in_use()  # again: nothing may have opened the database meanwhile
        kept = f"; the state before the restore is in the safety backup {safety}" if safety else ""
        # Everything is verified and staged: from here on the live data changes.
        previous_media = _swap_media(media, media_staged, stamp)
        database_replaced = False
        try:
            if live is not None:
                _swap_sqlite(live, database_staged, previous_db)
            else:
                assert plan is not None
                _apply_postgresql(plan)
            database_replaced = True
            applied = _migrate()
        except BaseException as exc:
            connections.close_all()
            reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else one_line(exc)
            if live is None and database_replaced:
                raise BackupError(
                    f"the backup was restored into the {label} but migrate failed: {reason}. Fix the cause "
                    f"and run `busbar migrate`{kept}"
                ) from None
            if live is not None and (database_replaced or previous_db.exists()):
                _unswap_sqlite(live, previous_db if previous_db.exists() else None)
            _unswap_media(media, previous_media, stamp)
            if live is not None:
                raise BackupError(
                    f"restore failed ({reason}): the previous database and media were put back{kept}"
                ) from None
            if isinstance(exc, _DatabaseUnchanged):
                raise BackupError(
                    f"restore failed ({reason}): nothing was committed, so the {label} is unchanged, and "
                    f"the previous media was put back{kept}"
                ) from None
            raise BackupError(
                f"restore failed ({reason}): the previous media was put back, but whether PostgreSQL "
                f"committed the restore into the {label} is not known: check it{kept}"
            ) from None
        connections.close_all()
        if previous_media is not None:
            shutil.rmtree(previous_media, ignore_errors=True)
        if live is not None:
            previous_db.unlink(missing_ok=True)
    return RestoreResult(manifest=manifest, database=label, media=media, applied=applied, safety=safety)


@contextmanager
def reported_errors(interrupted: str) -> Iterator[None]:
    """Turn every failure into a one-line ``CommandError`` with exit code 2: never a traceback."""
    from django.core.management.base import CommandError

    try:
        yield
    except CommandError:
        raise
    except BackupError as exc:
        raise CommandError(one_line(exc), returncode=2) from None
    except KeyboardInterrupt:
        raise CommandError(interrupted, returncode=2) from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise CommandError(one_line(f"{where}{exc.strerror or exc}"), returncode=2) from None
    except sqlite3.Error as exc:
        raise CommandError(one_line(f"SQLite: {exc}"), returncode=2) from None
    except Exception as exc:
        raise CommandError(one_line(f"unexpected error: {type(exc).__name__}: {exc}"), returncode=2) from None
