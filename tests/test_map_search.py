"""The map's search box in Chromium: Enter opens the first match, arrows move through the
results, owners are searchable too."""

from __future__ import annotations

import pytest
from browser import APP, chromium_available, open_page

from geo.facts.bundle import Facts

pytestmark = pytest.mark.skipif(not chromium_available(), reason="Debian chromium is not installed")



@pytest.fixture(scope="module")
def us_sites():
    facts = Facts.from_dir()
    sites = facts.sites
    return sites[(sites["country"] == "USA") & sites["commodities"].str.contains("copper")]


def options(page) -> list[str]:
    return page.locator(".mt-search-list li .mt-search-name").all_inner_texts()


def popup_title(page) -> str:
    title = page.locator(".leaflet-popup-content h3")
    title.wait_for()
    return title.inner_text()


def test_enter_opens_the_first_match(chromium, site, us_sites):
    expected = sorted(n for n in us_sites["name"] if n.lower().startswith("resol"))
    assert expected
    page, log = open_page(chromium, (site / "us-copper.html").as_uri())
    page.locator(".mt-search input").press_sequentially("Resol")
    assert options(page)[0] == expected[0]
    page.keyboard.press("Enter")
    assert popup_title(page) == expected[0]
    assert page.locator(".mt-search-list").is_hidden()
    assert log.errors == []
    page.close()


def test_arrow_keys_move_through_the_results(chromium, site, us_sites):
    page, _ = open_page(chromium, (site / "us-copper.html").as_uri())
    box = page.locator(".mt-search input")
    box.press_sequentially("co")  # many names hold "co"
    shown = options(page)
    assert len(shown) >= 3
    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("ArrowUp")
    active = page.locator(".mt-search-list li[aria-selected='true'] .mt-search-name")
    assert active.count() == 1 and active.inner_text() == shown[1]
    assert box.get_attribute("aria-activedescendant") == "mt-search-opt-1"
    box.press("Enter")
    assert popup_title(page) == shown[1]
    page.close()


def test_owners_are_searchable(chromium, site, us_sites):
    facts = Facts.from_dir()
    stakes = facts.stakes[facts.stakes["site_id"].isin(us_sites["id"])]
    owner = stakes["owner_name"].value_counts().index[0]  # the owner of most US copper sites
    owned = set(us_sites.set_index("id").loc[stakes.loc[stakes["owner_name"] == owner, "site_id"], "name"])
    page, _ = open_page(chromium, (site / "us-copper.html").as_uri())
    box = page.locator(".mt-search input")
    box.press_sequentially(owner[:8])
    shown = options(page)
    assert shown and set(shown) <= owned | {n for n in us_sites["name"] if owner[:8].lower() in n.lower()}
    assert any(owner in t for t in page.locator(".mt-search-owner").all_inner_texts())
    box.press("Enter")
    assert popup_title(page) in owned
    page.close()


def test_escape_closes_and_no_match_opens_nothing(chromium, site):
    page, log = open_page(chromium, (site / "us-copper.html").as_uri())
    box = page.locator(".mt-search input")
    box.press_sequentially("Mor")
    assert page.locator(".mt-search-list").is_visible()
    box.press("Escape")
    assert page.locator(".mt-search-list").is_hidden()
    box.fill("")
    box.press_sequentially("zzzz-no-such-site")
    box.press("Enter")
    page.wait_for_timeout(200)
    assert page.locator(".leaflet-popup").count() == 0
    assert page.evaluate(f"{APP}.search('zzzz-no-such-site').length") == 0
    assert log.errors == []
    page.close()
