"""The migration world builds, and each persona's viewer is what the rules say."""

from __future__ import annotations

import pytest

from busbar.migration import queries

pytestmark = pytest.mark.django_db


def test_viewers_per_persona(m) -> None:
    si = queries.viewer(m.si)
    assert si.manages_programme(m.programme.pk) and si.reads_all
    assurer = queries.viewer(m.assurer)
    assert assurer.reads_all and not assurer.manages_any
    assert queries.viewer(m.code_body_user).is_code_body_of(m.window.pk)
    assert queries.viewer(m.dno).distributors == frozenset({"10"})
    alpha = queries.viewer(m.world.user_a)
    assert not alpha.reads_all and not alpha.manages_any
    assert list(queries.entrants_visible_to(m.world.user_a)) == [m.alpha]
    assert set(queries.entrants_visible_to(m.code_body_user)) == {m.alpha, m.bravo, m.delta}
    assert not queries.entrants_visible_to(m.world.resolver).exists()
