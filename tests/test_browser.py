"""Maps in a real browser (Debian Chromium via Playwright), with the network cut off."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from browser import APP, chromium_available, drawn, open_page
from conftest import read, recipe_sites, write

from geo import load_sites
from geo.facts.bundle import Facts
from geo.maps.render import build_maps
from geo.specs.recipe import load_recipe, recipe_names

pytestmark = pytest.mark.skipif(
    not chromium_available(),
    reason="Debian chromium is not installed (.ci/run installs it: apt-get install chromium)",
)


@pytest.fixture(scope="module")
def built(site):
    return site



def sites_latlon(site_id):
    row = load_sites().set_index("id").loc[site_id]
    return row["latitude"], row["longitude"]


def expected_sites(name):
    return recipe_sites(name, visible_only=True)


@pytest.mark.parametrize("name", recipe_names())
def test_map_draws_every_site_offline(chromium, built, name):
    page, log = open_page(chromium, (built / load_recipe(name).file).as_uri())
    counts = drawn(page)
    assert sum(counts.values()) == len(expected_sites(name))
    assert log.errors == [] and log.failed == [] and log.blocked == []
    # The offline basemap is drawn (country outlines as SVG paths).
    assert page.locator(".leaflet-overlay-pane path").count() > 100
    page.close()


def test_filters_update_points_and_legend(chromium, built):
    page, _ = open_page(chromium, (built / "world-copper.html").as_uri())
    before = sum(drawn(page).values())
    page.click(".mt-filters summary")
    box = page.locator(".mt-filters input[data-field='stage'][value='production']")
    label_count = page.locator(".mt-filters label[data-field='stage'][data-value='production'] .mt-count")
    n_production = int(label_count.inner_text().strip("()"))
    assert n_production > 0
    box.uncheck()
    after = sum(drawn(page).values())
    assert after == before - n_production
    legend_total = page.evaluate(
        "Array.from(document.querySelectorAll('.mt-legend-row span'))"
        ".map(s => +s.textContent.match(/\\((\\d+)\\)$/)[1]).reduce((a, b) => a + b, 0)")
    assert legend_total == after
    assert label_count.inner_text() == "(0)"
    page.close()


def test_layer_toggle_hides_its_legend(chromium, built):
    page, _ = open_page(chromium, (built / "world-copper.html").as_uri())
    sections = page.locator(".mt-legend-layer").count()
    page.evaluate(f"(() => {{ const a = {APP}; a.map.removeLayer(a.layers[0]); }})()")
    assert page.locator(".mt-legend-layer").count() == sections - 1
    page.close()


def test_search_and_hash_open_the_site(chromium, built):
    sites = expected_sites("us_copper").set_index("id")
    page, _ = open_page(chromium, (built / "us-copper.html").as_uri())
    page.fill(".mt-search input", sites.loc["morenci", "name"])
    page.dispatch_event(".mt-search input", "change")
    popup = page.locator(".leaflet-popup-content h3")
    popup.wait_for()
    assert popup.inner_text() == sites.loc["morenci", "name"]
    assert "site=morenci" in page.evaluate("location.hash")
    url = page.url
    page.close()
    page2, _ = open_page(chromium, url)
    page2.locator(".leaflet-popup-content h3").wait_for()
    assert page2.locator(".leaflet-popup-content h3").inner_text() == sites.loc["morenci", "name"]
    page2.close()


def test_click_opens_popup_with_owners_and_sources(chromium, built):
    page, _ = open_page(chromium, (built / "us-copper.html").as_uri())
    page.evaluate(f"(() => {{ const a = {APP}; a.find('Morenci'); a.map.closePopup(); }})()")
    # find() may pan or zoom with an animation: wait until the map is still, so that the
    # pixel computed below is where Morenci stays drawn (a busy machine is slow here).
    page.wait_for_function(f"(() => {{ const m = {APP}.map; return !m._animatingZoom && "
                           "!(m._panAnim && m._panAnim._inProgress); })()")
    page.wait_for_timeout(100)
    # Click the pixel where Morenci is drawn.
    lat, lon = sites_latlon("morenci")
    xy = page.evaluate(f"(() => {{ const a = {APP}; const p = a.map.latLngToContainerPoint([{lat}, {lon}]);"
                       " return [p.x, p.y]; })()")
    box = page.locator(".mt-map").bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    content = page.locator(".leaflet-popup-content")
    content.wait_for()
    text = content.inner_text()
    assert "Freeport-McMoRan" in text and "Sources" in text
    assert content.locator("a[href^='http']").count() >= 1
    page.close()


XSS_CORPUS = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=2</script>",
    "`${window.__pwned=3}`",
    '"><svg onload="window.__pwned=4">',
    "</script><script>window.__pwned=5</script>",
    "\\u003cimg src=x onerror=window.__pwned=6\\u003e",
    "' onmouseover='window.__pwned=7",
    "<a href=\"javascript:window.__pwned=8\">x</a>",
    "{{7*7}} <iframe srcdoc='<script>parent.__pwned=9</script>'>",
]


def test_hostile_strings_do_not_execute(chromium, data_copy, tmp_path):
    sites = read(data_copy / "sites.csv")
    us = sites.index[(sites["country"] == "USA") & sites["commodities"].str.contains("copper")]
    hostile_rows = us[: len(XSS_CORPUS)]
    for row, text in zip(hostile_rows, XSS_CORPUS, strict=False):
        sites.loc[row, "name"] = text
        sites.loc[row, "notes"] = text
    write(sites, data_copy / "sites.csv")
    owners = read(data_copy / "owners.csv")
    owners.loc[0, "name"] = XSS_CORPUS[0]
    write(owners, data_copy / "owners.csv")
    sources = read(data_copy / "sources.csv")
    used = set(sites.loc[hostile_rows, "sources"].str.split(";").explode())
    for i, sid in enumerate(sorted(used)):
        sources.loc[sources["id"] == sid, "url"] = f"javascript:window.__pwned={20 + i}"
        sources.loc[sources["id"] == sid, "title"] = XSS_CORPUS[i % len(XSS_CORPUS)]
    write(sources, data_copy / "sources.csv")
    out = tmp_path / "maps"
    build_maps(out, ["us_copper"], facts=Facts.from_dir(data_copy))
    page, log = open_page(chromium, (out / "us-copper.html").as_uri())
    for row in hostile_rows:
        name = sites.loc[row, "name"]
        page.evaluate(f"() => {{ {APP}.map.closePopup(); }}")  # return nothing: the map is huge
        page.locator(".leaflet-popup").wait_for(state="detached")
        assert page.evaluate(f"(n) => {APP}.find(n)", name)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert popup.locator("h3").inner_text() == name  # shown literally
        assert popup.locator("img, svg, script, iframe").count() == 0
        assert popup.locator("a[href^='javascript' i]").count() == 0
    page.locator(".mt-search input").fill(XSS_CORPUS[1])
    assert page.evaluate("window.__pwned") is None
    assert page.locator("body img, body svg[onload], body iframe").count() == 0
    assert log.errors == []
    page.close()


def test_narrow_iframe_embedding(chromium, built, tmp_path):
    page_file = built / "us-copper.html"
    host = tmp_path / "host.html"
    host.write_text(
        "<!doctype html><html><head><style>body{font-family:serif;color:rgb(1,2,3)}</style></head>"
        f'<body><p id="t">Report text</p><iframe id="f" src="{page_file.as_uri()}" '
        'width="320" height="400" title="map"></iframe></body></html>')
    page = chromium.new_page(viewport={"width": 400, "height": 600})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "about:"))
               else r.abort())
    page.goto(host.as_uri())
    frame = page.frame_locator("#f")
    frame.locator(".mt-legend").wait_for()
    # The host page's own styles are untouched by the map.
    assert page.evaluate("getComputedStyle(document.getElementById('t')).color") == "rgb(1, 2, 3)"
    inner = page.frames[1]
    assert inner.evaluate("document.documentElement.scrollWidth") <= 320
    page.close()


def test_controls_reachable_by_keyboard_and_summary_present(chromium, built):
    page, _ = open_page(chromium, (built / "us-copper.html").as_uri())
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.add(page.evaluate(
            "(() => { const e = document.activeElement; return e.className + '|' + e.tagName +"
            " '|' + (e.getAttribute('aria-label') || e.title || ''); })()"))
    joined = " ".join(reached)
    assert "leaflet-control-zoom-in" in joined
    assert "Find a site" in joined           # search input
    assert "SUMMARY" in joined               # filters disclosure
    assert "Toggle full screen" in joined
    # Pinch zoom is allowed and the map has a text description for screen readers.
    assert "user-scalable=no" not in page.content()
    summary = page.locator("#mt-summary").inner_text()
    assert "sites" in summary and "by stage" in summary
    assert page.locator(".mt-map").get_attribute("aria-describedby") == "mt-summary"
    page.close()


def test_query_map_draws_its_result_offline(chromium, runner, tmp_path):
    """`minetrack query --map`: every result drawn, nothing fetched, hostile names shown as text."""
    from geo.cli import main

    hostile = '"><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
    header = ("id,name,aliases,type,commodities,country,admin1,latitude,longitude,location_accuracy,stage,"
              "capacity,capacity_unit,capacity_basis,capacity_year,start_year,notes,sources\n")
    rows = [("evil", hostile, 33.3, -111.0), ("plain", "Plain Project", 33.5, -110.5)]
    sites = tmp_path / "sites.csv"
    sites.write_text(header + "".join(
        f'{i},"{n.replace(chr(34), chr(34) * 2)}",,project,copper,USA,AZ,{lat},{lon},approximate,'
        "permitting,,,,,,test,usgs-mcs2025-copper\n" for i, n, lat, lon in rows), encoding="utf-8")
    out = tmp_path / "q.html"
    result = runner.invoke(main, ["query", "--sites", str(sites), "--near", "smelter:200km",
                                  "--map", str(out)])
    assert result.exit_code == 0, result.output
    page, log = open_page(chromium, out.as_uri())
    assert sum(drawn(page).values()) == 2
    assert page.evaluate(f"(n) => {APP}.find(n)", hostile)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert hostile in popup.inner_text()
    assert page.evaluate("window.__pwned") is None
    assert log.errors == [] and log.blocked == []
    page.close()


def test_minetrack_map_of_any_file_offline_every_feature_and_escaped(chromium, tmp_path):
    from click.testing import CliRunner

    from geo.cli import main

    hostile = XSS_CORPUS[0]
    points = gpd.GeoDataFrame(
        {"name": ["Morenci", hostile, "Escondida"], "stage": ["production", "permitting", "production"],
         "capacity": [400.0, 10.0, 1000.0]},
        geometry=[shapely.Point(-109.36, 33.08), shapely.MultiPoint([(-110.9, 32.2), (-110.8, 32.3)]),
                  shapely.Point(-69.07, -24.27)], crs=4326).to_crs(3857)
    lines = gpd.GeoDataFrame({"name": ["a line"]}, geometry=[shapely.LineString([(-111, 33), (-110, 34)])],
                             crs=4326)
    polys = gpd.GeoDataFrame({"name": ["a box"]}, geometry=[shapely.box(-112, 31, -111, 32)], crs=4326)
    mixed = pd.concat([points.to_crs(4326), lines, polys], ignore_index=True)
    src = tmp_path / "mixed.gpkg"
    mixed.to_file(src, engine="pyogrio")
    out = tmp_path / "m.html"
    r = CliRunner().invoke(main, ["map", str(src), "--color-by", "stage", "--size-by", "capacity",
                                  "--popup", "name,stage", "--output", str(out)])
    assert r.exit_code == 0, r.output
    page, log = open_page(chromium, out.as_uri())
    counts = drawn(page)
    assert counts["mixed: points (3)"] == 3 and counts["mixed: parts of multipoints (2)"] == 2
    assert page.locator(".leaflet-overlay-pane path").count() > 100  # basemap, line, box
    assert page.evaluate(f"(n) => {APP}.find(n)", hostile)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("h3").inner_text() == hostile
    assert popup.locator("img, svg, script").count() == 0
    assert page.evaluate("window.__pwned") is None
    legend = page.locator(".mt-legend").inner_text()
    assert "production (2)" in legend and "permitting (1)" in legend
    assert log.errors == [] and log.failed == [] and log.blocked == []
    page.close()


@pytest.mark.parametrize("fragment", ["site=%E0%A4%A", "site=constructor", "site=__proto__", "map=a/b/c&site",
                                      "map=99/999/999", "%%%&&==&site=toString"])
def test_hash_the_page_did_not_write_is_ignored_without_errors(chromium, built, fragment):
    page, log = open_page(chromium, (built / "us-copper.html").as_uri() + "#" + fragment)
    page.wait_for_timeout(200)
    assert log.errors == []
    assert page.locator(".leaflet-popup").count() == 0
    page.close()


def test_hash_view_reopens_and_stays(chromium, built):
    # A #map= view must not be undone by the page's fitted default view (issue 14).
    url = (built / "world-copper.html").as_uri() + "#map=6/-23/-69"
    page, log = open_page(chromium, url)
    drawn(page)
    page.wait_for_timeout(800)
    z, lat, lon = page.evaluate(f"(() => {{ const m = {APP}.map; const c = m.getCenter();"
                                " return [m.getZoom(), c.lat, c.lng]; })()")
    assert z == 6 and abs(lat + 23) < 0.01 and abs(lon + 69) < 0.01
    assert log.errors == []
    page.close()
