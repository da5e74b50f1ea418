"""`busbar serve --port P` without a configured site URL prints, and emails, links to port P — also from
`busbar worker` (a separate process on the same data directory, which sends the emails)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail

from busbar import cli
from busbar.core.tests.served import serve, shell
from busbar.lib.env import SERVED_URL_FILE, local_site_url, served_url


def test_the_local_address_of_a_bind() -> None:
    assert local_site_url("127.0.0.1", 8077) == "http://127.0.0.1:8077"
    assert local_site_url("0.0.0.0", 8077) == "http://127.0.0.1:8077"  # noqa: S104
    assert local_site_url("::1", 8077) == "http://[::1]:8077"
    assert local_site_url("busbar.local", 80) == "http://busbar.local:80"


def test_serve_uses_its_port_unless_a_site_url_is_configured(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BUSBAR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BUSBAR_SITE_URL", raising=False)
    cli._use_served_url("127.0.0.1", 8077)
    assert served_url(tmp_path) == "http://127.0.0.1:8077"
    import os

    assert os.environ["BUSBAR_SITE_URL"] == "http://127.0.0.1:8077"
    # A configured public address wins, and is left as it is.
    monkeypatch.setenv("BUSBAR_SITE_URL", "https://busbar.example.org")
    cli._use_served_url("127.0.0.1", 9000)
    assert os.environ["BUSBAR_SITE_URL"] == "https://busbar.example.org"
    assert served_url(tmp_path) == "http://127.0.0.1:8077"
    # Anything but an http(s) address in the file is ignored.
    (tmp_path / SERVED_URL_FILE).write_text("javascript:alert(1)\n")
    assert served_url(tmp_path) is None
    assert served_url(tmp_path / "missing") is None


@pytest.mark.django_db
def test_incident_emails_link_to_the_site_url(world, settings, django_capture_on_commit_callbacks) -> None:
    from busbar.incidents.tests.conftest import make_catalogue, raise_for

    settings.SITE_URL = "http://127.0.0.1:8077"
    catalogue = make_catalogue(world.provider)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident = raise_for(world, catalogue)
    assert mail.outbox
    for message in mail.outbox:
        assert f"http://127.0.0.1:8077/incidents/{incident.reference}/" in message.body
        assert ":8000" not in message.body


@pytest.mark.xdist_group("served")
def test_busbar_serve_port_reaches_the_banner_and_the_worker(sqlite_env: dict, tmp_path: Path) -> None:
    env = {k: v for k, v in sqlite_env.items() if k != "BUSBAR_SITE_URL"}
    server = serve(env, tmp_path / "serve.log", "--workers", "1", "--threads", "1")
    try:
        url = f"http://127.0.0.1:{server.port}"
        assert f"sign in at {url}/accounts/login/" in server.output()
        # Another process on the same data directory (as `busbar worker` is) links to the same address.
        printed = shell("from django.conf import settings; print(settings.SITE_URL)", env).strip()
        assert printed.splitlines()[-1] == url
    finally:
        server.stop()
