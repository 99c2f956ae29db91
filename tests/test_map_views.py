"""Map views in Chromium: URL hashes that reopen a view, one world, insets, ``png --view``."""

from __future__ import annotations

import pytest
from browser import APP, chromium_available, drawn, open_page

from geo.cli import main
from geo.core.errors import DataError
from geo.maps.embed import PRINT_HIDE, iframe_snippet
from geo.specs.recipe import load_recipe, parse_view, recipe_names

pytestmark = pytest.mark.skipif(not chromium_available(), reason="Debian chromium is not installed")

STATE = (f"(() => {{ const a = {APP}, m = a.map, c = m.getCenter(); return {{z: m.getZoom(), lat: c.lat, "
         "lon: c.lng, layers: a._layerState(), filters: a._filterState(), "
         "site: a.selected ? a.selected.layer.field('id', a.selected.i) : null, "
         "drawn: a.layers.reduce((s, l) => s + (l.active ? l.drawn : 0), 0)}; })()")



def state(page) -> dict:
    return page.evaluate(STATE)


def test_hash_round_trip_view_site_layers_filters(chromium, site):
    page, log = open_page(chromium, (site / "us-copper.html").as_uri())
    page.evaluate(f"(() => {{ const a = {APP}; a.map.removeLayer(a.all[a.all.length - 1]); }})()")
    page.click(".mt-filters summary")
    page.locator(".mt-filters input[data-field='stage'][value='permitting']").uncheck()
    page.evaluate(f"(() => {{ {APP}.find('Morenci'); }})()")
    page.wait_for_timeout(600)  # find() pans with an animation: let it end
    page.evaluate(f"(() => {{ {APP}.map.setView([33.2, -110.1], 7.5, {{animate: false}}); }})()")
    page.wait_for_timeout(100)
    before = state(page)
    assert before["site"] == "morenci" and before["filters"].startswith("stage:")
    url = page.url
    assert "&layers=" in url and "&filters=" in url and "site=morenci" in url
    page.close()
    again, log2 = open_page(chromium, url)
    again.wait_for_timeout(700)  # anything that would move the map late has happened by now
    after = state(again)
    assert after["z"] == before["z"] == 7.5
    assert abs(after["lat"] - before["lat"]) < 1e-3 and abs(after["lon"] - before["lon"]) < 1e-3
    assert (after["site"], after["layers"], after["filters"], after["drawn"]) == \
        (before["site"], before["layers"], before["filters"], before["drawn"])
    assert again.locator(".mt-filters input[data-field='stage'][value='permitting']").is_checked() is False
    assert again.locator(".leaflet-popup-content h3").inner_text() == "Morenci"
    assert log.errors == [] and log2.errors == []
    again.close()


def test_hand_written_hash_shows_only_what_it_names(chromium, site):
    page, _ = open_page(chromium, (site / "us-copper.html").as_uri())
    first = page.evaluate(f"(() => {{ const a = {APP}; return a.all.indexOf(a.layers[0]); }})()")
    page.close()
    url = (site / "us-copper.html").as_uri() + f"#map=7/33/-111&filters=stage:production&layers={first}"
    page, log = open_page(chromium, url)
    page.wait_for_timeout(700)
    s = state(page)
    assert (s["z"], round(s["lat"], 4), round(s["lon"], 4), s["layers"]) == (7, 33, -111, str(first))
    a = page.evaluate(f"(() => {{ const l = {APP}.layers[0]; let n = 0, p = 0;"
                      " for (let i = 0; i < l.n; i++) if (l.visible[i]) {"
                      " n++; p += l.field('stage', i) === 'production'; }"
                      " return [n, p]; })()")
    assert a[0] == a[1] > 0  # every point left visible is in production
    assert page.locator(".mt-legend-layer").count() == 1
    assert log.errors == []
    page.close()


@pytest.mark.parametrize("name", ["world-copper", "processing-capacity"])
def test_no_point_on_an_empty_world_copy(chromium, site, name):
    page, _ = open_page(chromium, (site / f"{name}.html").as_uri(), width=1400, height=900)
    page.evaluate(f"(() => {{ {APP}.map.setView([10, 0], 1, {{animate: false}}); }})()")
    page.wait_for_timeout(100)
    # Left and right of the world's edges (at zoom 1 the world is 512 px of 1400) the point
    # canvases hold no painted pixel; inside they do.
    counts = page.evaluate(f"""(() => {{
        const a = {APP}, m = a.map, x0 = m.latLngToContainerPoint([0, -180]).x,
              x1 = m.latLngToContainerPoint([0, 180]).x, r = devicePixelRatio;
        let outside = 0, inside = 0;
        a.layers.filter(l => l.active).map(l => l._canvas).forEach(c => {{  // the points' own canvases
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          for (let y = 0; y < c.height; y += 2) for (let x = 0; x < c.width; x += 2) {{
            if (!d[4 * (y * c.width + x) + 3]) continue;
            const cx = x / r;
            if (cx < x0 - 1 || cx > x1 + 1) outside++; else inside++;
          }}
        }});
        return [outside, inside, x0, x1];
    }})()""")
    assert counts[2] > 100 and counts[3] < 1300  # the world is narrower than the map here
    assert counts[0] == 0 and counts[1] > 100
    # Panning east stops short of a copy of the world (60 degrees past the antimeridian).
    page.evaluate(f"(() => {{ const m = {APP}.map; m.setZoom(3, {{animate: false}});"
                  " m.panBy([30000, 0], {animate: false}); })()")
    page.wait_for_timeout(100)
    east = page.evaluate(f"{APP}.map.getBounds().getEast()")
    assert 180 < east <= 240.5
    page.close()


@pytest.mark.parametrize("width", [320, 390])
def test_phone_shows_the_world_once(chromium, site, width):
    page, _ = open_page(chromium, (site / "world-copper.html").as_uri(), width=width, height=700)
    x0, x1 = page.evaluate(f"(() => {{ const m = {APP}.map; return [m.latLngToContainerPoint([0, -180]).x,"
                           " m.latLngToContainerPoint([0, 180]).x]; })()")
    assert 0 <= x0 < x1 <= width and x1 - x0 > 0.6 * width
    page.close()


def test_us_map_opens_on_the_lower_48_with_an_alaska_inset(chromium, site):
    page, _ = open_page(chromium, (site / "us-copper.html").as_uri(), width=1400, height=900)
    b = page.evaluate(f"(() => {{ const b = {APP}.map.getBounds(); return [b.getWest(), b.getSouth(),"
                      " b.getEast(), b.getNorth()]; })()")
    assert -130 < b[0] < -124 and b[2] > -67 and b[3] < 56 and b[1] < 25  # not fitted to Alaska
    inset = page.locator(".mt-inset[data-inset='Alaska']")
    assert inset.count() == 1 and page.locator(".mt-inset[data-inset='Hawaii']").count() == 0
    n_alaska = page.evaluate(f"{APP}.insets[0].drawn")
    ids = page.evaluate(f"(() => {{ const a = {APP}; let n = 0; a.layers.forEach(l => {{ if (l.active)"
                        " for (let i = 0; i < l.n; i++) n += l.lon[i] < -129 && l.lat[i] > 51; });"
                        " return n; })()")
    assert n_alaska == ids >= 1
    inset.click()
    lon = page.evaluate(f"{APP}.map.getCenter().lng")
    assert lon < -140
    page.close()


def test_each_recipe_sets_its_view_and_bad_views_are_refused(tmp_path):
    for name in recipe_names():
        assert load_recipe(name).view is not None, name
    bad = {"bounds": [10, 0, 5, 1], "zoom": 3, "insets": [{"bounds": [1, 2, 3]}]}
    view, problems = parse_view(bad, "r.toml")
    assert view is None
    fields = {p.field for p in problems}
    assert {"view.bounds", "view", "view.insets[1].title", "view.insets[1].bounds"} <= fields
    assert parse_view({"center": [33, -111], "zoom": 7}, "r.toml") == ({"center": [33, -111], "zoom": 7,
                                                                         "insets": []}, [])
    recipe = tmp_path / "bad.toml"
    recipe.write_text('title = "t"\n[view]\nbounds = [0, 0]\nextra = 1\n[[layers]]\nlayer = "sites"\n')
    with pytest.raises(DataError) as err:
        load_recipe(recipe)
    assert {p.field for p in err.value.problems} == {"view.bounds", "view.extra"}


def test_embed_view_in_src_and_srcdoc(chromium, runner, site, tmp_path):
    page_file = site / "us-copper.html"
    r = runner.invoke(main, ["embed", str(page_file), "--view", "map=7/33/-111", "--src",
                             "https://example.org/us.html"])
    assert r.exit_code == 0 and 'src="https://example.org/us.html#map=7/33/-111"' in r.output
    host = tmp_path / "host.html"
    snippet = iframe_snippet(page_file, width="640", height="480", srcdoc=True, view="map=7/33/-111")
    host.write_text(f"<!doctype html><body>{snippet}</body>")
    page = chromium.new_page(viewport={"width": 700, "height": 600})
    page.route("**/*", lambda rt: rt.continue_() if rt.request.url.startswith(("file:", "data:", "about:"))
               else rt.abort())
    page.goto(host.as_uri())
    page.frame_locator("iframe").locator(".mt-legend").wait_for()
    page.wait_for_timeout(500)
    z, lat, lon = page.frames[1].evaluate(f"(() => {{ const m = {APP}.map, c = m.getCenter();"
                                          " return [m.getZoom(), c.lat, c.lng]; })()")
    assert (z, round(lat, 4), round(lon, 4)) == (7, 33, -111)
    page.close()


def test_map_draws_the_same_sites_with_its_view(chromium, site):
    # The explicit views do not change what is drawn (a point off-screen still counts).
    page, _ = open_page(chromium, (site / "western-hemisphere-supply.html").as_uri(), width=1400, height=900)
    lon = page.evaluate(f"{APP}.map.getCenter().lng")
    assert -95 < lon < -70  # the Americas, not the Atlantic
    assert sum(drawn(page).values()) > 0
    page.close()


PANELS = """(() => {
  const m = document.querySelector('.mt-map').getBoundingClientRect(), area = m.width * m.height;
  const rect = s => { const e = document.querySelector(s); if (!e) return null;
    const r = e.getBoundingClientRect();
    return {l: r.left, t: r.top, r: r.right, b: r.bottom, share: r.width * r.height / area}; };
  return {legend: rect('.mt-legend'), filters: rect('.mt-filters'),
          open: document.querySelector('.mt-legend').open};
})()"""


LOCAL = ("file:", "data:", "about:")


def _apart(a, b) -> bool:
    return a["b"] <= b["t"] or b["b"] <= a["t"] or a["r"] <= b["l"] or b["r"] <= a["l"]


def _check_panels(frame, where):
    closed = frame.evaluate(PANELS)
    assert closed["open"], where  # open by default at these sizes
    assert closed["legend"]["share"] <= 0.30, (where, closed)
    if closed["filters"] is None:  # a map without sites has no filter panel
        return round(100 * closed["legend"]["share"], 1), None
    frame.locator(".mt-filters summary").click()
    frame.wait_for_timeout(50)
    both = frame.evaluate(PANELS)
    leg, fil = both["legend"], both["filters"]
    assert leg["share"] + fil["share"] <= 0.30, (where, both)
    assert _apart(leg, fil), (where, both)
    frame.hover(".leaflet-control-layers")  # the layer list opens and pushes the filters down
    frame.wait_for_timeout(50)
    hovered = frame.evaluate(PANELS)
    assert _apart(hovered["legend"], hovered["filters"]), (where, "layer list open", hovered)
    return round(100 * closed["legend"]["share"], 1), round(100 * (leg["share"] + fil["share"]), 1)


@pytest.mark.parametrize("size", [(1400, 900), (800, 600)])
def test_legend_and_filters_fit_and_never_overlap(chromium, site, size):
    shares = {}
    for name in recipe_names():
        url = (site / load_recipe(name).file).as_uri()
        page, log = open_page(chromium, url, width=size[0], height=size[1])
        shares[name] = _check_panels(page, (name, size))
        assert log.errors == []
        page.close()
    print(size, shares)  # the measured shares, in the test log


def test_legend_fits_a_480_px_embed(chromium, site, tmp_path):
    for name in ("processing-capacity", "us-copper", "control-spheres"):
        host = tmp_path / f"{name}.html"
        host.write_text("<!doctype html><body style='margin:0'>"
                        + iframe_snippet(site / f"{name}.html", height="480") + "</body>")
        page = chromium.new_page(viewport={"width": 900, "height": 700})
        page.route("**/*", lambda rt: rt.continue_() if rt.request.url.startswith(LOCAL) else rt.abort())
        page.goto(host.as_uri())
        page.frame_locator("iframe").locator(".mt-legend").wait_for()
        inner = page.frames[1]
        assert inner.evaluate("document.querySelector('.mt-map').getBoundingClientRect().height") == 480
        print(name, _check_panels(inner, (name, "embed 480")))
        page.close()


def test_small_screens_open_with_the_legend_closed(chromium, site):
    page, _ = open_page(chromium, (site / "processing-capacity.html").as_uri(), width=390, height=700)
    state_ = page.evaluate(PANELS)
    assert state_["open"] is False and state_["legend"]["share"] < 0.02
    page.click(".mt-legend summary")
    # <details> fires "toggle" as a later task, and the layout runs on it: wait for that
    # task rather than measure the legend in between (a busy machine lands there).
    page.wait_for_function(f"{PANELS}.legend.share <= 0.30", timeout=10_000)
    assert page.evaluate(PANELS)["legend"]["share"] <= 0.30
    page.close()


def test_every_category_stays_in_the_legend(chromium, site):
    from geo.facts.bundle import Facts

    page, _ = open_page(chromium, (site / "control-spheres.html").as_uri())
    spheres = Facts.from_dir().countries["sphere"]
    legend = ".mt-legend-layer[data-layer='Country sphere'] "
    for name, count in spheres.value_counts().items():  # every sphere in use, with its count
        assert page.locator(legend + f"[data-category='{name}']").inner_text() == f"{name} ({count})"
    # Countries without a sphere are listed as "unclassified"; data/spheres.csv now
    # assigns every country drawn, so there is no such row.
    row = page.locator(legend + "[data-category='unclassified']")
    missing = int(spheres.isna().sum())
    assert row.all_inner_texts() == ([f"unclassified ({missing})"] if missing else [])
    page.close()
    page, _ = open_page(chromium, (site / "us-copper.html").as_uri())
    rows = page.locator(".mt-legend-row[data-category='production']")
    n = rows.count()
    page.click(".mt-filters summary")
    page.locator(".mt-filters input[data-field='stage'][value='production']").uncheck()
    assert rows.count() == n > 0  # still listed, each with (0)
    assert all(t.endswith("(0)") for t in rows.all_inner_texts())
    page.close()


def test_data_credits_in_the_attribution(chromium, site):
    from geo.core.tables import split_list
    from geo.facts.bundle import Facts
    from geo.maps.credits import MAX_PUBLISHERS, publisher_name

    facts = Facts.from_dir()
    sites = facts.sites[(facts.sites["country"] == "USA") & facts.sites["commodities"].str.contains("copper")]
    publishers = facts.sources.drop_duplicates("id").set_index("id")["publisher"]
    cited = {publisher_name(publishers[s]) for cell in sites["sources"] for s in split_list(cell)}
    cited -= {"Natural Earth"}
    page, _ = open_page(chromium, (site / "us-copper.html").as_uri(), width=800, height=600)
    page.add_style_tag(content=PRINT_HIDE)  # as on the PNG
    credit = page.locator(".leaflet-control-attribution .mt-credits")
    text = credit.inner_text()
    named = text.removeprefix("Data: ").split(", and ")[0].split(", ")
    assert named[:2] == ["Natural Earth", "USGS"] and set(named[1:]) <= cited
    assert len(named) - 1 == min(MAX_PUBLISHERS, len(cited))
    assert f"and {len(cited) - (len(named) - 1)} more" in text
    box = credit.bounding_box()
    assert credit.is_visible() and box["x"] >= 0 and box["y"] + box["height"] <= 600  # in the picture
    page.close()
    page, _ = open_page(chromium, (site / "copper-reserves.html").as_uri())
    assert page.locator(".mt-credits").inner_text() == "Data: Natural Earth, USGS"
    page.close()


def test_hostile_publisher_is_shown_as_text(chromium, data_copy, tmp_path):
    from conftest import read, write

    from geo.facts.bundle import Facts
    from geo.maps.render import build_maps

    sources = read(data_copy / "sources.csv")
    hostile = '<img src=x onerror="window.__pwned=1">'
    sources.loc[sources["id"] == "usgs-mcs2025-copper", "publisher"] = hostile
    write(sources, data_copy / "sources.csv")
    publishers = read(data_copy / "publishers.csv")  # every publisher must be classified
    publishers.loc[len(publishers)] = {"publisher": hostile, "kind": "government", "primary": "true",
                                       "reason": "a hostile string, for the test"}
    write(publishers, data_copy / "publishers.csv")
    out = tmp_path / "maps"
    build_maps(out, ["copper_reserves"], facts=Facts.from_dir(data_copy))
    page, log = open_page(chromium, (out / "copper-reserves.html").as_uri())
    credit = page.locator(".mt-credits")
    assert hostile in credit.inner_text()
    assert page.locator(".leaflet-control-attribution img").count() == 0
    assert page.evaluate("window.__pwned") is None and log.errors == []
    page.close()


def test_site_without_a_view_is_brought_into_sight(chromium, site):
    # Pebble (Alaska) lies outside the lower-48 view us-copper opens on.
    url = (site / "us-copper.html").as_uri() + "#site=pebble"
    page, log = open_page(chromium, url, width=1200, height=800)
    popup = page.locator(".leaflet-popup-content h3")
    popup.wait_for()
    page.wait_for_timeout(600)  # the pan that brings the popup into view
    box = page.locator(".leaflet-popup").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= 1200 and box["y"] + box["height"] <= 800
    assert log.errors == []
    page.close()
