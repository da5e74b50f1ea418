"""The shared test base: three parties — participant A, participant B and the operator — with people.

Every view and endpoint test proves both what is allowed and what is denied against these parties.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.conf import settings as django_settings
from django.test import Client

from busbar.accounts.models import User
from busbar.lib.actions import Actor
from busbar.parties import actions as party_actions
from busbar.parties.models import IndustryRole, MembershipRole, Organisation

# Keep compiled (and assertion-rewritten) test modules between runs even where PYTHONDONTWRITEBYTECODE
# is set: otherwise every run, and every parallel worker, recompiles the whole suite (about 8 s each).
sys.dont_write_bytecode = False

PASSWORD = "correct-horse-battery-staple"  # noqa: S105
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105


@pytest.fixture(autouse=True, scope="session")
def _test_settings(django_test_environment, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Settings every test runs with, applied once for the session (not per test: overriding settings
    runs Django's change handlers each time):

    - a fast password hasher (Argon2 is the production hasher, tested in test_settings);
    - uploaded attachments in a folder of the session's own, never the real data directory (tests that
      look at the files set a folder of their own);
    - mail through the real path — Django mail → queued task (run at once in tests) → delivery backend,
      locmem here — where pytest-django would put the locmem backend straight in.
    """
    from django.test import override_settings

    media = tmp_path_factory.mktemp("media")
    storages = {
        **django_settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES=storages,
        EMAIL_BACKEND="busbar.core.mailqueue.QueuedEmailBackend",
        BUSBAR_DELIVERY_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        yield


@pytest.fixture(autouse=True)
def _installed_defaults(request: pytest.FixtureRequest) -> None:
    """What the data migrations install (the default SLA policy and its calendars), for every database test.

    A live-server test empties the database when it ends; the tests after it on the same worker still find
    the installation's defaults (inside their own transaction, so nothing leaks between tests).
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return
    if (marker and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames:
        return
    request.getfixturevalue("db")
    ensure_installed_defaults()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def current_totp(secret: str = TOTP_SECRET) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    operator: Organisation
    provider: Organisation
    user_a: User  # participant user at A
    admin_a: User  # organisation administrator at A (has MFA)
    user_b: User  # participant user at B
    resolver: User  # resolver at the provider
    analyst: User  # service-desk analyst at the operator (has MFA)
    ops: User  # operations manager (has MFA)
    platform_admin: User  # platform administrator (has MFA)

    def client(self, user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client


def make_user(org: Organisation, email: str, role: str, *, mfa: bool = False, name: str = "") -> User:
    membership = party_actions.add_member(
        actor=Actor.system(), organisation=org, email=email, full_name=name or email.split("@")[0], role=role
    )
    user = membership.user
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    if mfa:
        TOTP.activate(user, TOTP_SECRET)
    return User.objects.get(pk=user.pk)


def make_org(name: str, roles: list[str], **extra: object) -> Organisation:
    return party_actions.create_organisation(actor=Actor.system(), name=name, roles=roles, **extra)


def ensure_installed_defaults() -> None:
    """Transactional tests flush the tables, taking the data migrations' defaults with them."""
    import importlib

    from django.apps import apps

    from busbar.services.models import SlaPolicy

    if not SlaPolicy.objects.filter(is_default=True).exists():
        importlib.import_module("busbar.services.migrations.0002_default_policy").forward(apps, None)


def build_world() -> World:
    ensure_installed_defaults()
    org_a = make_org("Alpha Energy", [IndustryRole.ENERGY_SUPPLIER], identifiers=[("mpid", "ALPH")])
    org_b = make_org("Bravo Energy", [IndustryRole.ENERGY_SUPPLIER], identifiers=[("mpid", "BRAV")])
    operator = make_org("Switching Operator", [IndustryRole.SWITCHING_OPERATOR, IndustryRole.SERVICE_DESK])
    provider = make_org("CSS Provider", [IndustryRole.CSS_PROVIDER])
    return World(
        org_a=org_a,
        org_b=org_b,
        operator=operator,
        provider=provider,
        user_a=make_user(org_a, "user@alpha.example", MembershipRole.PARTICIPANT),
        admin_a=make_user(org_a, "admin@alpha.example", MembershipRole.ORG_ADMIN, mfa=True),
        user_b=make_user(org_b, "user@bravo.example", MembershipRole.PARTICIPANT),
        resolver=make_user(provider, "resolver@provider.example", MembershipRole.RESOLVER),
        analyst=make_user(operator, "analyst@operator.example", MembershipRole.ANALYST, mfa=True),
        ops=make_user(operator, "ops@operator.example", MembershipRole.OPERATIONS, mfa=True),
        platform_admin=make_user(operator, "root@operator.example", MembershipRole.PLATFORM_ADMIN, mfa=True),
    )


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The world, built once per test module inside a transaction rolled back when the module ends.

    Each test runs in a savepoint inside it (pytest-django's ``db``), so what a test changes is undone for
    the next, as with Django's ``TestCase.setUpTestData``.
    """
    from django.db import transaction
    from django.test import override_settings

    with django_db_blocker.unblock():
        # Built inside a test's own transaction, the world would vanish with that test's rollback.
        assert not transaction.get_connection().in_atomic_block, "the module world must be set up first"
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                built = build_world()
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(_module_world: World, db) -> World:
    """Participant A, participant B, the operator and a provider with their people (see World).

    Built once per module and copied for each test (its rows are undone with the test's savepoint, its
    objects are fresh copies). Tests on a live server, which commit, use ``build_world()`` instead.
    """
    return copy.deepcopy(_module_world)


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# Browser tests (Playwright + Chromium): registered here so one browser serves the whole session.
from busbar.core.tests.browser import _reinstall_after_flush, browser, live_world, page  # noqa: E402, F401
