"""Data credits of a map: who published what it draws, for the map's attribution line
(and so for every PNG of it).

The basemap is Natural Earth's; every other credit comes from the ``sources`` the drawn
rows cite (sites, spheres, statistics, import shares), grouped by publisher, the most
cited first. A raster layer's own attribution text is added as it stands.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pandas as pd

from geo.core.tables import split_list

BASEMAP_SOURCE = "natural-earth-admin0-50m"
BASEMAP_PUBLISHER = "Natural Earth"
MAX_PUBLISHERS = 5
"""Publishers named on the map; the rest are counted ("and 12 more")."""

_USGS = re.compile(r"^(U\.?S\.? Geological Survey|USGS)\b", re.I)


def publisher_name(publisher: str) -> str:
    """One name per publisher: the USGS's programmes and spellings are all "USGS"."""
    publisher = " ".join(str(publisher).split())
    return "USGS" if _USGS.match(publisher) else publisher


def cited_ids(cells: pd.Series) -> list[str]:
    """Source ids of a ``sources`` column ("a;b" lists), in row order, repeats kept."""
    return [s for cell in cells.dropna() for s in split_list(cell)]


def layer_source_ids(layer, drawn, facts) -> list[str]:
    """The source ids a recipe layer's drawn rows cite: its sites, or the table behind a
    polygon layer's colour (spheres, copper statistics), or its flow rows."""
    if drawn.sites is not None and "sources" in drawn.sites:
        return cited_ids(drawn.sites["sources"])
    kind = layer.spec.kind
    if kind in ("polygons", "choropleth"):
        field = layer.color_by or ""
        if facts.spheres is not None and field.startswith("sphere"):
            return cited_ids(facts.spheres["sources"])
        if facts.stats is not None and field in facts.countries.columns and field not in ("iso_a3", "name"):
            return cited_ids(facts.stats["sources"])
        return []
    if kind == "flows":
        from geo.specs.kinds import kind_of

        rows = kind_of(kind).load(layer.spec, facts)
        for key, value in layer.filter.items():
            if key in rows:
                rows = rows[rows[key].isin(value if isinstance(value, list) else [value])]
        return cited_ids(rows["sources"]) if "sources" in rows else []
    return []


def map_credits(drawn_layers: list[tuple[Any, Any]], facts) -> dict[str, Any]:
    """The credits of a map from its (recipe layer, drawn) pairs: ``publishers`` (Natural
    Earth first, then by number of citations), ``more`` (publishers not named) and
    ``notes`` (raster attributions). Plain text: the runtime escapes it."""
    sources = facts.sources.drop_duplicates("id").set_index("id")["publisher"]
    counts: Counter[str] = Counter()
    notes: list[str] = []
    for layer, drawn in drawn_layers:
        for sid in layer_source_ids(layer, drawn, facts):
            if sid in sources.index:
                counts[publisher_name(sources[sid])] += 1
        for spec in drawn.layers:
            note = str(spec.get("attribution") or "").strip()
            if note and note not in notes:
                notes.append(note)
    counts.pop(BASEMAP_PUBLISHER, None)
    ranked = sorted(counts, key=lambda p: (-counts[p], p.lower()))
    named = ranked[:MAX_PUBLISHERS]
    return {"publishers": [BASEMAP_PUBLISHER, *named], "more": len(ranked) - len(named), "notes": notes}
