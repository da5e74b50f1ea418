"""The change world builds with every state the tests rely on."""

from busbar.changes.models import ChangeService, ChangeStatus


def test_fixture_states(chg):
    assert chg.draft.status == ChangeStatus.DRAFT
    assert chg.accepted.status == ChangeStatus.ACCEPTED
    assert chg.live.status == ChangeStatus.IN_PROGRESS
    assert chg.draft.reference.startswith("CHG")
    assert ChangeService.objects.get(change=chg.accepted).status == ChangeStatus.ACCEPTED
