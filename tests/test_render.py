"""Map rendering: every site in the page data, deterministic output, hostile strings inert."""

from __future__ import annotations

import json
import re

import pytest
from conftest import read, recipe_sites, write

from geo import load_sites
from geo.facts.bundle import Facts
from geo.maps.htmltext import esc
from geo.maps.page import map_html
from geo.maps.render import build_maps, render_recipe
from geo.specs.recipe import load_recipe, recipe_names


def page_config(page: str) -> dict:
    """The JSON the runtime reads, parsed back."""
    m = re.search(r'<script type="application/json" id="[^"]+-data">(.*?)</script>', page, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


def point_ids(config: dict) -> list[str]:
    return [i for layer in config["layers"] if layer.get("kind") not in ("polygons", "lines")
            for i in layer["fields"]["id"]]


def test_every_recipe_builds_with_its_sites(site):
    expected = {load_recipe(n).file for n in recipe_names()} | {"index.html"}
    assert {p.name for p in site.glob("*.html")} == expected
    for name in recipe_names():
        recipe = load_recipe(name)
        page = (site / recipe.file).read_text()
        expected = recipe_sites(name)
        config = page_config(page)
        assert sorted(point_ids(config)) == sorted(expected["id"])
        names = {n for layer in config["layers"] if layer.get("kind") not in ("polygons", "lines")
                 for n in layer["fields"]["name"]}
        assert names == set(expected["name"])
        assert esc(recipe.title) in page
        # No CDN: nothing is loaded from the network.
        assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', page)


def test_us_copper_map_shows_only_us_copper_sites():
    config = page_config(map_html(render_recipe("us_copper")))
    sites = load_sites().set_index("id")
    ids = point_ids(config)
    assert ids and (sites.loc[ids, "country"] == "USA").all()
    assert all("copper" in sites.at[i, "commodities"].split(";") for i in ids)


def test_output_is_deterministic(site, tmp_path):
    out = tmp_path / "again"
    again = build_maps(out)
    assert len(again) == len([p for p in site.rglob("*.html")])
    for path in again:
        rel = path.relative_to(out)
        assert path.read_bytes() == (site / rel).read_bytes(), rel


def test_popup_data_has_owners_and_sources():
    config = page_config(map_html(render_recipe("world_copper")))
    owners = [o for layer in config["layers"] for o in layer["fields"]["owners"]]
    assert any("(operator)" in o and "as of" in o for o in owners)
    refs = [r for layer in config["layers"] for site in layer["refs"] for r in site]
    assert refs and all(len(r) == 4 for r in refs)
    assert any(r[2].startswith("https://") for r in refs)


@pytest.fixture
def hostile_dir(data_copy):
    sites = read(data_copy / "sites.csv")
    row = sites.index[sites["id"] == "morenci"][0]
    sites.loc[row, "name"] = "{{ 7*7 }}{{ ''.__class__ }}</script><script>alert(1)</script>"
    sites.loc[row, "notes"] = "{% for x in range(3) %}x{% endfor %}"
    write(sites, data_copy / "sites.csv")
    return data_copy


def test_hostile_strings_are_inert_in_the_page(hostile_dir):
    page = map_html(render_recipe("us_copper", Facts.from_dir(hostile_dir)))
    assert "<script>alert(1)" not in page
    config = page_config(page)
    names = [n for layer in config["layers"] for n in layer["fields"]["name"]]
    notes = [n for layer in config["layers"] for n in layer["fields"]["notes"]]
    # Stored and shown literally: not evaluated by the template engine at build time.
    assert "{{ 7*7 }}{{ ''.__class__ }}</script><script>alert(1)</script>" in names
    assert "{% for x in range(3) %}x{% endfor %}" in notes


def test_title_text_is_escaped(tmp_path):
    recipe = tmp_path / "evil.toml"
    recipe.write_text('title = "{{ 7*7 }} <b>bold</b>"\nfile = "evil.html"\n'
                      '[[layers]]\nlayer = "sites"\nfilter = { country = "USA" }\n')
    page = map_html(render_recipe(load_recipe(recipe)))
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "&#123;&#123; 7*7 &#125;&#125;" in page


