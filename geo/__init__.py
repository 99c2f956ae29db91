"""minetrack: copper and critical-mineral sites as GeoDataFrames, joins, queries and maps.

The public API, in the order data flows through it::

    import geo
    sites = geo.load_sites()                        # points, EPSG:4326, validated
    countries = geo.load_countries()                # Natural Earth 1:50m polygons
    joined = geo.join_countries(sites, countries)   # + joined_country, country_rule ...
    mines = geo.filter_sites(sites, type="mine", country="USA")
    result = geo.query_sites(sites, geo.Query(stage="permitting", country="USA"),
                             geo.QueryLayers(events=geo.load_stage_events()))
    geo.write_layer(mines, "us_mines.gpkg")
    geo.build_maps("site")                          # every recipe in maps/ to HTML

Every ``minetrack`` command has its function here (:data:`VERBS`). Names are
imported on first use, so ``import geo`` (and ``minetrack --help``) stays fast.

The package is built in wings, each importing only the ones before it:
``core`` -> ``io`` -> ``spatial`` -> ``facts`` -> ``specs`` -> ``query`` / ``maps``
-> ``cli``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # errors
    "MinetrackError": "geo.core.errors", "DataError": "geo.core.errors", "Problem": "geo.core.errors",
    "ArgumentError": "geo.core.errors", "FileError": "geo.core.errors", "FetchError": "geo.core.errors",
    # facts
    "Facts": "geo.facts.bundle", "check_dataset": "geo.facts.bundle", "validate": "geo.facts.bundle",
    "load_sites": "geo.facts.sites", "read_sites": "geo.facts.sites", "load_sources": "geo.facts.sites",
    "load_owners": "geo.facts.sites", "load_ownership": "geo.facts.sites",
    "load_countries": "geo.facts.countries", "load_us_states": "geo.facts.countries",
    "filter_sites": "geo.facts.select", "list_sites": "geo.facts.bundle",
    "owner_summary": "geo.facts.ownership", "stakes": "geo.facts.ownership",
    "with_owners": "geo.facts.ownership",
    "load_stage_events": "geo.facts.permits", "load_fast41": "geo.facts.permits",
    "load_land_status": "geo.facts.permits", "stage_at": "geo.facts.permits", "stages": "geo.facts.permits",
    "sphere_shares": "geo.facts.stats", "spheres": "geo.facts.stats", "supply": "geo.facts.supply",
    "load_import_sources": "geo.facts.supply", "load_net_import_reliance": "geo.facts.supply",
    "import_sites": "geo.facts.importing", "Imported": "geo.facts.importing",
    "load_mapping": "geo.facts.importing.mapping", "load_preset": "geo.facts.importing.mapping",
    "preset_names": "geo.facts.importing.mapping", "clip_sites": "geo.facts.select",
    "Store": "geo.facts.store", "open_store": "geo.facts.store",
    # files in and out
    "read_vector": "geo.io.vector", "read_foreign": "geo.io.foreign",
    "read_federal_land": "geo.io.federal_land",
    "read_infrastructure": "geo.io.infrastructure", "read_osm": "geo.io.infrastructure",
    "write_layer": "geo.io.write", "fetch": "geo.io.fetch",
    # spatial questions
    "join_countries": "geo.spatial.join", "PolygonIndex": "geo.spatial.polygon_index",
    "FeatureIndex": "geo.spatial.nearest", "on_federal_land": "geo.spatial.federal",
    "distance_to_land": "geo.spatial.federal", "federal_area_within": "geo.spatial.federal",
    "nearest_infrastructure": "geo.spatial.infrastructure", "terrain": "geo.spatial.terrain",
    "proximity": "geo.spatial.proximity", "zonal_stats": "geo.spatial.zonal",
    "plants_as_infrastructure": "geo.spatial.infrastructure",
    # specs, queries, maps
    "load_layer_spec": "geo.specs.layer", "load_layer": "geo.specs.layer", "load_recipe": "geo.specs.recipe",
    "catalogue": "geo.specs.catalogue",
    "Query": "geo.query.conditions", "QueryLayers": "geo.query.conditions",
    "query_sites": "geo.query.run", "gather_layers": "geo.query.run",
    "build_maps": "geo.maps.render", "render_recipe": "geo.maps.render", "points_map": "geo.maps.render",
    "map_html": "geo.maps.page", "result_map": "geo.maps.query_map", "data_map": "geo.maps.data_map",
    "iframe_snippet": "geo.maps.embed", "snapshot": "geo.maps.embed",
}

VERBS: dict[str, str] = {
    "build": "build_maps", "sites": "list_sites", "validate": "validate", "join": "join_countries",
    "embed": "iframe_snippet", "png": "snapshot", "spheres": "spheres", "supply": "supply",
    "fetch": "fetch", "query": "query_sites", "stages": "stages", "layers": "catalogue",
    "import": "import_sites", "map": "data_map", "terrain": "terrain", "proximity": "proximity",
    "zonal": "zonal_stats", "store": "open_store",
}
"""Each ``minetrack`` command and the function of this package it calls."""

__all__ = sorted([*_EXPORTS, "VERBS", "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
