"""The catalogue of downloadable public datasets: publisher, URL, file name, checksum.

These are where the bytes come from; the layer specs in ``layers/`` say what a
downloaded file is as a layer (kind, class) and name one of these by ``[fetch]
source``. Adding a download is adding a :class:`Source` row here.
"""

from __future__ import annotations

from dataclasses import dataclass

US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "AS",
    "GU",
    "MP",
    "PR",
    "VI",
]


@dataclass(frozen=True)
class Source:
    """One downloadable dataset: where it lives and how to check it."""

    name: str
    description: str
    publisher: str
    url: str  # may hold {state} or {region}
    filename: str
    sidecar: str | None = None  # checksum file beside the download: "md5" or "sha256"
    sha256: str | None = None
    params: tuple[str, ...] = ()


_NE = "https://naciscdn.org/naturalearth/10m/cultural/"
SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "padus",
            "PAD-US 4.0 for one state (file geodatabase: Fee, Designation, Easement, Proclamation, Combined)",
            "USGS Gap Analysis Project",
            "https://www.sciencebase.gov/catalog/file/get/652d4f80d34e44db0e2ee45c?name=PADUS4_0_State_{state}_GDB.zip",
            "PADUS4_0_State_{state}_GDB.zip",
            params=("state",),
        ),
        Source(
            "blm-sma",
            "BLM Surface Management Agency, national (who manages the surface)",
            "Bureau of Land Management",
            "https://gis.blm.gov/EGISDownload/LayerPackages/BLM_National_Surface_Management_Agency.zip",
            "BLM_National_Surface_Management_Agency.zip",
        ),
        Source(
            "usfs",
            "National Forest System administrative forest boundaries",
            "USDA Forest Service",
            "https://data.fs.usda.gov/geodata/edw/edw_resources/shp/S_USA.AdministrativeForest.zip",
            "S_USA.AdministrativeForest.zip",
        ),
        Source(
            "nps",
            "National Park Service units (Natural Earth 1:10m parks and protected lands)",
            "Natural Earth",
            _NE + "ne_10m_parks_and_protected_lands.zip",
            "ne_10m_parks_and_protected_lands.zip",
        ),
        Source(
            "wilderness",
            "National Wilderness Preservation System boundaries",
            "Wilderness Connect (University of Montana, for the federal agencies)",
            "https://wilderness.net/GIS/Wilderness_Areas.zip",
            "Wilderness_Areas.zip",
        ),
        Source(
            "ne-railroads",
            "Railroads of the world (1:10m)",
            "Natural Earth",
            _NE + "ne_10m_railroads.zip",
            "ne_10m_railroads.zip",
        ),
        Source(
            "ne-railroads-north-america",
            "North American railroads (1:10m)",
            "Natural Earth",
            _NE + "ne_10m_railroads_north_america.zip",
            "ne_10m_railroads_north_america.zip",
        ),
        Source(
            "ne-roads",
            "Roads of the world (1:10m)",
            "Natural Earth",
            _NE + "ne_10m_roads.zip",
            "ne_10m_roads.zip",
        ),
        Source("ne-ports", "Ports (1:10m)", "Natural Earth", _NE + "ne_10m_ports.zip", "ne_10m_ports.zip"),
        Source(
            "ne-airports",
            "Airports (1:10m)",
            "Natural Earth",
            _NE + "ne_10m_airports.zip",
            "ne_10m_airports.zip",
        ),
        Source(
            "ne-populated-places",
            "Populated places (1:10m, simple)",
            "Natural Earth",
            _NE + "ne_10m_populated_places_simple.zip",
            "ne_10m_populated_places_simple.zip",
        ),
        Source(
            "osm",
            "OpenStreetMap extract for a Geofabrik region, e.g. north-america/us/arizona",
            "OpenStreetMap contributors via Geofabrik",
            "https://download.geofabrik.de/{region}-latest.osm.pbf",
            "{region_file}-latest.osm.pbf",
            sidecar="md5",
            params=("region",),
        ),
    )
}
