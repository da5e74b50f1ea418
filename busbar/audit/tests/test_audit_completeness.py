"""Every state change is journalled: an action that forgets the journal fails."""

import importlib
import inspect
import pkgutil

import pytest

import busbar
from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.lib import actions as action_lib
from busbar.lib.actions import Actor, AuditMissing, action

pytestmark = pytest.mark.django_db


def _actions_modules():
    """Every ``actions`` module of every app, and every module of an ``actions`` package."""
    for info in pkgutil.iter_modules(busbar.__path__):
        if info.name == "lib":  # the decorator's own home, not a domain app
            continue
        try:
            module = importlib.import_module(f"busbar.{info.name}.actions")
        except ModuleNotFoundError:
            continue
        yield module
        if hasattr(module, "__path__"):  # a package, to any depth (testing/actions/setup/…)
            for sub in pkgutil.walk_packages(module.__path__, prefix=f"{module.__name__}."):
                yield importlib.import_module(sub.name)


def test_every_public_function_in_actions_modules_is_an_action() -> None:
    modules = list(_actions_modules())
    assert len(modules) >= 6
    for module in modules:
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if func.__module__ != module.__name__ or name.startswith("_"):
                continue
            assert getattr(func, "is_action", False), (
                f"{module.__name__}.{name} is not decorated with @action"
            )
            params = inspect.signature(inspect.unwrap(func)).parameters.values()
            # Keyword-only, or ``**fields`` (an update taking any of a record's fields by name).
            assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params), (
                f"{module.__name__}.{name} takes positionals"
            )


def test_an_action_without_a_journal_entry_fails(world: World) -> None:
    @action
    def forgetful(*, actor: Actor, organisation) -> None:
        organisation.description = "changed without a record"
        organisation.save()

    with pytest.raises(AuditMissing):
        forgetful(actor=Actor.system(), organisation=world.org_a)
    world.org_a.refresh_from_db()
    assert world.org_a.description != "changed without a record"  # rolled back
    action_lib.REGISTRY.pop(
        f"{__name__}.test_an_action_without_a_journal_entry_fails.<locals>.forgetful", None
    )


def test_actions_take_keywords_only(world: World) -> None:
    from busbar.parties.actions import set_organisation_active

    with pytest.raises(TypeError):
        set_organisation_active(Actor.system(), world.org_a, False)


def test_entry_records_actor_organisation_channel_and_fields(world: World) -> None:
    response = world.client(world.admin_a).patch(
        f"/api/v1/memberships/{world.user_a.memberships.get().pk}",
        {"role": "resolver"},
        content_type="application/json",
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="membership.role")
    assert entry.actor == world.admin_a
    assert entry.actor_organisation == world.org_a
    assert entry.channel == "api"
    assert entry.owner_organisation == world.org_a
    assert entry.changes == {"role": ["participant", "resolver"]}


def test_timeline_on_record_page_and_api(world: World) -> None:
    page = world.client(world.admin_a).get(f"/organisations/{world.org_a.pk}/")
    assert b"created organisation" in page.content and b"created membership" not in page.content
    api = (
        world.client(world.admin_a)
        .get(f"/api/v1/audit?record_type=parties.organisation&record_id={world.org_a.pk}")
        .json()
    )
    assert [e["action"] for e in api["items"]] == ["organisation.create"]
    denied = (
        world.client(world.user_b)
        .get(f"/api/v1/audit?record_type=parties.organisation&record_id={world.org_a.pk}")
        .json()
    )
    assert denied["count"] == 0
