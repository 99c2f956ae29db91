"""Large point layers: the compact columnar encoding, and the runtime drawing and
hit-testing them in Chromium (correctness only; timings live in
benchmarks/bench_first_paint.py)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely
from browser import APP, drawn, open_page

from geo.maps.data_map import data_map
from geo.maps.page import map_html
from geo.maps.render import points_map
from geo.specs.kinds._encode import (
    DICT_MIN_POINTS,
    dequantise_lonlat,
    point_layer,
    quantise_lonlat,
    text_column,
)

N = 20_000
LONELY = (-25.0, -40.0)  # lon, lat: the South Atlantic, far from the other points


def many_points(n: int = N) -> gpd.GeoDataFrame:
    """``n`` points over Africa in five kinds, the last one alone at ``LONELY``."""
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-15, 45, n), rng.uniform(-30, 30, n)
    x[-1], y[-1] = LONELY
    kinds = np.array(["mine", "plant", "port", "quarry", "field"])[np.arange(n) % 5]
    names = np.array([f"site {i}" for i in range(n)], dtype=object)
    names[-1] = "the lonely one"
    return gpd.GeoDataFrame({"kind": kinds, "name": names}, geometry=shapely.points(x, y), crs=4326)


def test_coordinates_round_trip_within_a_metre_and_a_half():
    rng = np.random.default_rng(0)
    lon = np.concatenate([rng.uniform(-180, 180, 10_000), [-180.0, 180.0, 0.0]])
    lat = np.concatenate([rng.uniform(-90, 90, 10_000), [-90.0, 90.0, 0.0]])
    back_lon, back_lat = dequantise_lonlat(quantise_lonlat(lon, lat))
    # Half a grid step: 360 / 2**24 / 2 degrees of longitude (1.2 m at the equator).
    assert np.abs(back_lon - lon).max() <= 360 / (2**24 - 1) / 2 + 1e-12
    assert np.abs(back_lat - lat).max() <= 180 / (2**24 - 1) / 2 + 1e-12
    assert np.abs(back_lon - lon).max() * 111_320 < 1.5


def test_repeating_text_is_dictionary_coded_only_for_large_layers():
    small = text_column(gpd.pd.Series(["a", "b"] * 10))
    assert small == ["a", "b"] * 10
    big = text_column(gpd.pd.Series(["mine", "plant", None] * DICT_MIN_POINTS))
    assert big["values"] == ["mine", "plant", ""] and big["width"] == 1
    import base64

    codes = np.frombuffer(base64.b64decode(big["codes"]), np.uint8)
    assert [big["values"][c] for c in codes[:4]] == ["mine", "plant", "", "mine"]
    unique = text_column(gpd.pd.Series([f"n{i}" for i in range(DICT_MIN_POINTS)]))
    assert isinstance(unique, list)  # coding distinct strings would not save anything


def test_page_bytes_grow_linearly_about_nine_bytes_a_point():
    sizes = {}
    for n in (10_000, 40_000):
        gdf = many_points(n)
        sizes[n] = len(map_html(points_map(gdf, title="P", color_by="kind")).encode())
    per_point = (sizes[40_000] - sizes[10_000]) / 30_000
    # 6 bytes of coordinates and 1 of colour code, in base64: 9.33 bytes a point.
    assert 9.0 < per_point < 9.7
    spec = point_layer(many_points(100), title="P", color_by="kind")
    assert set(spec["coords"]) == {"bits", "lon", "lat"} and "lonlat" not in spec


def test_page_is_deterministic():
    gdf = many_points(DICT_MIN_POINTS + 10)
    assert map_html(points_map(gdf, title="P", color_by="kind", fields=("name", "kind"), label="name")) == \
        map_html(points_map(gdf, title="P", color_by="kind", fields=("name", "kind"), label="name"))



def test_large_layer_draws_every_point_and_hit_test_finds_the_lonely_one(chromium, tmp_path):
    gdf = many_points()
    fmap = points_map(gdf, title="Facilities", color_by="kind", fields=("name", "kind"), label="name")
    html = map_html(fmap)
    config = json.loads(html.split('-data">', 1)[1].split("</script>", 1)[0])
    assert isinstance(config["layers"][-1]["fields"]["kind"], dict)  # coded in the page
    out = tmp_path / "big.html"
    out.write_text(html, encoding="utf-8")
    page, log = open_page(chromium, out.as_uri())
    assert drawn(page) == {f"Facilities ({N})": N}
    # The point's own screen position, from Leaflet: the canvas is painted there, and
    # the grid finds exactly that point; a spot in the empty ocean has no point or paint.
    found = page.evaluate(f"""([lon, lat]) => {{
        const a = {APP}, l = a.layers[0], p = a.map.latLngToContainerPoint([lat, lon]);
        const ctx = l._canvas.getContext('2d'), r = window.devicePixelRatio || 1;
        const px = q => ctx.getImageData(Math.floor(q.x * r), Math.floor(q.y * r), 1, 1).data[3];
        const empty = a.map.latLngToContainerPoint([lat + 8, lon - 8]);
        return {{hit: l.hit(p), alpha: px(p), emptyHit: l.hit(empty), emptyAlpha: px(empty),
                 name: l.field('name', l.hit(p)), kind: l.field('kind', l.hit(p)), x: p.x, y: p.y}};
    }}""", list(LONELY))
    assert found["hit"] == N - 1 and found["name"] == "the lonely one" and found["kind"] == "field"
    assert found["alpha"] > 200 and found["emptyHit"] == -1 and found["emptyAlpha"] == 0
    page.mouse.click(found["x"], found["y"])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("h3").inner_text() == "the lonely one"
    assert "field" in popup.inner_text()
    assert log.errors == [] and log.failed == [] and log.blocked == []
    page.close()


def test_filters_on_a_coded_field_count_and_hide_points(chromium, tmp_path):
    out = tmp_path / "filtered.html"
    out.write_text(map_html(data_map(many_points(), title="Facilities", color_by="kind")), encoding="utf-8")
    page, log = open_page(chromium, out.as_uri())
    title = f"Facilities: points ({N})"
    assert drawn(page) == {title: N}
    page.click(".mt-filters summary")
    count = page.locator(".mt-filters label[data-value='port'] .mt-count")
    assert count.inner_text() == f"({N // 5})"
    page.locator(".mt-filters input[value='port']").uncheck()
    assert drawn(page) == {title: N - N // 5}
    assert page.locator(".mt-filters label[data-value='mine'] .mt-count").inner_text() == f"({N // 5})"
    assert "port (0)" in page.locator(".mt-legend").inner_text()  # every category stays listed
    assert log.errors == []
    page.close()
