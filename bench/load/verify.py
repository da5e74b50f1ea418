"""Find the load test's writes in the database (run by loadgen.py inside ``busbar shell -c``).

Every write the load generator attempts carries a unique marker ``lt-<run>-<user>-<n>`` at the start of
the incident summary or the update body. This lists each row that carries one of this run's markers, so
loadgen.py can check that an acknowledged write is there exactly once and an unacknowledged one at most
once. Parameters: JSON in ``BUSBAR_LOAD_VERIFY`` (``prefix``, ``out``: where the JSON answer goes).
"""

from __future__ import annotations

import json
import os

from busbar.incidents.models import Incident
from busbar.records.models import Entry as Update


def main() -> None:
    params = json.loads(os.environ["BUSBAR_LOAD_VERIFY"])
    prefix = params["prefix"]
    incidents = [
        {"marker": summary.split(" ", 1)[0], "reference": reference}
        for summary, reference in Incident.objects.filter(summary__startswith=prefix).values_list(
            "summary", "reference"
        )
    ]
    updates = [
        {"marker": body.split(" ", 1)[0], "id": pk, "reference": reference}
        for body, pk, reference in Update.objects.filter(body__startswith=prefix).values_list(
            "body", "pk", "record__reference"
        )
    ]
    with open(params["out"], "w") as fh:
        json.dump({"incidents": incidents, "updates": updates}, fh)


if __name__ == "busbar_load_verify":
    main()
