"""Maps in a real browser (Debian Chromium via Playwright), with the network cut off."""

from __future__ import annotations

import pytest
from browser import APP, browser, chromium_available, drawn, open_page
from conftest import read, write

from geo import load_sites
from geo.recipes import load_recipe, recipe_names
from geo.render import Facts, build_maps
from geo.select import filter_sites

pytestmark = pytest.mark.skipif(
    not chromium_available(),
    reason="Debian chromium is not installed (.ci/run installs it: apt-get install chromium)",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("maps")
    build_maps(out)
    return out


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def sites_latlon(site_id):
    row = load_sites().set_index("id").loc[site_id]
    return row["latitude"], row["longitude"]


def expected_sites(name):
    sites = load_sites()
    for layer in load_recipe(name).layers:
        sites = filter_sites(sites, **layer.filter)
    return sites


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


def test_hostile_strings_do_not_execute(chromium, data_copy, tmp_path):
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`${window.__pwned=3}`'
    sites = read(data_copy / "sites.csv")
    row = sites.index[sites["id"] == "morenci"][0]
    sites.loc[row, "name"] = hostile
    sites.loc[row, "notes"] = '"><svg onload="window.__pwned=4">'
    write(sites, data_copy / "sites.csv")
    sources = read(data_copy / "sources.csv")
    sid = sites.loc[row, "sources"].split(";")[0]
    sources.loc[sources["id"] == sid, "url"] = "javascript:window.__pwned=5"
    write(sources, data_copy / "sources.csv")
    out = tmp_path / "maps"
    build_maps(out, ["us_copper"], facts=Facts.from_dir(data_copy))
    page, log = open_page(chromium, (out / "us-copper.html").as_uri())
    page.evaluate(f"(() => {{ const a = {APP}; return a.find({hostile!r}); }})()")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("h3").inner_text() == hostile  # shown literally
    assert popup.locator("img, svg, script").count() == 0
    assert popup.locator("a[href^='javascript']").count() == 0
    assert page.evaluate("window.__pwned") is None
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
