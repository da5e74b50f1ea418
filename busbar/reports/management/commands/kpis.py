"""``busbar kpis rebuild`` recomputes every incident's KPI facts and the monthly aggregates from the
incidents' clock logs; ``busbar kpis check`` recomputes the aggregates from the facts and compares them with
the kept ones (exit status 1 and the differences when they disagree)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Rebuild the KPI facts and aggregates (rebuild), or check the kept aggregates (check)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "check"])

    def handle(self, *args: object, **opts: object) -> None:
        from busbar.reports import aggregates, facts

        started = time.monotonic()
        if opts["action"] == "rebuild":
            count = facts.rebuild_all()
            self.stdout.write(
                f"Rebuilt the KPI facts of {count} incidents in {time.monotonic() - started:.1f} s"
            )
            return
        problems = aggregates.differences()
        if problems:
            for line in problems[:50]:
                self.stderr.write(line)
            more = " (first 50 shown)" if len(problems) > 50 else ""
            raise CommandError(
                f"{len(problems)} monthly aggregate rows differ from a full recomputation{more}; "
                "run `busbar kpis rebuild`"
            )
        self.stdout.write(
            f"The KPI aggregates equal a full recomputation ({time.monotonic() - started:.1f} s)"
        )
