"""The ``busbar`` command: serve, demo, worker, createadmin, datagen, and any Django management command."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

USAGE = """usage: busbar <command> [options]

commands:
  serve [--host H] [--port P] [--demo] [--dev]   migrate if needed and serve the web app
  demo                                           load the demo data set (safe to run twice)
  worker [db_worker options]                     run background tasks
  createadmin [--email E --name N --password P]  create a platform administrator
  totp EMAIL                                     print the current one-time code of a demo account
  datagen if021|if041 ...                        generate MHHS test messages (see busbar datagen --help)
  <django command> ...                           any Django management command, e.g. migrate, shell
"""


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
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("Applying database migrations…")
        call_command("migrate", interactive=False, verbosity=0)


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="busbar serve", description="Serve the Busbar web app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--demo", action="store_true", help="load the demo data set first")
    parser.add_argument("--dev", action="store_true", help="development server with DEBUG on and auto-reload")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    if args.dev:
        os.environ["BUSBAR_DEBUG"] = "true"
    _ensure_local_secret()
    os.environ.setdefault("BUSBAR_SITE_URL", f"http://{args.host}:{args.port}")
    _setup()
    from django.core.management import call_command

    _migrate_if_needed()
    if args.demo:
        call_command("demo")
    if args.dev:
        call_command("runserver", f"{args.host}:{args.port}")
        return 0
    call_command("collectstatic", interactive=False, verbosity=0)
    from waitress import serve as waitress_serve

    from busbar.wsgi import application

    print(f"Busbar is serving at http://{args.host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    from django.conf import settings

    waitress_serve(
        application,
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="Busbar",
        # Refuse bodies far beyond the attachment limit before they are read into memory.
        max_request_body_size=2 * settings.BUSBAR_ATTACHMENT_MAX_BYTES + 1024 * 1024,
    )
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
    from django.core.management import call_command, execute_from_command_line

    if command == "demo":
        _migrate_if_needed()
        call_command("demo", *rest)
    elif command == "worker":
        _migrate_if_needed()
        call_command("worker", *rest)
    elif command == "totp":
        call_command("totp", *rest)
    elif command == "createadmin":
        _migrate_if_needed()
        call_command("createadmin", *rest)
    else:
        execute_from_command_line(["busbar", *argv])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
