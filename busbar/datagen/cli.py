"""``busbar datagen``: MHHS test data as IF-021 and IF-041 DIP messages.

    busbar datagen if021 --mpans 1000 --from 2025-10-26 --days 1 --out day.jsonl
    busbar datagen if041 --mpans 1000 --from 2025-10-26 --days 1 --out reads.jsonl
    busbar datagen if021 --csv examples/consumption.csv --out from-csv.jsonl

See docs/datagen.md. No database and no Django: this runs anywhere the package is installed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

from . import codes, engine, gbtime, invalid, model, render

EXT = {"jsonl": ".jsonl", "json": ".json", "csv": ".csv", "parquet": ".parquet"}


class UsageError(ValueError):
    pass


def _share(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a share: {text!r} (use e.g. 0.02 or 2%%)") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a share is between 0 and 1 (or 0%% and 100%%), got {text}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    if not gbtime.FIRST_YEAR <= day.year <= gbtime.LAST_YEAR:
        raise argparse.ArgumentTypeError(f"dates from {gbtime.FIRST_YEAR} to {gbtime.LAST_YEAR}, got {text}")
    return day


def _quantities(text: str) -> tuple[str, ...]:
    items = [q.strip().upper() for q in text.split(",") if q.strip()]
    bad = [q for q in items if q not in codes.QUANTITIES]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"quantities are {', '.join(codes.QUANTITIES)}; got {text!r}")
    return tuple(q for q in codes.QUANTITIES if q in items)


def _mix(text: str) -> dict[str, float]:
    mix: dict[str, float] = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        name = name.strip()
        if name not in model.PROFILES:
            raise argparse.ArgumentTypeError(f"profiles are {', '.join(model.PROFILES)}; got {name!r}")
        try:
            mix[name] = float(weight)
        except ValueError:
            raise argparse.ArgumentTypeError(f"weight for {name} is not a number: {weight!r}") from None
        if mix[name] < 0:
            raise argparse.ArgumentTypeError(f"weight for {name} is negative")
    return mix


def _dip_id(text: str) -> str:
    if not re.fullmatch(r"[0-9a-fA-F]{10}", text):
        raise argparse.ArgumentTypeError(
            "a DIP ID is 10 characters (DT-006), hexadecimal to fit senderUniqueReference (DT-995)"
        )
    return text


def _role(text: str) -> str:
    if not re.fullmatch(r"[A-Z]{3,5}", text):
        raise argparse.ArgumentTypeError("a DIP role is 3 to 5 upper-case letters, e.g. SDS, ADS, UMSDS")
    return text


def _cases(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in invalid.CASES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown case {', '.join(unknown) or text!r}; see --list-invalid-cases"
        )
    return names


class _Parser(argparse.ArgumentParser):
    """A usage error in one line on stderr, exit status 2 (the usage itself is behind --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="busbar datagen",
        description="MHHS test data as DIP messages: IF-021 half-hourly consumption, IF-041 register reads.",
        epilog="Same arguments and seed give byte-identical output. See docs/datagen.md.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{if021,if041}")
    for name, interface, help_text in (
        ("if021", "IF-021", "UTC settlement period consumption (period consumption)"),
        ("if041", "IF-041", "cumulative register readings, consistent with IF-021 for the same seed"),
    ):
        p = sub.add_parser(name, help=help_text, description=f"{interface}: {help_text}.")
        p.set_defaults(interface=interface)
        g = p.add_argument_group("what to generate")
        g.add_argument("--mpans", type=_positive, metavar="N", help="number of metering points (default 10)")
        g.add_argument(
            "--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="first UTC settlement day"
        )
        g.add_argument("--days", type=_positive, metavar="D", help="number of days (default 1)")
        g.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
        g.add_argument(
            "--quantity",
            type=_quantities,
            default=None,
            metavar="Q[,Q]",
            help="measurement quantities among AI, AE, RI, RE (default AI,AE; IF-041: AI and/or AE)",
        )
        g.add_argument(
            "--mix",
            type=_mix,
            default=None,
            metavar="PROFILE=W,...",
            help=f"portfolio mix by weight; profiles {', '.join(model.PROFILES)} "
            f"(default {','.join(f'{k}={v}' for k, v in model.DEFAULT_MIX.items())})",
        )
        g.add_argument(
            "--estimated",
            type=_share,
            default=0.02,
            metavar="SHARE",
            help="share of meter-days with estimated periods (default 0.02)",
        )
        g.add_argument(
            "--zero",
            type=_share,
            default=0.01,
            metavar="SHARE",
            help="share of zero periods: de-energised, disabled, vacant (default 0.01)",
        )
        g.add_argument(
            "--missing",
            type=_share,
            default=0.0,
            metavar="SHARE",
            help="share of meter-days not delivered (default 0)",
        )
        g.add_argument("--csv", type=Path, metavar="INPUT", help="take consumption from a CSV (see docs)")
        g.add_argument("--allow-negative", action="store_true", help="accept negative kWh in --csv")
        if name == "if021":
            g.add_argument(
                "--days-per-message",
                type=_positive,
                default=1,
                metavar="K",
                help="settlement days per IF-021 message, up to 200 (default 1)",
            )
        e = p.add_argument_group("message envelope")
        e.add_argument(
            "--env-tag", choices=codes.ENV_TAGS, default="DEV", help="S1 environmentTag (default DEV)"
        )
        e.add_argument(
            "--sub-text", default="busbar datagen", metavar="TEXT", help="S1 subText ('' for null)"
        )
        e.add_argument(
            "--sender-dip-id",
            type=_dip_id,
            default="9000000001",
            metavar="ID",
            help="S1 senderDIPID and B044 data service (default 9000000001)",
        )
        e.add_argument(
            "--sender-role",
            type=_role,
            default=None,
            metavar="ROLE",
            help="S1 senderRoleID (default: SDS, ADS or UMSDS by market segment)",
        )
        e.add_argument(
            "--per-submission",
            type=_positive,
            default=1,
            metavar="N",
            help="messages per submission, i.e. per JSONL line (default 1)",
        )
        o = p.add_argument_group("output")
        o.add_argument(
            "--out",
            type=Path,
            metavar="PATH",
            help="output file, - for stdout (default <command>-<from>.<ext>)",
        )
        o.add_argument(
            "--format",
            choices=engine.FORMATS,
            default="jsonl",
            help="jsonl (default): one submission per line; json; csv or parquet of flat readings",
        )
        o.add_argument("--gzip", action="store_true", help="gzip the output (adds .gz to the default name)")
        o.add_argument("--workers", type=_positive, metavar="N", help="processes (default: all cores)")
        o.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="progress bar (default: when stderr is a terminal)",
        )
        o.add_argument("--quiet", action="store_true", help="no summary line")
        n = p.add_argument_group("negative test data")
        n.add_argument(
            "--invalid",
            type=_share,
            default=0.0,
            metavar="SHARE",
            help="share of messages to make invalid on purpose, listed in <out>.manifest.jsonl",
        )
        n.add_argument(
            "--invalid-cases",
            type=_cases,
            default=None,
            metavar="NAME,...",
            help="which cases to use (default: all for the interface)",
        )
        n.add_argument("--list-invalid-cases", action="store_true", help="list the cases and exit")
    return parser


def _run_tag(args: argparse.Namespace, csv_digest: str) -> str:
    return render.run_tag(
        args.interface, args.seed, args.start, args.days, args.mpans, args.quantity, args.mix, args.estimated,
        args.zero, args.missing, csv_digest, getattr(args, "days_per_message", 1),
    )  # fmt: skip


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _list_cases(interface: str) -> None:
    for name in invalid.for_interface(interface):
        c = invalid.CASES[name]
        what = f"rule {c.rule}" if c.kind == "rule" else "schema"
        print(f"{name:26} {what:28} {c.description}")


def _job(args: argparse.Namespace) -> tuple[engine.Job, Path]:
    if args.csv is not None:
        for flag, value in (("--mpans", args.mpans), ("--from", args.start), ("--days", args.days)):
            if value is not None:
                raise UsageError(f"{flag} does not apply with --csv: the CSV gives the MPANs and days")
        if args.mix is not None:
            raise UsageError("--mix does not apply with --csv")
        if not args.csv.is_file():
            raise UsageError(f"--csv {args.csv}: no such file")
    elif args.start is None:
        raise UsageError("--from YYYY-MM-DD is required (or give --csv)")
    if args.invalid_cases and not args.invalid:
        raise UsageError("--invalid-cases needs --invalid SHARE")
    quantities = args.quantity or (
        ("AI", "AE") if args.csv is None or args.interface == "IF-041" else codes.QUANTITIES
    )
    if args.invalid_cases:
        wrong = [n for n in args.invalid_cases if args.interface not in invalid.CASES[n].interfaces]
        if wrong:
            raise UsageError(f"case(s) {', '.join(wrong)} do not apply to {args.interface}")
    settings = model.Settings(
        seed=args.seed,
        quantities=quantities,
        mix=args.mix or dict(model.DEFAULT_MIX),
        estimated=args.estimated,
        zero=args.zero,
        missing=args.missing,
    )
    digest = _file_digest(args.csv) if args.csv is not None else ""
    env = render.Envelope(
        env_tag=args.env_tag,
        sub_text=args.sub_text or None,
        sender_dip_id=args.sender_dip_id,
        sender_role=args.sender_role,
        run_tag=_run_tag(args, digest),
    )
    start = args.start or dt.date(2000, 1, 1)
    job = engine.Job(
        interface=args.interface,
        settings=settings,
        meters=args.mpans or 10,
        first_day=gbtime.absday(start),
        days=args.days or 1,
        env=env,
        days_per_message=getattr(args, "days_per_message", 1),
        per_submission=args.per_submission,
        fmt=args.format,
        compress=args.gzip,
        invalid_share=args.invalid,
        invalid_cases=args.invalid_cases or (),
    )
    out = args.out
    if out is None:
        stem = args.csv.stem if args.csv is not None else start.isoformat()
        out = Path(f"{args.command}-{stem}{EXT[args.format]}{'.gz' if args.gzip else ''}")
    if str(out) == "-" and args.invalid:
        raise UsageError("--invalid writes a manifest next to the output: give --out a file")
    if out.is_dir():
        raise UsageError(f"--out {out} is a directory")
    if str(out) != "-" and not out.parent.exists():
        raise UsageError(f"--out {out}: folder {out.parent} does not exist")
    return job, out


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors itself, with exit code 2
        return int(exc.code or 0)
    if args.list_invalid_cases:
        _list_cases(args.interface)
        return 0
    try:
        job, out = _job(args)
        if args.csv is not None:
            from . import csvjob

            default_q = args.quantity[0] if args.quantity and len(args.quantity) == 1 else "AI"
            summary = csvjob.run(job, args.csv, out, args.allow_negative, default_q, args.progress)
        else:
            summary = engine.run(job, out, args.workers, args.progress)
    except ValueError as exc:  # usage errors, CSV errors (with line and column), bad option values
        print(f"busbar datagen: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. --out - | head: the reader has what it wanted
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(
            f"busbar datagen: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("busbar datagen: interrupted; no output written", file=sys.stderr)
        return 130
    if not args.quiet:
        rate = summary.messages / summary.seconds if summary.seconds > 0 else 0.0
        what = _count(summary.submissions, "submission") + ", " if job.fmt in ("jsonl", "json") else ""
        print(
            f"{job.interface}: {what}{_count(summary.messages, 'message')}, {summary.bytes / 1e6:,.1f} MB "
            f"-> {out} in {summary.seconds:.1f} s ({rate:,.0f} messages/s)",
            file=sys.stderr,
        )
        if summary.manifest is not None:
            print(f"{summary.invalid:,} invalid messages listed in {summary.manifest}", file=sys.stderr)
        for note in summary.notes:
            print(f"note: {note}", file=sys.stderr)
    return 0
