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
