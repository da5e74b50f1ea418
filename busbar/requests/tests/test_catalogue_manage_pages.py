"""The operator's catalogue editor: operations managers (and platform administrators) list every item
(retired too), add and edit items, replace questions, approvals and tasks with repeated-row forms that
work without JavaScript, retire and restore; analysts, resolvers, participants and administrators get
403, anonymous is sent to sign in. A refused row is shown on that row, nothing written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from busbar.audit.models import AuditEntry
from busbar.requests.models import CatalogueItem

pytestmark = pytest.mark.django_db


def pages(r) -> list[str]:
    slug = r.info.slug
    return [
        reverse("catalogue_manage"),
        reverse("catalogue_new"),
        reverse("catalogue_edit", args=[slug]),
        reverse("catalogue_fields", args=[slug]),
        reverse("catalogue_approvals", args=[slug]),
        reverse("catalogue_tasks", args=[slug]),
    ]


def test_operator_reads_every_page_others_403_anonymous_to_sign_in(r) -> None:
    w = r.world
    CatalogueItem.objects.filter(pk=r.redirect.pk).update(is_active=False)
    for user in (w.ops, w.platform_admin):
        for url in pages(r):
            assert r.client(user).get(url).status_code == 200, (user, url)
    listing = r.client(w.ops).get(reverse("catalogue_manage")).content.decode()
    assert "Access to UK Link" in listing and "Retired" in listing
    for user in (w.analyst, w.resolver, w.user_a, w.admin_a, r.dcc):
        for url in pages(r):
            assert r.client(user).get(url).status_code == 403, (user, url)
        assert r.client(user).post(reverse("catalogue_active", args=[r.info.slug])).status_code == 403
    for url in pages(r):
        response = r.client(None).get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert CatalogueItem.objects.get(pk=r.info.pk).is_active


def test_catalogue_link_to_the_editor_only_for_the_operator(r) -> None:
    assert reverse("catalogue_manage") in r.client(r.world.ops).get(reverse("catalogue")).content.decode()
    assert (
        reverse("catalogue_manage")
        not in r.client(r.world.analyst).get(reverse("catalogue")).content.decode()
    )


def item_post(**overrides) -> dict:
    data = {
        "name": "Data extract",
        "slug": "",
        "category": "Data",
        "summary": "Your switching data",
        "description": "",
        "kind": "request",
        "audience": "participants",
        "redirect_text": "",
        "redirect_url": "",
        "fulfilment": "",
        "sla_policy": "",
        "priority": "",
        "service": "",
        "order": "100",
    }
    data.update(overrides)
    return data


def test_add_and_edit_an_item(r) -> None:
    client = r.client(r.world.ops)
    response = client.post(
        reverse("catalogue_new"),
        item_post(industry_roles=["energy_supplier"], sla_policy=r.info.sla_policy_id, priority="P2"),
    )
    item = CatalogueItem.objects.get(slug="data-extract")
    assert response.status_code == 302 and response["Location"] == reverse("catalogue_edit", args=[item.slug])
    assert item.industry_roles == ["energy_supplier"] and item.priority == "P2"
    assert AuditEntry.objects.filter(action="catalogue.create", record_id=str(item.pk)).exists()
    edited = client.post(
        reverse("catalogue_edit", args=[item.slug]),
        item_post(summary="Switches and rejections", sla_policy=r.info.sla_policy_id, priority="P2"),
    )
    assert edited.status_code == 302
    item.refresh_from_db()
    assert item.summary == "Switches and rejections" and item.industry_roles == []
    assert AuditEntry.objects.filter(action="catalogue.update", record_id=str(item.pk)).exists()


def test_bad_item_shows_the_field_error(r) -> None:
    client = r.client(r.world.ops)
    taken = client.post(reverse("catalogue_new"), item_post(name="Information request"))
    assert taken.status_code == 409 and "already exists" in taken.content.decode()
    redirect = client.post(reverse("catalogue_new"), item_post(kind="redirect"))
    assert redirect.status_code == 422 and "give the text" in redirect.content.decode()
    priority = client.post(reverse("catalogue_new"), item_post(sla_policy=r.info.sla_policy_id, priority=""))
    assert priority.status_code == 422 and "P1, P2, P3, P4" in priority.content.decode()
    assert not CatalogueItem.objects.filter(name="Data extract").exists()


def rows(prefix: str, forms: list[dict], total: int | None = None) -> dict:
    total = len(forms) if total is None else total
    data = {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}
    for index, form in enumerate(forms):
        for key, value in form.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def test_questions_editor_replaces_fields_in_order(r) -> None:
    client = r.client(r.world.ops)
    url = reverse("catalogue_fields", args=[r.info.slug])
    assert 'name="fields-0-key" value="question"' in client.get(url).content.decode()
    response = client.post(
        url,
        rows(
            "fields",
            [
                {
                    "order": "2",
                    "key": "question",
                    "label": "Your question",
                    "kind": "textarea",
                    "required": "on",
                },
                {"order": "1", "key": "topic", "label": "Topic", "kind": "choice", "values": "Gas\nPower"},
                {
                    "order": "3",
                    "key": "count",
                    "label": "How many",
                    "kind": "number",
                    "low": "1",
                    "high": "9",
                    "integer": "on",
                },
                {"key": "old", "label": "Gone", "kind": "text", "delete": "on"},
                {},
            ],
        ),
    )
    assert response.status_code == 302
    fields = list(r.info.fields.all())
    assert [f.key for f in fields] == ["topic", "question", "count"]
    assert fields[0].options == {"choices": ["Gas", "Power"]} and not fields[0].required
    assert fields[2].options == {"min": 1, "max": 9, "integer": True}


def test_questions_editor_shows_the_refused_row_and_writes_nothing(r) -> None:
    client = r.client(r.world.ops)
    url = reverse("catalogue_fields", args=[r.info.slug])
    response = client.post(
        url,
        rows(
            "fields",
            [
                {"key": "question", "label": "Q", "kind": "text"},
                {"key": "question", "label": "Again", "kind": "text"},
            ],
        ),
    )
    assert response.status_code == 422 and "used twice" in response.content.decode()
    pattern = client.post(
        url, rows("fields", [{"key": "code", "label": "Code", "kind": "text", "pattern": "("}])
    )
    assert pattern.status_code == 422 and "not a regular expression" in pattern.content.decode()
    assert [f.key for f in r.info.fields.all()] == ["question"]


def test_approvals_and_tasks_editors(r) -> None:
    w = r.world
    client = r.client(w.ops)
    url = reverse("catalogue_approvals", args=[r.info.slug])
    ok = client.post(
        url,
        rows("steps", [{"approver": "org_admin"}, {"approver": "provider", "provider": str(w.provider.pk)}]),
    )
    assert ok.status_code == 302
    assert [(s.approver, s.provider_id) for s in r.info.approval_steps.all()] == [
        ("org_admin", None),
        ("provider", w.provider.pk),
    ]
    # A supplier is no provider: not even offered.
    bad = client.post(url, rows("steps", [{"approver": "provider", "provider": str(w.org_a.pk)}]))
    assert bad.status_code == 422 and r.info.approval_steps.count() == 2
    missing = client.post(url, rows("steps", [{"approver": "provider"}]))
    assert missing.status_code == 422 and "Choose the provider" in missing.content.decode()

    tasks = reverse("catalogue_tasks", args=[r.info.slug])
    done = client.post(
        tasks,
        rows(
            "tasks",
            [
                {"title": "Answer", "assignee": "desk"},
                {"title": "Check DCC data", "assignee": "provider", "provider": str(r.dcc_org.pk)},
            ],
        ),
    )
    assert done.status_code == 302
    assert [t.provider_id for t in r.info.task_templates.all()] == [None, r.dcc_org.pk]


def test_retire_and_restore(r) -> None:
    client = r.client(r.world.ops)
    url = reverse("catalogue_active", args=[r.info.slug])
    assert client.get(url)["Location"] == reverse("catalogue_edit", args=[r.info.slug])
    assert client.post(url).status_code == 302
    assert not CatalogueItem.objects.get(pk=r.info.pk).is_active
    assert r.client(r.world.user_a).get(reverse("catalogue_item", args=[r.info.slug])).status_code == 404
    client.post(url)
    assert CatalogueItem.objects.get(pk=r.info.pk).is_active
    assert list(
        AuditEntry.objects.filter(record_id=str(r.info.pk), action__startswith="catalogue.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["catalogue.retire", "catalogue.restore"]
