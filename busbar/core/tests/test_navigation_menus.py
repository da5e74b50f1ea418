"""The header gathers the apps' navigation entries into a few menus (details/summary, no JavaScript
needed); a menu with one entry for this person is shown as a plain link, and the current page's menu is
marked."""

from __future__ import annotations

import re

import pytest

from busbar.lib import registry


def _nav(html: str) -> str:
    return html.split('<nav aria-label="Main">')[1].split("</nav>")[0]


def test_the_desk_sees_menus_with_their_entries(world) -> None:
    nav = _nav(world.client(world.analyst).get("/").content.decode())
    assert "<summary>Service levels</summary>" in nav
    levels = nav.split("<summary>Service levels</summary>")[1].split("</details>")[0]
    assert '<a href="/kpis/">KPIs</a>' in levels
    assert '<a href="/risks/">Risks</a>' in levels
    desk = nav.split("<summary>Operations</summary>")[1].split("</details>")[0]
    assert '<a href="/problems/">Problems</a>' in desk
    # Top-level entries stay in the bar.
    top = re.sub(r"<details>.*?</details>", "", nav, flags=re.S)
    assert '<a href="/incidents/">Incidents</a>' in top
    assert '<a href="/requests/">Requests</a>' in top


def test_the_current_pages_menu_is_marked(world) -> None:
    nav = _nav(world.client(world.analyst).get("/risks/").content.decode())
    assert '<summary class="current">Service levels</summary>' in nav
    assert '<a href="/risks/" aria-current="page">Risks</a>' in nav


def test_a_participant_sees_only_its_entries_in_the_menus(world) -> None:
    nav = _nav(world.client(world.user_a).get("/").content.decode())
    operations = nav.split("<summary>Operations</summary>")[1].split("</details>")[0]
    assert '<a href="/demand/">Demand</a>' in operations
    for desk_only in ("/major-incidents/", "/events/", "/triage/", "/risks/", "/audit/"):
        assert desk_only not in nav
    assert '<a href="/incidents/">Incidents</a>' in nav


def test_an_unknown_menu_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown navigation group"):
        registry.nav_entry("Nowhere", "/nowhere/", order=1, group="nope")
