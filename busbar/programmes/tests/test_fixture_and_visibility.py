"""The shared fixture builds, and the core visibility rules hold for each persona."""

from busbar.programmes import queries


def test_private_raid_seen_by_office_assurer_and_owner_only(gov) -> None:
    def refs(user):
        return sorted(queries.raid_visible_to(user).values_list("number", flat=True))

    assert refs(gov.office) == [1, 2, 3, 4]
    assert refs(gov.assurer) == [1, 2, 3, 4]
    assert refs(gov.alpha) == [1, 2, 4]
    assert refs(gov.bravo) == [1, 3, 4]
    assert refs(gov.si) == [1, 4]
    assert refs(gov.desk) == [1, 4]
    assert refs(gov.outsider) == []


def test_programme_visible_to_participants_not_outsiders(gov) -> None:
    for user in (gov.office, gov.assurer, gov.alpha, gov.bravo, gov.si, gov.desk):
        assert queries.sees_programme(user, gov.programme.pk), user
    assert not queries.sees_programme(gov.outsider, gov.programme.pk)


def test_impact_responses_own_only(gov) -> None:
    assert queries.responses_visible_to(gov.alpha).count() == 1
    assert queries.responses_visible_to(gov.bravo).count() == 0
    assert queries.responses_visible_to(gov.office).count() == 1
    assert queries.responses_visible_to(gov.assurer).count() == 1
