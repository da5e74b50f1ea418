"""The knowledge pages for each persona: search and queues, writing, the article, its forms, editing,
versions and comparison, the preview; allowed and denied."""

import pytest

from busbar.incidents.tests.conftest import actor_for
from busbar.knowledge import actions
from busbar.knowledge.models import Article, Status, VersionState
from busbar.knowledge.tests.conftest import BODY, article_for

pytestmark = pytest.mark.django_db


def test_a_provider_writes_and_the_desk_publishes_through_the_pages(world, catalogue) -> None:
    provider = world.client(world.resolver)
    assert provider.get("/knowledge/new/").status_code == 200
    created = provider.post(
        "/knowledge/new/",
        {
            "title": "Uploads time out",
            "summary": "Split files",
            "body": BODY,
            "service": catalogue.service.pk,
            "audience": "roles",
            "roles": ["energy_supplier"],
            "then": "review",
        },
    )
    article = Article.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/knowledge/{article.reference}/"
    assert article.status == Status.REVIEW and article.owner == world.provider
    desk = world.client(world.analyst)
    page = desk.get(f"/knowledge/{article.reference}/").content.decode()
    assert "Version 1 is waiting for review" in page and "Publish" in page
    assert (
        "Publish"
        not in provider.get(f"/knowledge/{article.reference}/").content.decode().split("Actions")[-1]
    )
    sent_back = desk.post(
        f"/knowledge/{article.reference}/request-changes/", {"request-changes-note": "Add steps"}
    )
    assert sent_back.status_code == 302
    edited = provider.post(
        f"/knowledge/{article.reference}/edit/",
        {
            "title": "Uploads time out",
            "summary": "Split files",
            "body": BODY + "\nMore steps.",
            "then": "review",
        },
    )
    assert edited.status_code == 302
    published = desk.post(f"/knowledge/{article.reference}/publish/", {"publish-note": ""})
    assert published.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.published_version.state == VersionState.PUBLISHED
    assert (
        "More steps." in world.client(world.user_a).get(f"/knowledge/{article.reference}/").content.decode()
    )


def test_participants_read_vote_and_report_but_do_not_write(world, catalogue) -> None:
    article = article_for(world, catalogue)
    client = world.client(world.user_a)
    assert client.get("/knowledge/new/").status_code == 403
    assert (
        client.post("/knowledge/new/", {"title": "T", "body": "B", "audience": "everyone"}).status_code == 403
    )
    assert client.get(f"/knowledge/{article.reference}/edit/").status_code == 403
    page = client.get(f"/knowledge/{article.reference}/").content.decode()
    assert "Was this helpful?" in page and "Report an irregularity" in page and "Retire" not in page
    assert "Review notes" not in page and "History" not in page
    refused = client.post(f"/knowledge/{article.reference}/retire/", {"retire-reason": "x"})
    assert refused.status_code == 403 and Article.objects.get().status == Status.PUBLISHED
    voted = client.post(f"/knowledge/{article.reference}/vote/", {"vote-helpful": "1"})
    assert voted.status_code == 302 and Article.objects.get().helpful_count == 1
    assert client.post(f"/knowledge/{article.reference}/nonsense/", {}).status_code == 404
    # A form's address opened with GET (a reload after a refusal) leads to the page showing the form.
    again = client.get(f"/knowledge/{article.reference}/vote/")
    assert again.status_code == 302 and again["Location"] == f"/knowledge/{article.reference}/#do-vote"
    assert world.client(None).get("/knowledge/").status_code == 302


def test_the_list_and_queues_for_each_persona(world, catalogue) -> None:
    article_for(world, catalogue, title="Published one")
    draft = article_for(world, catalogue, title="Draft one", publish=False)
    actions.submit_for_review(actor=actor_for(world.resolver), article=draft)
    reader = world.client(world.user_a).get("/knowledge/").content.decode()
    assert "Published one" in reader and "Draft one" not in reader and "Awaiting review" not in reader
    assert "Write an article" not in reader
    desk = world.client(world.analyst).get("/knowledge/?queue=review").content.decode()
    assert "Draft one" in desk and "Published one" not in desk and "Write an article" in desk
    ours = world.client(world.resolver).get("/knowledge/?queue=ours").content.decode()
    assert "Draft one" in ours and "Published one" in ours
    fragment = world.client(world.user_a).get(
        "/knowledge/?q=published", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="rows"
    )
    assert "<html" not in fragment.content.decode() and "Published one" in fragment.content.decode()


def test_versions_and_comparison(world, catalogue) -> None:
    article = article_for(world, catalogue)
    actions.revise_article(
        actor=actor_for(world.resolver),
        article=article,
        title=article.title,
        summary=article.summary,
        body=BODY.replace("resubmit", "send it again"),
        change_note="Plainer words",
    )
    actions.submit_for_review(actor=actor_for(world.resolver), article=article)
    actions.publish_article(actor=actor_for(world.analyst), article=article)
    client = world.client(world.user_b)
    listing = client.get(f"/knowledge/{article.reference}/versions/").content.decode()
    assert "Plainer words" in listing and "Superseded" in listing
    old = client.get(f"/knowledge/{article.reference}/versions/1/").content.decode()
    assert "resubmit" in old and "Read the current version" in old
    compared = client.get(f"/knowledge/{article.reference}/compare/?from=1&to=2").content.decode()
    assert "<del>resubmit</del>" in compared and "<ins>send it again</ins>" in compared
    assert client.get(f"/knowledge/{article.reference}/compare/?from=1&to=9").status_code == 404
    assert (
        client.get(f"/knowledge/{article.reference}/compare/?from=x&to=99999999999999999999").status_code
        == 200
    )
    assert client.get(f"/knowledge/{article.reference}/compare/?from=1&to=%00").status_code == 400
    api = client.get(f"/api/v1/articles/{article.reference}/diff?old=1&new=2").json()
    assert {
        "op": "added",
        "old_number": None,
        "new_number": 7,
        "text": "Search the CSS address service by UPRN and send it again.",
    } in api["lines"]


def test_details_change_the_audience_at_once(world, catalogue, agent) -> None:
    article = article_for(world, catalogue)
    assert world.client(agent).get(f"/knowledge/{article.reference}/").status_code == 200
    saved = world.client(world.resolver).post(
        f"/knowledge/{article.reference}/details/",
        {"details-audience": "roles", "details-roles": ["energy_supplier"], "details-keywords": "UPRN"},
    )
    assert saved.status_code == 302
    assert world.client(agent).get(f"/knowledge/{article.reference}/").status_code == 404
    bad = world.client(world.resolver).post(
        f"/knowledge/{article.reference}/details/", {"details-audience": "roles"}
    )
    assert bad.status_code == 422 and "Choose the roles" in bad.content.decode()


def test_the_preview_renders_for_writers_only(world) -> None:
    shown = world.client(world.resolver).post("/knowledge/preview/", {"body": "**hi** <script>x</script>"})
    assert shown.status_code == 200 and "<strong>hi</strong>" in shown.content.decode()
    assert "<script>" not in shown.content.decode()
    assert world.client(world.user_a).post("/knowledge/preview/", {"body": "x"}).status_code == 403


def test_bad_form_input_keeps_what_was_typed(world, catalogue) -> None:
    client = world.client(world.resolver)
    response = client.post("/knowledge/new/", {"title": "", "body": "Long text kept", "audience": "everyone"})
    assert response.status_code == 422 and "Long text kept" in response.content.decode()
    response = client.post(
        "/knowledge/new/", {"title": "T", "body": "B", "audience": "everyone", "external_url": "javascript:x"}
    )
    assert response.status_code == 422 and not Article.objects.exists()


def test_home_panels(world, catalogue) -> None:
    draft = article_for(world, catalogue, title="Awaiting", publish=False)
    actions.submit_for_review(actor=actor_for(world.resolver), article=draft)
    article_for(world, catalogue, title="Popular answer")
    assert "1 awaiting review" in world.client(world.analyst).get("/").content.decode()
    assert "Popular answer" in world.client(world.user_a).get("/").content.decode()
    assert "Write an article" in world.client(world.resolver).get("/").content.decode()
