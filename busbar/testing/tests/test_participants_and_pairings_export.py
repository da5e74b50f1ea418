"""The participants page exports its participations and its pairings (with their history) as CSV and XLSX, to
everyone who sees the phase; an organisation outside the programme gets a 404."""

from __future__ import annotations

from busbar.testing.actions import setup as actions
from busbar.testing.tests.conftest import actor_for


def test_participations_and_pairings_export(prog):
    actions.pair(actor=actor_for(prog.si), phase=prog.phase, supplier=prog.part_a, agent=prog.part_agent)
    url = f"/testing/{prog.programme.code}/{prog.phase.code}/participants/"
    for user in (prog.si, prog.world.user_b, prog.assurer, prog.world.analyst):
        csv = b"".join(prog.client(user).get(url + "?format=csv").streaming_content).decode()
        assert csv.lstrip("\ufeff").splitlines()[0].startswith("Cohort,Organisation,Role")
        assert "Alpha Energy" in csv and "Bravo Energy" in csv and "Meter Agent Co" in csv
        pairs = b"".join(prog.client(user).get(url + "?format=csv&list=pairings").streaming_content).decode()
        assert "Alpha Energy,Meter Agent Co" in pairs
    xlsx = prog.client(prog.si).get(url + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert prog.client(prog.si).get(url + "?format=pdf").status_code == 400
    assert prog.client(prog.world.resolver).get(url + "?format=csv").status_code == 404
