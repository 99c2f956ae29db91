"""Bundled coordinates against independent USGS datasets in ../shared/realdata.

The USGS porphyry copper database (Singer, Berger and Moring 2008, Open-File Report
2008-1155) gives deposit centroids; an operating pit or plant may sit a few km from
its deposit's centroid, so the tolerance is 10 km. A larger gap means a wrong point.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pyproj import Geod

from geo import load_sites

SHARED = Path(__file__).resolve().parents[2] / "shared" / "realdata"
PORCU = SHARED / "usgs-porphyry-copper-2008" / "PorCuEX2008.csv"
TOLERANCE_M = 10_000

# minetrack site id -> USGS NameDeposit. Not mapped: Grasberg, whose USGS point lies ~29 km
# north of the open pit (minetrack uses the pit's published position).
PORPHYRY = {
    "morenci": "Morenci-Metcalf",
    "bingham-canyon": "Bingham",
    "pebble": "Pebble  Copper",
    "chino": "Santa  Rita",
    "robinson": "Ely",
    "butte-continental": "Continental/Butte",
    "el-teniente": "El  Teniente",
    "resolution": "Resolution",
    "bagdad": "Bagdad",
    "sierrita": "Esperanza-Sierrita",
    "ray": "Ray",
    "mission": "Mission-Pima",
    "tyrone": "Tyrone",
    "escondida": "Escondida",
    "collahuasi": "Collahuasi",
    "buenavista-del-cobre": "Cananea",
    "chuquicamata": "Chuquicamata",
    "toquepala": "Toquepala",
    "cuajone": "Cuajone",
    "quellaveco": "Quellaveco",
    "spence": "Spence",
    "toromocho": "Toromocho",
    "constancia": "Constancia",
    "la-caridad": "La  Caridad",
    "oyu-tolgoi": "Oyu  Tolgoi",
    "cerro-verde": "Cerro  Verde/Santa  Rosa",
    "bor": "Bor",
}

pytestmark = pytest.mark.skipif(not PORCU.exists(), reason=f"shared USGS data not found at {PORCU}")


def test_sites_agree_with_usgs_porphyry_copper_database():
    usgs = pd.read_csv(PORCU, encoding="latin-1")
    usgs.index = usgs["NameDeposit"].str.strip()
    sites = load_sites().set_index("id")
    missing = sorted(set(PORPHYRY) - set(sites.index))
    assert not missing, f"mapped sites missing from data: {missing}"
    geod = Geod(ellps="WGS84")
    far = []
    for site_id, name in PORPHYRY.items():
        ref = usgs.loc[name.strip()]
        s = sites.loc[site_id]
        _, _, d = geod.inv(s.longitude, s.latitude, ref.LongitudeDecimal, ref.LatitudeDecimal)
        if d > TOLERANCE_M:
            far.append(f"{site_id}: {d / 1000:.1f} km from USGS '{name}'")
    assert not far, far


def _script():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "scripts" / "crosscheck_points.py"
    spec = importlib.util.spec_from_file_location("crosscheck_points", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_every_exact_point_has_two_sources_within_2_km():
    """What scripts/crosscheck_points.py enforces: an `exact` point agrees within 2 km with a
    USGS record of the same site and with a second cited source, or it is `approximate`."""
    import csv

    script = _script()
    sites_csv = Path(__file__).resolve().parents[1] / "data" / "sites.csv"
    with sites_csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    verdicts = script.check(rows, script.load_usgs(SHARED))
    exact = [r["id"] for r in rows if r["location_accuracy"] == "exact"]
    assert [v["id"] for v in verdicts] == exact and len(exact) >= 5
    bad = [(v["id"], v["reason"]) for v in verdicts if v["verdict"] != "keep"]
    assert bad == []
    assert all(float(v["usgs_distance_m"]) <= 2_000 for v in verdicts)
    # A point moved 3 km from its USGS record is no longer backed within 2 km.
    moved = [dict(r) for r in rows if r["id"] == "chuquicamata"]
    moved[0]["latitude"] = str(float(moved[0]["latitude"]) + 0.03)
    [v] = script.check(moved, script.load_usgs(SHARED))
    assert v["verdict"] == "downgrade" and "more than 2 km" in v["reason"]


def test_crosscheck_apply_downgrades_only_the_failing_rows(tmp_path):
    import csv
    import shutil

    script = _script()
    path = tmp_path / "sites.csv"
    shutil.copy(Path(__file__).resolve().parents[1] / "data" / "sites.csv", path)
    before = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    n = script.apply(path, [{"id": "tyrone", "verdict": "downgrade", "reason": "test reason"},
                            {"id": "escondida", "verdict": "keep", "reason": "fine"}])
    after = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert n == 1 and len(after) == len(before)
    changed = [b["id"] for b, a in zip(before, after, strict=True) if a != b]
    assert changed == ["tyrone"]
    row = next(a for a in after if a["id"] == "tyrone")
    assert row["location_accuracy"] == "approximate" and row["notes"].endswith("test reason.")
