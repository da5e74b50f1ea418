"""Demo qualification and MPAN migration (``busbar serve --demo``, issue 16 item 8), loaded after the core,
testing and programme demos for the programme ``mhhs``:

* a 12-month qualification window run by three code bodies (Elexon, RECCo, SECAS), three tranches with
  capacities, twelve entrants (the five demo suppliers and seven agents): tranche 1 qualified or
  qualifying, Kestrel exempt through SIT, the rest allocated "as ready" three months ago — so Harbour's
  million MPANs land in tranche 3, after the risk cut-off (R525), until someone commits another policy;
* segment windows (migration started about six months ago, M14 four months ahead, M15 ten), thresholds
  with effective dates (Eastern's cap superseded by a lower one the plans breach tomorrow);
* migration plans for the five suppliers per segment, distributor and agent;
* a ledger of 2,000,000 MPANs (``BUSBAR_DEMO_MPANS``) with six months of daily events keeping to the
  plans, generated with numpy and bulk-inserted (:mod:`.ledger`); today's files loaded through the real
  load action (:mod:`.files`): one applied, one with rejected lines and exceptions, one rejected;
* exceptions (failed migrations, a reverse migration refused after the Unmetered cut-off, MPANs with no
  agent) and cleanse items with readings and targets (Harbour's address mismatches off track).

Every date is relative to the day the demo loads. Loading twice changes nothing: the programme's
qualification window is the guard."""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.utils import timezone

from busbar.migration.demo import data

__all__ = ["load", "demo_mpans"]


def demo_mpans() -> int:
    """How many MPANs the demo ledger holds: the setting or environment variable ``BUSBAR_DEMO_MPANS``
    (default 2,000,000; bounded)."""
    value = getattr(settings, "BUSBAR_DEMO_MPANS", None) or os.environ.get("BUSBAR_DEMO_MPANS")
    try:
        number = int(value) if value not in (None, "") else data.DEFAULT_MPANS
    except (TypeError, ValueError):
        number = data.DEFAULT_MPANS
    return min(max(number, data.MIN_MPANS), data.MAX_MPANS)


def load(ctx, *, mpans: int | None = None) -> None:
    from busbar.migration.demo import files, world
    from busbar.migration.demo.ledger import generate, write
    from busbar.migration.models import QualificationWindow
    from busbar.parties.models import Organisation
    from busbar.testing.models import Programme

    programme = Programme.objects.filter(code="mhhs").first()
    if programme is None:
        ctx.lines.append("No demo programme MHHS: the migration demo is skipped.")
        return
    if QualificationWindow.objects.filter(programme=programme).exists():
        ctx.lines.append("Demo qualification and migration (MHHS) already present: left as it is.")
        return
    started = time.perf_counter()
    total = min(max(int(mpans), data.MIN_MPANS), data.MAX_MPANS) if mpans else demo_mpans()
    demo = world.Demo(ctx=ctx, programme=programme, today=timezone.localdate(), scale=total / data.FULL)
    people = world.parties(demo)
    world.choose_milestones(demo)
    world.segment_windows(demo)

    led = generate(today=demo.today, scale=demo.scale, windows=world.plan_windows(demo))
    portfolios: dict[str, dict[str, int]] = {}
    for g in led.groups:
        portfolios.setdefault(g.supplier, {})[g.segment] = g.n
    qualification = world.qualification(demo, portfolios)
    cap, old_cap, tomorrow = world.bump_tomorrow(demo, led)
    slugs = set(led.suppliers) | set(led.agents)
    ids = dict(Organisation.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    supplier_ids = {s: ids[s] for s in led.suppliers}
    agent_ids = {a: ids[a] for a in led.agents}
    lines = world.plans(demo, led, supplier_ids, agent_ids)
    world.thresholds(demo, led, cap, old_cap)
    generated = time.perf_counter()
    written = write(led, supplier_ids=supplier_ids, agent_ids=agent_ids)
    bulk = time.perf_counter() - generated
    loads = files.todays_files(demo, led, supplier_ids, agent_ids)
    exceptions = files.past_exceptions(demo, led, agent_ids)
    cutover = world.unmetered_cutover(demo)
    cleanse = world.cleanse(demo)
    m = {code: demo.date(days) for code, days in demo.milestones.items()}
    source = "the programme's plan" if demo.from_plan else "set relative to today"
    ctx.lines += [
        "",
        f"Qualification and migration (MHHS) at /migration/ — loaded in "
        f"{time.perf_counter() - started:.1f} s (ledger bulk insert {bulk:.1f} s):",
        *(f"  {line}" for line in qualification),
        f"  Segment windows ({source}): Advanced and Unmetered from M11 {m['M11']:%d %b %Y}, Smart and "
        f"Non-smart from M12 {m['M12']:%d %b %Y}; M14 {m['M14']:%d %b %Y} (Unmetered reverse migration "
        f"closed early); M15 {m['M15']:%d %b %Y}.",
        f"  {len(demo.plans)} migration plans for five suppliers ({lines:,} lines); the Eastern DNO cap "
        f"({cap:,} a day, distributor 10) is breached tomorrow by {tomorrow - cap:,} MPANs.",
        f"  Ledger: {written['mpans']:,} MPANs, {written['events']:,} events over six months, "
        f"{written['progress']:,} daily aggregates. Today's files:",
        *loads,
        "  Exceptions:",
        *exceptions,
        f"  {cutover}",
        f"  {cleanse} cleanse items with weekly readings and targets (Harbour's address mismatches are off "
        "track).",
        "Migration people (participant users, no second factor, the demo's password):",
        *people,
        *(f"  {email.ljust(32)} {what}" for email, what in data.LOGINS),
    ]
