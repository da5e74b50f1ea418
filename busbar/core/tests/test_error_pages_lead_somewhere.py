"""Error pages are styled pages with the site's header and a way home (DEBUG off), signed in or not; the
ones shown while the database may be away (500, 503) read nothing from it."""

import pytest
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from busbar.core import errors

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
@pytest.mark.parametrize("who", ["user_a", "resolver", "analyst", "platform_admin"])
def test_not_found_signed_in_has_the_navigation(world, who) -> None:
    response = world.client(getattr(world, who)).get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "busbar.css" in body and 'class="top"' in body
    assert '<nav aria-label="Main">' in body and 'href="/incidents/"' in body
    assert 'id="inbox-bell"' in body and "Sign out" in body
    assert "Back to your home page" in body
    assert 'rel="icon"' in body


@override_settings(DEBUG=False)
def test_not_found_signed_out_offers_home_and_sign_in(world) -> None:
    response = world.client(None).get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'class="top"' in body and 'href="/"' in body
    assert "/accounts/login/?next=/no/such/page/" in body
    assert "inbox-bell" not in body and "Sign out" not in body


@override_settings(DEBUG=False)
def test_a_record_not_visible_is_the_same_styled_page(world) -> None:
    response = world.client(world.user_b).get("/incidents/INC9999999/")
    assert response.status_code == 404
    assert '<nav aria-label="Main">' in response.content.decode()


@override_settings(DEBUG=False)
def test_forbidden_page_has_the_navigation(world) -> None:
    response = world.client(world.user_a).get("/audit/")
    assert response.status_code == 403
    body = response.content.decode()
    assert '<nav aria-label="Main">' in body and "Back to your home page" in body


@override_settings(DEBUG=False)
@pytest.mark.parametrize("template", ["500", "503"])
def test_server_error_pages_have_a_header_and_a_way_home_without_the_database(world, template) -> None:
    request = RequestFactory().get("/somewhere/")
    with CaptureQueriesContext(connection) as queries:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            response = (
                errors.server_error(request) if template == "500" else errors.unavailable_response(request)
            )
    assert response.status_code == int(template)
    assert queries.captured_queries == []
    body = response.content.decode()
    assert 'class="top"' in body and "busbar.css" in body
    assert 'href="/"' in body and '<nav aria-label="Main">' in body
