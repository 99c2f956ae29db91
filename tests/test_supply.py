"""Supply dependence: US import shares by source, validated, drawn as geodesic flows."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import read, write
from pyproj import Geod

from geo import check_dataset, load_countries
from geo.facts.supply import IMPORTS_FILE, anchor_points, flow_lines, load_import_sources


@pytest.fixture(scope="module")
def flows():
    return load_import_sources(known_iso=set(load_countries()["iso_a3"]))


def test_us_refined_copper_sources_match_usgs(flows):
    refined = flows[flows["product"] == "refined copper"].set_index("exporter")["share_pct"]
    assert refined.to_dict() == {"CHL": 65, "CAN": 17, "MEX": 9, "PER": 6, "OTH": 3}
    assert refined.sum() == 100


def test_flow_lines_follow_the_geodesic(flows):
    countries = load_countries()
    lines = flow_lines(flows[flows["product"] == "refined copper"], countries)
    assert len(lines) == 4 and "OTH" not in set(lines["exporter"])  # "other" is not drawn
    anchors = anchor_points(countries)
    chl = lines[lines["exporter"] == "CHL"].geometry.iloc[0]
    a, b = anchors["CHL"], anchors["USA"]
    xy = np.asarray(chl.coords)
    assert tuple(xy[0]) == (a.x, a.y) and tuple(xy[-1]) == (b.x, b.y)
    expected = Geod(ellps="WGS84").npts(a.x, a.y, b.x, b.y, len(xy) - 2)
    assert np.allclose(xy[1:-1], expected)
    # Every anchor lies in its own country.
    for code in ("CHL", "USA", "CAN", "MEX", "PER"):
        assert countries.set_index("iso_a3").loc[code].geometry.contains(anchors[code])


def test_flow_over_the_pacific_is_continuous(flows):
    lines = flow_lines(flows[flows["exporter"] == "MYS"], load_countries())
    lon = np.asarray(lines.geometry.iloc[0].coords)[:, 0]
    assert np.abs(np.diff(lon)).max() < 20  # no jump across the map at +-180


def test_shares_not_summing_to_100_is_an_error(data_copy):
    rows = read(data_copy / IMPORTS_FILE)
    rows.loc[0, "share_pct"] = "75"
    rows.loc[1, "exporter"] = "QQQ"
    write(rows, data_copy / IMPORTS_FILE)
    found = [str(p) for p in check_dataset(data_copy)]
    assert any("[share_pct]" in p and "sum to 110%" in p for p in found)
    assert any("[exporter]" in p and "unknown country code 'QQQ'" in p for p in found)


def test_china_concentrate_shares_and_us_net_import_reliance(runner):
    from geo.cli import main
    from geo.facts.supply import load_net_import_reliance

    imports = load_import_sources()
    china = imports.query("importer == 'CHN' and product == 'copper ore and concentrates'")
    china = china.set_index("exporter")["share_pct"]
    # Computed from customs volumes reported by SMM: 9.64 and 7.42 of 30.365 million t.
    assert china["CHL"] == pytest.approx(100 * 9.64 / 30.365, abs=0.01)
    assert china["PER"] == pytest.approx(100 * 7.42 / 30.365, abs=0.01)
    assert china.sum() == pytest.approx(100)
    # Every China table sums to 100 % with its "other countries" remainder.
    sums = imports[imports["importer"] == "CHN"].groupby(["product", "period"])["share_pct"].sum()
    assert len(sums) >= 8 and np.allclose(sums, 100)
    nir = load_net_import_reliance().set_index("commodity")
    assert nir.loc["copper (refined)", "net_import_reliance_pct"] == 45
    assert nir.loc["rare earths (mineral concentrates)", "qualifier"] == "net-exporter"
    assert nir["net_import_reliance_pct"].dropna().between(0, 100).all()
    out = runner.invoke(main, ["supply", "--nir", "--format", "csv"])
    assert out.exit_code == 0 and "antimony" in out.output
    out = runner.invoke(main, ["supply", "--importer", "CHN", "--format", "csv"])
    assert out.exit_code == 0 and "copper ore and concentrates" in out.output
    assert {line.split(",")[2] for line in out.output.splitlines()[1:]} == {"CHN"}


def test_bad_net_import_reliance_rows(data_copy):
    from geo.facts.supply import NIR_FILE

    nir = read(data_copy / NIR_FILE)
    nir.loc[0, "net_import_reliance_pct"] = "145"
    nir.loc[1, "qualifier"] = "about"
    write(nir, data_copy / NIR_FILE)
    found = [str(p) for p in check_dataset(data_copy)]
    assert any(":2 [net_import_reliance_pct]" in p for p in found)
    assert any(":3 [qualifier]" in p for p in found)
