"""Saved personal filters: a person saves a list's current filter under a name, sees it as a link above
that list, replaces it by saving the same name, and deletes it; nobody else sees, uses or deletes it; the
number, name and query are bounded; only the navigation's lists take them."""

import pytest

from busbar.accounts import actions
from busbar.accounts.models import SavedFilter
from busbar.audit.models import AuditEntry
from busbar.lib.actions import Actor, NotPermitted

pytestmark = pytest.mark.django_db


def _save(client, name: str, query: str = "queue=all&status=open&page=3", list_key: str = "incident_list"):
    return client.post("/profile/filters/", {"list_key": list_key, "name": name, "query_string": query})


def test_save_list_replace_and_delete(world) -> None:
    client = world.client(world.analyst)
    response = _save(client, "My open")
    assert response.status_code == 302 and response.url == "/incidents/?queue=all&status=open"
    saved = SavedFilter.objects.get(user=world.analyst)
    assert (saved.list_key, saved.name, saved.query_string) == (
        "incident_list",
        "My open",
        "queue=all&status=open",
    )
    html = client.get("/incidents/").content.decode()
    assert 'href="/incidents/?queue=all&amp;status=open">My open</a>' in html
    _save(client, "My open", "queue=breached")  # the same name: replaced, not doubled
    saved.refresh_from_db()
    assert saved.query_string == "queue=breached" and SavedFilter.objects.count() == 1
    response = client.post(f"/profile/filters/{saved.pk}/delete/")
    assert response.status_code == 302 and response.url == "/incidents/"
    assert not SavedFilter.objects.exists()
    assert list(
        AuditEntry.objects.filter(action__startswith="saved_filter")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["saved_filter.save", "saved_filter.save", "saved_filter.delete"]


def test_a_participant_saves_its_own_too(world) -> None:
    client = world.client(world.user_a)
    _save(client, "Ours open", "queue=ours&status=open")
    assert ">Ours open</a>" in client.get("/incidents/").content.decode()


def test_nobody_else_sees_or_deletes_it(world) -> None:
    _save(world.client(world.user_a), "Mine")
    saved = SavedFilter.objects.get()
    for user in (world.user_b, world.admin_a, world.analyst, world.platform_admin):
        client = world.client(user)
        assert ">Mine</a>" not in client.get("/incidents/").content.decode()
        assert client.post(f"/profile/filters/{saved.pk}/delete/").status_code == 404
    with pytest.raises(NotPermitted):
        actions.delete_filter(actor=Actor(user=world.user_b, organisation=world.org_b), saved=saved)
    assert world.client(None).post(f"/profile/filters/{saved.pk}/delete/").status_code == 302
    assert world.client(world.user_a).get(f"/profile/filters/{saved.pk}/delete/").status_code == 405
    assert SavedFilter.objects.filter(pk=saved.pk).exists()


def test_bounds_and_bad_input(world) -> None:
    client = world.client(world.analyst)
    response = client.post(
        "/profile/filters/", {"list_key": "incident_list", "name": "   ", "query_string": "q=x"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["name: Give the filter a name"]
    assert response.redirect_chain == [("/incidents/?q=x", 302)]
    assert not SavedFilter.objects.exists()
    assert _save(client, "x" * 61).status_code == 302 and not SavedFilter.objects.exists()
    assert _save(client, "ok", "q=" + "a" * 1200).status_code == 302 and not SavedFilter.objects.exists()
    response = _save(client, "ok", list_key="logout")
    assert response.status_code == 400 and b"list_key" in response.content
    for n in range(actions.MAX_SAVED_FILTERS):
        _save(client, f"Filter {n}")
    response = client.post(
        "/profile/filters/",
        {"list_key": "incident_list", "name": "One too many", "query_string": "queue=all"},
        follow=True,
    )
    assert any("delete one first" in str(m) for m in response.context["messages"])
    assert SavedFilter.objects.count() == actions.MAX_SAVED_FILTERS


def test_bad_list_and_bad_name_together_or_a_line_break_never_fail_the_server(world) -> None:
    client = world.client(world.analyst)
    response = client.post("/profile/filters/", {"list_key": "bogus", "name": "", "query_string": "q=x"})
    assert response.status_code == 400 and b"list_key" in response.content
    response = client.post(
        "/profile/filters/", {"list_key": "incident_list", "name": "", "query_string": "q=a\r\nX-Evil: 1"}
    )
    assert response.status_code == 302
    assert "\n" not in response["Location"] and "\r" not in response["Location"]
    assert response["Location"].startswith("/incidents/?")
