"""MHHS test data: IF-021 half-hourly consumption and IF-041 register readings as DIP messages.

Usable as a library (no database, no Django)::

    from busbar.datagen import generate
    summary = generate("IF-021", "day.jsonl", mpans=1000, start=date(2025, 10, 26), days=1, seed=1)

or from the command line: ``busbar datagen if021 --mpans 1000 --from 2025-10-26 --out day.jsonl``.
See docs/datagen.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

__all__ = ["generate"]


def generate(
    interface: str,
    out: str | Path,
    *,
    mpans: int = 10,
    start: dt.date,
    days: int = 1,
    seed: int = 1,
    quantities: tuple[str, ...] = ("AI", "AE"),
    fmt: str = "jsonl",
    workers: int | None = None,
    **options,
):
    """Generate random test data into ``out``; the keyword options are those of the command line.

    ``options``: estimated, zero, missing (shares), mix (profile weights), days_per_message, per_submission,
    compress, invalid_share, invalid_cases, env_tag, sub_text, sender_dip_id, sender_role.
    Returns an :class:`busbar.datagen.engine.Summary`. Raises ValueError for bad options.
    """
    from . import engine, gbtime, model, render

    settings = model.Settings(
        seed=seed,
        quantities=tuple(quantities),
        mix=options.pop("mix", dict(model.DEFAULT_MIX)),
        estimated=options.pop("estimated", 0.02),
        zero=options.pop("zero", 0.01),
        missing=options.pop("missing", 0.0),
    )
    env_keys = {"env_tag", "sub_text", "sender_dip_id", "sender_role"}
    env = render.Envelope(
        run_tag=render.run_tag(interface, seed, start, days, mpans, quantities, settings, options),
        **{k: options.pop(k) for k in list(options) if k in env_keys},
    )
    job = engine.Job(
        interface=interface, settings=settings, meters=mpans, first_day=gbtime.absday(start), days=days,
        env=env, fmt=fmt, **options,
    )  # fmt: skip
    return engine.run(job, Path(out), workers=workers, progress=False)
