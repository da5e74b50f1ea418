"""Full-text search of articles (PostgreSQL full text or SQLite FTS5, whichever the suite runs on): stemmed,
ranked, all words or any word, the last as a prefix while typing, and only what the reader may see."""

import pytest

from busbar.incidents.tests.conftest import actor_for
from busbar.knowledge import actions, search
from busbar.knowledge.models import Article, Audience
from busbar.knowledge.queries import visible_to
from busbar.knowledge.tests.conftest import article_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(world, catalogue):
    made = {
        "certs": article_for(
            world,
            catalogue,
            title="Renewing the DIP certificate",
            summary="Certificates expire after a year.",
            body="Renew certificates a month before expiry. An expired certificate rejects every message.",
            keywords="TLS",
        ),
        "reject": article_for(
            world,
            catalogue,
            title="Switch request rejected",
            summary="Reasons for rejection.",
            body="A request is rejected when the address does not match. A certificate is not involved.",
        ),
        "portal": article_for(
            world, catalogue, title="Portal sign in", body="Use your authenticator app to sign in."
        ),
        "staff": article_for(
            world,
            catalogue,
            title="Certificate runbook for the desk",
            body="Internal steps for certificate renewals.",
            audience=Audience.STAFF,
        ),
        "draft": article_for(world, catalogue, title="Certificate draft", body="Not yet.", publish=False),
    }
    return made


def _found(user, text: str, **kw) -> list[str]:
    return [a.title for a in search.matching(visible_to(user), text, **kw)]


def test_title_words_rank_first_and_stems_match(world, library) -> None:
    found = _found(world.user_a, "certificates")
    assert found[0] == "Renewing the DIP certificate" and "Switch request rejected" in found
    assert "Certificate runbook for the desk" not in found and "Certificate draft" not in found
    assert _found(world.user_a, "renewal")[:1] == ["Renewing the DIP certificate"]


def test_all_words_by_default_two_words_of_the_heading_for_suggestions(world, library) -> None:
    assert _found(world.user_a, "certificate address") == ["Switch request rejected"]  # in its body
    # Suggestions read the title, keywords and summary, and want two of the words typed (one if one).
    assert _found(world.user_a, "certificate address", any_word=True) == []
    expired = _found(world.user_a, "Our DIP certificate expired!", any_word=True)
    assert expired == ["Renewing the DIP certificate"]
    assert _found(world.user_a, "switch requests rejected", any_word=True) == ["Switch request rejected"]
    assert _found(world.user_a, "certificate", any_word=True) == ["Renewing the DIP certificate"]
    assert _found(world.user_a, "certificate portal", any_word=True) == []


def test_the_last_word_is_a_prefix_while_typing(world, library) -> None:
    assert _found(world.user_a, "portal authenticat", prefix=True) == ["Portal sign in"]
    assert _found(world.user_a, "portal authenticat") == []
    assert _found(world.user_a, "regist", prefix=True, any_word=True) == []
    assert _found(world.user_a, "sign", prefix=True) == ["Portal sign in"]


def test_the_desk_finds_what_readers_may_not(world, library) -> None:
    found = _found(world.analyst, "certificate")
    assert {"Certificate runbook for the desk", "Certificate draft"} <= set(found)


def test_no_input_is_a_syntax_error(world, library) -> None:
    for text in ['"', "AND OR NOT", "cert*", "(", "NEAR(a b)", "title:cert", "a'b", "-x", "&|!", "\x00", "é"]:
        list(search.matching(visible_to(world.user_a), text))  # no exception
        list(search.matching(visible_to(world.user_a), text, any_word=True, prefix=True))
    assert _found(world.user_a, "   ") == []


def test_search_follows_publication(world, library) -> None:
    article = library["portal"]
    actions.revise_article(
        actor=actor_for(world.resolver), article=article, title="Portal sign in", body="Use a security key."
    )
    assert _found(world.user_a, "security key") == []  # the draft is not what readers search
    actions.submit_for_review(actor=actor_for(world.resolver), article=article)
    actions.publish_article(actor=actor_for(world.analyst), article=article)
    assert _found(world.user_a, "security key") == ["Portal sign in"]
    actions.retire_article(actor=actor_for(world.resolver), article=article, reason="Old")
    assert _found(world.user_a, "security key") == []


def test_keywords_are_searched(world, library) -> None:
    assert _found(world.user_a, "tls") == ["Renewing the DIP certificate"]
    actions.update_details(actor=actor_for(world.resolver), article=library["portal"], keywords="MFA TOTP")
    assert _found(world.user_a, "totp") == ["Portal sign in"]


def test_the_page_and_the_api_rank_and_mark_the_words(world, library) -> None:
    page = world.client(world.user_a).get("/knowledge/?q=certificates").content.decode()
    assert page.index("Renewing the DIP certificate") < page.index("Switch request rejected")
    assert "<mark>certificate</mark>" in page.lower() and "Certificate runbook" not in page
    api = world.client(world.user_a).get("/api/v1/articles?q=certificates").json()
    assert api["count"] == 2 and api["items"][0]["title"] == "Renewing the DIP certificate"
    assert "certificate" in api["items"][0]["snippet"].lower() and api["items"][0]["rank"] > 0
    ref = library["reject"].reference
    by_ref = world.client(world.user_a).get(f"/api/v1/articles?q={ref.lower()}").json()
    assert [i["reference"] for i in by_ref["items"]] == [ref]


def test_search_list_query_count_does_not_grow(world, library, django_assert_max_num_queries) -> None:
    client = world.client(world.user_a)
    client.get("/knowledge/?q=certificate")
    with django_assert_max_num_queries(8) as few:
        client.get("/knowledge/?q=certificate")
    for i in range(6):
        article_for(world, None, title=f"Certificate {i}", body="certificate text")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/knowledge/?q=certificate")
    assert Article.objects.count() == 11


def test_a_search_matching_very_many_is_counted_to_the_cap(world, library, monkeypatch) -> None:
    from django.db import connection

    for i in range(3):
        article_for(world, None, title=f"Certificate note {i}", body="certificate")
    monkeypatch.setattr(search, "CAP", 2)
    hits = search.Results(visible_to(world.user_a), "certificate")
    if connection.vendor == "postgresql":  # the most recently updated CAP matches, ranked
        assert hits.count() == 2 and hits.capped
        assert [a.title for a in hits[0:10]] == ["Certificate note 2", "Certificate note 1"]
        page = world.client(world.user_a).get("/knowledge/?q=certificate").content.decode()
        assert "More than 2 articles match" in page
        api = world.client(world.user_a).get("/api/v1/articles?q=certificate").json()
        assert api["count"] == 2 and api["capped"] is True
    else:  # SQLite (smaller installations) counts and ranks every match
        assert hits.count() == 5 and not hits.capped and len(hits[0:10]) == 5
    narrow = search.Results(visible_to(world.user_a), "certificate expire")
    assert narrow.count() == 1 and not narrow.capped
