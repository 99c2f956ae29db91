"""Map rendering: every site drawn, deterministic output, hostile strings escaped."""

from __future__ import annotations

import html
import re

import pytest
from conftest import read, write

from geo import load_sites
from geo.htmltext import esc, safe_url
from geo.recipes import load_recipe, recipe_names
from geo.render import Facts, build_maps, map_html, render_recipe
from geo.select import filter_sites

HOSTILE = {
    "name": '<script>window.__pwned=1</script>"\'`${alert(1)}\\',
    "notes": '<img src=x onerror="window.__pwned=2">',
}


def test_every_recipe_builds_with_its_sites(tmp_path):
    written = build_maps(tmp_path)
    assert {p.name for p in written} == {load_recipe(n).file for n in recipe_names()}
    sites = load_sites()
    for name in recipe_names():
        recipe = load_recipe(name)
        page = (tmp_path / recipe.file).read_text()
        expected = sites
        for layer in recipe.layers:
            expected = filter_sites(expected, **layer.filter)
        assert len(expected) > 0
        for site_name in expected["name"]:
            assert esc(site_name) in page, f"{site_name} missing from {recipe.file}"
        # One circle marker per site, no more.
        assert len(re.findall(r"L\.circleMarker\(", page)) == len(expected)
        assert esc(recipe.title) in page


def test_us_copper_map_shows_only_us_copper_sites(tmp_path):
    page = map_html(render_recipe("us_copper"))
    sites = load_sites()
    foreign = sites[(sites.country != "USA") & sites.commodities.str.contains("copper")]
    assert len(foreign)
    for name in foreign["name"].head(20):
        assert f"<h3>{esc(name)}</h3>" not in page


def test_output_is_deterministic(tmp_path):
    a = build_maps(tmp_path / "a")
    b = build_maps(tmp_path / "b")
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()


def test_popup_has_owners_and_source_links():
    page = map_html(render_recipe("world_copper"))
    assert "(operator)" in page
    assert re.search(r'<a href="https?://[^"]+" target="_blank" rel="noopener noreferrer">', page)


@pytest.fixture
def hostile_dir(data_copy):
    sites = read(data_copy / "sites.csv")
    row = sites.index[(sites.country == "USA") & sites.commodities.str.contains("copper")][0]
    for k, v in HOSTILE.items():
        sites.loc[row, k] = v
    write(sites, data_copy / "sites.csv")
    sources = read(data_copy / "sources.csv")
    sid = sites.loc[row, "sources"].split(";")[0]
    sources.loc[sources.id == sid, "url"] = "javascript:alert(document.cookie)"
    sources.loc[sources.id == sid, "title"] = '"><svg onload=alert(3)>'
    write(sources, data_copy / "sources.csv")
    return data_copy


def test_hostile_strings_are_escaped(hostile_dir):
    page = map_html(render_recipe("us_copper", Facts.from_dir(hostile_dir)))
    assert "<script>window.__pwned" not in page
    assert "<img src=x" not in page
    assert "<svg onload" not in page
    assert "javascript:" not in page  # an unsafe URL is never written, not even as text
    assert 'href="javascript' not in page
    assert esc(HOSTILE["name"]) in page
    assert html.unescape(esc(HOSTILE["name"])) == HOSTILE["name"]


@pytest.mark.parametrize("url,ok", [
    ("https://pubs.usgs.gov/x", True), ("http://a.b/c", True), ("javascript:alert(1)", False),
    ("JAVASCRIPT:alert(1)", False), ("data:text/html,hi", False), ("//evil.com", False),
    ("USGS OFR 2008-1155", False),
])
def test_safe_url(url, ok):
    assert (safe_url(url) is not None) == ok
