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
vendor, schema not newer than this code), stages everything beside its destination, and only then swaps
it in: media by directory rename, SQLite by atomic file rename, PostgreSQL with ``pg_restore
--single-transaction``. Anything that fails after the swap puts the previous database and media back.
The audit journal is append-only, so rows are never deleted one by one: the database is replaced.
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
# Row counts recorded in the manifest as a sanity check (model label → manifest key).
KEY_TABLES = {
    "accounts.User": "users",
    "parties.Organisation": "organisations",
    "incidents.Incident": "incidents",
    "incidents.Update": "updates",
    "incidents.Attachment": "attachments",
    "audit.AuditEntry": "audit_entries",
}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
STOP_REMINDER = (
    "Stop `busbar serve` and `busbar worker` before restoring: they keep the old database and files open."
)
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


def sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"]).expanduser().resolve()


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
    db = settings.DATABASES["default"]
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


def _pg_env(params: dict[str, str]) -> dict[str, str]:
    """The client tools' environment: the connection settings, the password never on a command line."""
    env = dict(os.environ)
    for key, value in params.items():
        env[LIBPQ_ENV[key]] = value
    return env


def _pg_where(params: dict[str, str]) -> str:
    host = params.get("host", "local socket")
    return f"PostgreSQL database {params.get('dbname', '?')!r} on {host}:{params.get('port', '5432')}"


def _run(argv: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"could not run {argv[0]}: {exc.strerror or exc}") from None
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
    return message


def _pg_connect(params: dict[str, str], **kwargs: Any) -> Any:
    import psycopg

    try:
        return psycopg.connect(**params, **kwargs)
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
    try:
        with tarfile.open(archive, "r|gz") as tar:
            for info in tar:
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
                "the archive is damaged or was altered"
            )
        if digest != member.sha256:
            raise BackupError(
                f"{archive}: member {name!r} fails its sha256 check: the archive is damaged or was altered"
            )
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
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
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
        if member is None:
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


def _checkpoint(live: Path) -> None:
    """Fold the live WAL into the database file; a busy database means Busbar is still running."""
    try:
        with closing(sqlite3.connect(live, timeout=5)) as conn:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # rolls back a hot journal
            if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                if busy:
                    raise BackupError(f"{live} is in use: {STOP_REMINDER}")
    except sqlite3.OperationalError as exc:
        raise BackupError(f"{live} is in use ({exc}): {STOP_REMINDER}") from None
    except sqlite3.DatabaseError:
        return  # a damaged live database is simply replaced


def _swap_sqlite(live: Path, staged: Path, previous: Path) -> None:
    """Keep the live file as ``previous`` (a hard link where possible), then rename the restored one in."""
    if live.exists():
        _checkpoint(live)
        try:
            os.link(live, previous)
        except OSError:
            shutil.copy2(live, previous)
    for sidecar in _sqlite_sidecars(live):
        sidecar.unlink(missing_ok=True)  # stale: must never be applied to the restored file
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


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _restore_postgresql(staged: Path) -> None:
    """Replace the configured database's tables with the dump's, in one transaction."""
    pg_restore = _tool("pg_restore")
    params = _pg_params()
    env = _pg_env(params)
    where = _pg_where(params)
    toc = _run([pg_restore, "--list", str(staged)], env, f"reading {staged.name} with pg_restore")
    dumped = {(m.group(1), m.group(2)) for line in toc.splitlines() if (m := _TOC_TABLE.match(line))}
    schemas = sorted({schema for schema, _ in dumped}) or ["public"]
    with closing(_pg_connect(params, autocommit=True)) as conn:
        rows = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(%s)", [schemas]
        ).fetchall()
    extra = sorted({(schema, table) for schema, table in rows} - dumped)
    options = ["--clean", "--if-exists", "--no-owner", "--no-privileges"]
    if not extra:
        _run(
            [
                pg_restore,
                *options,
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={params.get('dbname', '')}",
            ]
            + [str(staged)],
            env,
            f"pg_restore into the {where}",
        )
        return
    # Tables the backup does not know (made by later migrations) would block dropping the tables they
    # reference and survive the restore; drop them in the same transaction (migrate makes them again).
    psql = _tool("psql")
    prelude = staged.with_name("prelude.sql")
    prelude.write_text("".join(f"DROP TABLE IF EXISTS {_quote(s)}.{_quote(t)} CASCADE;\n" for s, t in extra))
    with tempfile.TemporaryFile() as restore_err, tempfile.TemporaryFile() as psql_err:
        script = subprocess.Popen(
            [pg_restore, *options, "--file=-", str(staged)],
            stdout=subprocess.PIPE,
            stderr=restore_err,
            env=env,
        )
        apply = subprocess.Popen(
            [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1"]
            + [f"--dbname={params.get('dbname', '')}", f"--file={prelude}", "--file=-"],
            stdin=script.stdout,
            stdout=subprocess.DEVNULL,
            stderr=psql_err,
            env=env,
        )
        assert script.stdout is not None
        script.stdout.close()
        applied, produced = apply.wait(), script.wait()
        for code, err, what in ((applied, psql_err, "psql"), (produced, restore_err, "pg_restore")):
            if code != 0:
                err.seek(0)
                message = _first_error(err.read().decode("utf-8", "replace"))
                raise BackupError(f"{what} into the {where} failed: {message}")


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


def restore_archive(archive: Path, manifest: Manifest, *, now: dt.datetime | None = None) -> RestoreResult:
    """Restore a verified archive: stage everything, swap it in, migrate; put the old back on failure."""
    from django.db import connections

    archive = Path(archive).expanduser().resolve()
    stamp = timestamp(now or dt.datetime.now(dt.UTC))
    vendor = manifest.vendor
    if vendor != database_vendor():
        raise BackupError(f"{archive} holds a {VENDOR_NAMES[vendor]} database: not the configured one")
    if vendor == "postgresql":
        _tool("pg_restore")
    media = media_dir()
    if os.path.ismount(media):
        raise BackupError(
            f"the media directory {media} is a mount point and cannot be swapped: mount its parent instead"
        )
    media.parent.mkdir(parents=True, exist_ok=True)
    media_staged = Path(tempfile.mkdtemp(prefix=f".{media.name}.restore-", dir=media.parent))
    live = sqlite_path() if vendor == "sqlite" else None
    if live is not None:
        live.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{live.name}.restore-", dir=live.parent)
        os.close(fd)
        database_staged = scratch = Path(name)
        label = database_label()
        previous_db = live.with_name(f"{live.name}.before-restore-{stamp}")
    else:
        scratch = Path(tempfile.mkdtemp(prefix=".busbar-restore-", dir=settings.DATA_DIR))
        database_staged = scratch / DATABASE_MEMBERS["postgresql"]
        label = database_label()
    with _cleanup(media_staged, scratch):
        _stage(archive, manifest, database_staged, media_staged)
        if live is not None:
            _sqlite_quick_check(database_staged, f"{archive}: {manifest.database_member}")
            if live.exists():
                database_staged.chmod(stat.S_IMODE(live.stat().st_mode))
                _match_owner(database_staged, live)
                _checkpoint(live)  # refuses while Busbar still has the database busy
        media_staged.chmod(stat.S_IMODE(media.stat().st_mode) if media.exists() else 0o755)
        _match_owner(media_staged, media)
        # Everything is verified and staged: from here on the live data changes.
        connections.close_all()
        previous_media = _swap_media(media, media_staged, stamp)
        database_replaced = False
        try:
            if live is not None:
                _swap_sqlite(live, database_staged, previous_db)
            else:
                _restore_postgresql(database_staged)
            database_replaced = True
            applied = _migrate()
        except BaseException as exc:
            connections.close_all()
            reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
            if live is None and database_replaced:
                kept = f"; the previous media is kept at {previous_media}" if previous_media else ""
                raise BackupError(
                    f"the backup was restored into the {label} but migrate failed: {reason}. Fix the cause "
                    f"and run `busbar migrate`{kept}"
                ) from None
            if live is not None and (database_replaced or previous_db.exists()):
                _unswap_sqlite(live, previous_db if previous_db.exists() else None)
            _unswap_media(media, previous_media, stamp)
            raise BackupError(
                f"restore failed ({reason}): the previous database and media were put back"
            ) from None
        connections.close_all()
        if previous_media is not None:
            shutil.rmtree(previous_media, ignore_errors=True)
        if live is not None:
            previous_db.unlink(missing_ok=True)
    return RestoreResult(manifest=manifest, database=label, media=media, applied=applied)


@contextmanager
def reported_errors(interrupted: str) -> Iterator[None]:
    """Turn every failure into a one-line ``CommandError`` with exit code 2: never a traceback."""
    from django.core.management.base import CommandError

    try:
        yield
    except CommandError:
        raise
    except BackupError as exc:
        raise CommandError(str(exc), returncode=2) from None
    except KeyboardInterrupt:
        raise CommandError(interrupted, returncode=2) from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise CommandError(f"{where}{exc.strerror or exc}", returncode=2) from None
    except sqlite3.Error as exc:
        raise CommandError(f"SQLite: {exc}", returncode=2) from None
    except Exception as exc:  # noqa: BLE001 - the promise is one line, not a traceback
        raise CommandError(f"unexpected error: {type(exc).__name__}: {exc}", returncode=2) from None
