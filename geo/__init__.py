"""minetrack: copper and critical-mineral sites as GeoDataFrames, joins, queries and maps.

The public API, in the order data flows through it::

    import geo
    sites = geo.load_sites()                        # points, EPSG:4326, validated
    countries = geo.load_countries()                # Natural Earth 1:50m polygons
    joined = geo.join_countries(sites, countries)   # + joined_country, country_rule ...
    mines = geo.filter_sites(sites, type="mine", country="USA")
    geo.write_layer(mines, "us_mines.gpkg")
    geo.build_maps("site")                          # every recipe in maps/ to HTML
"""

from .errors import DataError, Problem
from .join import join_countries
from .load import (
    check_dataset,
    load_countries,
    load_owners,
    load_ownership,
    load_sites,
    load_sources,
    load_us_states,
    read_sites,
)
from .ownership import owner_summary, stakes, with_owners
from .select import filter_sites
from .write import write_layer

__version__ = "0.1.0"


def build_maps(out_dir="site", names=None):
    """Render map recipes to HTML files in ``out_dir`` (see :func:`geo.render.build_maps`)."""
    from .render import build_maps as _build

    return _build(out_dir, names)


def render_recipe(recipe, facts=None):
    """A folium Map for a recipe (see :func:`geo.render.render_recipe`)."""
    from .render import render_recipe as _render

    return _render(recipe, facts)


__all__ = [
    "DataError",
    "Problem",
    "__version__",
    "build_maps",
    "check_dataset",
    "filter_sites",
    "join_countries",
    "load_countries",
    "load_owners",
    "load_ownership",
    "load_sites",
    "load_sources",
    "load_us_states",
    "owner_summary",
    "read_sites",
    "render_recipe",
    "stakes",
    "with_owners",
    "write_layer",
]
