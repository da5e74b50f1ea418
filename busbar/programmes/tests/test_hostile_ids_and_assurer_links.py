"""Found in review: a 23-digit id in a multiple choice is a form error, never a 500; an assurer (read only)
cannot link a RAID item or a change request to another record, while the office can."""

import pytest

from busbar.records.models import Link

pytestmark = pytest.mark.django_db
BIG = "99999999999999999999999"


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/programmes/mhhs/actions/TMAG18-01/edit/", {"edit-description": "d", "edit-owner_people": BIG}),
        ("/programmes/mhhs/plan/tasks/", {"task-name": "n", "task-ref": "T1", "task-involved": BIG}),
    ],
)
def test_huge_id_in_a_multiple_choice_is_a_form_error(gov, url, data) -> None:
    client = gov.client(gov.office)
    client.raise_request_exception = False
    response = client.post(url, data)
    assert 400 <= response.status_code < 500
    assert "is not a valid value" in response.content.decode()


@pytest.mark.parametrize("who", ["assurer", "desk", "bravo"])
def test_readers_cannot_link_governance_records(gov, who) -> None:
    before = Link.objects.count()
    for source, target in ((gov.r1, gov.cr1), (gov.cr1, gov.r1)):
        gov.client(getattr(gov, who)).post(
            f"/records/{source.reference}/links/", {"target": target.reference, "kind": "related_to"}
        )
    assert Link.objects.count() == before


def test_the_office_links_a_raid_item_to_a_change_request(gov) -> None:
    response = gov.client(gov.office).post(
        f"/records/{gov.r1.reference}/links/", {"target": gov.cr1.reference, "kind": "related_to"}
    )
    assert response.status_code == 302
    assert Link.objects.filter(source=gov.r1.record, target=gov.cr1.record).exists()
