"""Prepare a fresh database for the load benchmark: migrate, demo, history incidents, API tokens.

    .venv/bin/python bench/load/prepare.py --database sqlite --data-dir /tmp/busbar_load/sqlite
    .venv/bin/python bench/load/prepare.py --database postgres --data-dir /tmp/busbar_load/pg
    .venv/bin/python bench/load/prepare.py --drop /tmp/busbar_load/pg      # drop its database and files

The data directory gets the SQLite file (or, for PostgreSQL, a new database ``busbar_load_…`` on
127.0.0.1:5432 as user ``postgres``), the collected static files, ``prepared.json`` (the environment every
later step uses: DATABASE_URL, BUSBAR_DATA_DIR, SECRET_KEY) and ``tokens.json`` (raw API tokens: keep it
private; the directory is created 0700). All data comes through Busbar itself: ``busbar migrate``,
``busbar demo``, then ``seed.py`` in ``busbar shell`` (actions only, no raw SQL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _common import BUSBAR, HERE, REPO, busbar_shell, load_prepared, prepared_env

PG_NAME = re.compile(r"^busbar_load_[a-z0-9_]{1,40}$")


def _pg_admin(base_url: str):
    import psycopg

    return psycopg.connect(_pg_url(base_url, "postgres"), autocommit=True)


def _pg_url(base_url: str, name: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def _pg_create(base_url: str, name: str, force: bool) -> str:
    from psycopg import sql

    with _pg_admin(base_url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not force:
            raise SystemExit(f"database {name} exists: pass --force to drop and recreate it")
        if exists:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        version = conn.execute("SHOW server_version").fetchone()[0]
    return f"PostgreSQL {version}"


def _pg_drop(base_url: str, name: str) -> None:
    from psycopg import sql

    if not PG_NAME.match(name):
        raise SystemExit(f"refusing to drop {name!r}: not a busbar_load_ database")
    with _pg_admin(base_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def snapshot(prepared: dict) -> str:
    """Keep a copy of the prepared database, so every run can start from exactly the same state."""
    if prepared["database"] == "sqlite":
        source = Path(prepared["data_dir"]) / "busbar.sqlite3"
        copy = source.with_name("prepared.sqlite3")
        copy.unlink(missing_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        return str(copy)
    from psycopg import sql

    copy = f"{prepared['pg_name']}_snap"
    with _pg_admin(prepared["pg_base_url"]) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(copy), sql.Identifier(prepared["pg_name"])
            )
        )
    return copy


def restore(prepared: dict) -> float:
    """Put the prepared database back as it was after preparation (nothing may be connected to it)."""
    started = time.monotonic()
    if prepared["database"] == "sqlite":
        target = Path(prepared["data_dir"]) / "busbar.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(prepared["snapshot"], target)
    else:
        from psycopg import sql

        name = sql.Identifier(prepared["pg_name"])
        with _pg_admin(prepared["pg_base_url"]) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(name, sql.Identifier(prepared["snapshot"]))
            )
    return time.monotonic() - started


def _run(label: str, cmd: list[str], env: dict[str, str]) -> None:
    started = time.monotonic()
    print(f"prepare: {label}…", file=sys.stderr, flush=True)
    subprocess.run(cmd, env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    print(f"prepare: {label} done in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)


def drop(data_dir: Path) -> None:
    prepared = load_prepared(data_dir)
    if prepared["database"] == "postgres":
        for name in (prepared["pg_name"], f"{prepared['pg_name']}_snap"):
            _pg_drop(prepared["pg_base_url"], name)
            print(f"dropped database {name}", file=sys.stderr)
    shutil.rmtree(data_dir)
    print(f"removed {data_dir}", file=sys.stderr)


def prepare(args: argparse.Namespace) -> dict:
    data_dir = Path(args.data_dir).resolve()
    if data_dir.exists() and any(data_dir.iterdir()):
        if not args.force:
            raise SystemExit(f"{data_dir} is not empty: pass --force to start again there")
        if (data_dir / "prepared.json").exists():
            drop(data_dir)
        else:
            raise SystemExit(f"{data_dir} was not made by prepare.py: remove it yourself")
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    started = time.monotonic()
    prepared: dict = {"database": args.database, "data_dir": str(data_dir)}
    if args.database == "sqlite":
        db_file = data_dir / "busbar.sqlite3"
        database_url = f"sqlite:///{db_file}"
        prepared["db_version"] = f"SQLite {sqlite3.sqlite_version}"
    else:
        name = args.pg_name or f"busbar_load_{dt.datetime.now():%Y%m%d_%H%M%S}"
        if not PG_NAME.match(name):
            raise SystemExit(f"--pg-name must match {PG_NAME.pattern}")
        prepared["db_version"] = _pg_create(args.pg_url, name, args.force)
        prepared.update(pg_base_url=args.pg_url, pg_name=name)
        database_url = _pg_url(args.pg_url, name)
    prepared["env"] = {
        "DJANGO_SETTINGS_MODULE": "busbar.settings",
        "DATABASE_URL": database_url,
        "BUSBAR_DATA_DIR": str(data_dir),
        "SECRET_KEY": secrets.token_urlsafe(50),
    }
    prepared["tokens"] = str(data_dir / "tokens.json")
    # Written first, so --drop and --force can clean up after a failed preparation.
    (data_dir / "prepared.json").write_text(json.dumps(prepared, indent=1))
    env = prepared_env(prepared)
    _run("migrate", [BUSBAR, "migrate", "--noinput"], env)
    _run("demo", [BUSBAR, "demo"], env)
    _run("collectstatic", [BUSBAR, "collectstatic", "--noinput"], env)
    seed_params = {
        "incidents": args.incidents,
        "extra_people": args.extra_people,
        "seed": args.seed,
        "tokens": prepared["tokens"],
    }
    print(f"prepare: history and tokens {seed_params | {'tokens': '…'}}", file=sys.stderr, flush=True)
    seed_env = prepared_env(prepared, BUSBAR_LOAD_SEED=json.dumps(seed_params))
    busbar_shell(HERE / "seed.py", seed_env, "busbar_load_seed", stdout=subprocess.DEVNULL)
    if args.database == "sqlite":
        with sqlite3.connect(db_file) as conn:
            conn.execute("ANALYZE")
    else:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    tokens = json.loads(Path(prepared["tokens"]).read_text())
    prepared["snapshot"] = snapshot(prepared)
    prepared.update(
        prepared_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        seconds=round(time.monotonic() - started, 1),
        incidents=args.incidents,
        extra_people=args.extra_people,
        seed=args.seed,
        history=tokens["history"],
        open_incidents=tokens["open_incidents"],
        token_count=len(tokens["tokens"]),
        token_kinds={
            k: sum(t["kind"] == k for t in tokens["tokens"]) for k in ("participant", "desk", "resolver")
        },
    )
    (data_dir / "prepared.json").write_text(json.dumps(prepared, indent=1))
    print(
        f"prepare: {args.database} ready in {prepared['seconds']} s: {data_dir} "
        f"({prepared['token_count']} tokens, {prepared['history']['raised']:,} history incidents)",
        file=sys.stderr,
    )
    return prepared


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"])
    parser.add_argument("--data-dir", help="where the database (SQLite), static files and tokens go")
    parser.add_argument("--incidents", type=int, default=2000, help="history incidents to add (2000)")
    parser.add_argument(
        "--extra-people",
        type=int,
        default=2,
        help="extra participant users (with tokens) per participant org (2)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432", help="server, no database")
    parser.add_argument("--pg-name", help="database name (default busbar_load_<timestamp>)")
    parser.add_argument("--force", action="store_true", help="start again in a data dir made by prepare.py")
    parser.add_argument("--drop", metavar="DATA_DIR", help="drop the database of DATA_DIR and remove it")
    args = parser.parse_args(argv)
    if args.drop:
        drop(Path(args.drop).resolve())
        return 0
    if not args.database or not args.data_dir:
        parser.error("--database and --data-dir are required")
    prepare(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
