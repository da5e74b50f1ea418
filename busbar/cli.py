"""The ``busbar`` command: serve, demo, worker, createadmin, datagen, and any Django management command."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import NoReturn

USAGE = """usage: busbar <command> [options]

commands:
  serve [--host H] [--port P] [--demo] [--dev] [--workers N] [--threads N]
                                                 migrate if needed and serve the web app
  demo                                           load the demo data set (safe to run twice)
  worker [db_worker options]                     run background tasks
  createadmin [--email E --name N --password P]  create a platform administrator
  backup [--out PATH]                            write the database and attachments to one archive
  restore PATH [--yes] [--verify-only] [--force] [--no-safety-backup]
                                                 verify an archive, then restore it (stop serve/worker first)
  totp EMAIL                                     print the current one-time code of a demo account
  datagen if021|if041 ...                        generate MHHS test messages (see busbar datagen --help)
  <django command> ...                           any Django management command, e.g. migrate, shell
"""


class Parser(argparse.ArgumentParser):
    """Argument errors in one line on stderr, exit status 2 (the usage is behind --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def fail(message: str) -> int:
    """Report a command's error as every busbar command does: one line on stderr, exit status 2."""
    print(f"busbar: {' '.join(str(message).split())}", file=sys.stderr)
    return 2


#: Busbar's own management commands: their errors are reported in one line (see :func:`_run`).
OWN_COMMANDS = ("demo", "worker", "totp", "createadmin", "backup", "restore")


def _run(command: str, rest: list[str]) -> int:
    """Run one of Busbar's own commands; a refusal (CommandError), a database that cannot be used or a
    file that cannot be read becomes one line on stderr and exit status 2, never a traceback."""
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import DatabaseError

    try:
        if command in ("demo", "worker", "createadmin"):
            _migrate_if_needed()
        call_command(command, *rest)
    except CommandError as exc:
        return fail(str(exc).removeprefix("Error: "))
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return fail(f"the database could not be used ({first}); run `busbar migrate` or check DATABASE_URL")
    except OSError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 130
    return 0


def _data_dir() -> Path:
    path = Path(os.environ.get("BUSBAR_DATA_DIR", Path.cwd() / "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _ensure_local_secret() -> None:
    """Without SECRET_KEY, keep a random one in the data directory so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return
    key_file = _data_dir() / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    os.environ["SECRET_KEY"] = key_file.read_text().strip()


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        print(f"busbar: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _migrate_if_needed() -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from busbar.core.server import wait_for_database

    wait_for_database(settings.BUSBAR_DB_WAIT_SECONDS)
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("Applying database migrations…")
        call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


def _collect_static_if_needed() -> None:
    """Collect static files unless the collected set is already this release's (a restart is faster)."""
    import hashlib

    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    stamp = Path(settings.STATIC_ROOT) / ".busbar-collected"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(digest.hexdigest())


def _use_served_url(host: str, port: int) -> None:
    """Without BUSBAR_SITE_URL, the site is where this server listens (--host, --port): printed links and
    emails use it, and so does ``busbar worker`` on the same data directory (it reads it from there)."""
    from busbar.lib.env import SERVED_URL_FILE, local_site_url

    if os.environ.get("BUSBAR_SITE_URL", "").strip():
        return
    url = local_site_url(host, port)
    os.environ["BUSBAR_SITE_URL"] = url
    (_data_dir() / SERVED_URL_FILE).write_text(url + "\n")


def serve(argv: list[str]) -> int:
    parser = Parser(prog="busbar serve", description="Serve the Busbar web app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--demo", action="store_true", help="load the demo data set first")
    parser.add_argument("--dev", action="store_true", help="development server with DEBUG on and auto-reload")
    parser.add_argument("--workers", type=int, help="worker processes (BUSBAR_WORKERS; 2 per core + 1)")
    parser.add_argument("--threads", type=int, help="threads per worker (BUSBAR_THREADS; default 4)")
    parser.add_argument(
        "--server",
        choices=["gunicorn", "waitress"],
        default="gunicorn",
        help="gunicorn (default); waitress, the single-process server, only for comparison",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error("--port must be between 1 and 65535")
    if args.dev:
        os.environ["BUSBAR_DEBUG"] = "true"
    for name, value in (("BUSBAR_WORKERS", args.workers), ("BUSBAR_THREADS", args.threads)):
        if value is not None:
            os.environ[name] = str(value)
    _ensure_local_secret()
    _use_served_url(args.host, args.port)
    _setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    _migrate_if_needed()
    if args.demo:
        call_command("demo")
    if args.dev:
        call_command("runserver", f"{args.host}:{args.port}")
        return 0
    _collect_static_if_needed()
    # The workers open their own connections; none may be inherited across the fork.
    connections.close_all()
    from busbar.core import server

    banner = (
        f"Busbar is serving at {settings.SITE_URL}/ (sign in at {settings.SITE_URL}/accounts/login/)  "
        f"({settings.BUSBAR_WORKERS} workers × {settings.BUSBAR_THREADS} threads; Ctrl+C to stop, "
        f"SIGHUP to reload)"
    )
    if args.server == "waitress":
        server.run_waitress(host=args.host, port=args.port, threads=8, banner=banner.split("  (")[0])
        return 0
    options = server.gunicorn_options(
        host=args.host,
        port=args.port,
        workers=settings.BUSBAR_WORKERS,
        threads=settings.BUSBAR_THREADS,
        data_dir=settings.DATA_DIR,
    )
    server.run_gunicorn(options, banner)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "datagen":
        from busbar.datagen.cli import main as datagen_main

        return datagen_main(rest)
    if command == "serve":
        return serve(rest)
    _ensure_local_secret()
    _setup()
    from django.core.management import execute_from_command_line, get_commands

    if command in OWN_COMMANDS:
        return _run(command, rest)
    if command not in get_commands():
        return fail(f"unknown command {command!r} (busbar --help lists the commands)")
    execute_from_command_line(["busbar", *argv])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
