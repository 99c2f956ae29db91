"""Sites as points: mines, plants and projects from a sites table, one canvas layer
per ``group_by`` category, coloured by ``color_by`` and sized by ``size_by``."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.errors import DataError, Problem
from geo.core.paths import safe_stem
from geo.core.tables import split_list
from geo.specs.kinds._encode import point_layer, size_references
from geo.specs.kinds.base import (
    LABELS,
    Drawn,
    LayerKind,
    bounds_of,
    label,
    require_field,
    same_file,
    source_of,
)

FILTER_KEYS = ("type", "country", "stage", "commodity", "bbox")
SIZE_KEYS = ("field", "unit_prefix", "note", "min_radius", "max_radius", "default_radius")
FILTER_FIELDS = (("stage", "Stage"), ("type", "Type"), ("commodities", "Commodity"))
"""Fields the map's filter panel offers, with their titles."""


def _capacity_text(row: pd.Series) -> str:
    if pd.isna(row.get("capacity")):
        return ""
    figure = f"{row['capacity']:g} {row.get('capacity_unit') or ''}".strip()
    extra = ", ".join(str(v) for v in (row.get("capacity_basis"), row.get("capacity_year"))
                      if v is not None and not pd.isna(v) and v != "")
    return f"{figure} ({extra})" if extra else figure


def _owners_text(site_stakes: pd.DataFrame) -> str:
    parts = []
    for name, pct, op, as_of in site_stakes[["owner_name", "equity_pct", "operator", "as_of"]].itertuples(
            index=False):
        parts.append(f"{name} {pct:g}%{' (operator)' if op is True else ''}, as of {as_of}")
    return "; ".join(parts)


def site_table(rows: gpd.GeoDataFrame, facts, sources: pd.DataFrame) -> tuple[gpd.GeoDataFrame, list]:
    """Rows with display columns for popups (country name, capacity, owners) and their citations."""
    names = facts.countries.set_index("iso_a3")["name"]
    out = rows.copy()
    out["country"] = (out["country"].map(names).fillna("") + " (" + out["country"] + ")").str.strip()
    out["commodities"] = out["commodities"].str.replace(";", ", ")
    out["capacity"] = [_capacity_text(r) for _, r in rows.iterrows()]
    by_site = dict(tuple(facts.stakes.groupby("site_id")))
    out["owners"] = [_owners_text(by_site[i]) if i in by_site else "" for i in rows["id"]]
    src = sources.drop_duplicates("id").set_index("id")
    refs = []
    for cell in rows["sources"]:
        refs.append([[str(src.at[s, "publisher"]), str(src.at[s, "title"]), str(src.at[s, "url"]),
                      str(src.at[s, "year"])] for s in split_list(cell) if s in src.index])
    out["filter_commodities"] = rows["commodities"]
    return out, refs


def radius(rows: pd.DataFrame, size: dict[str, Any], size_by: str | None) -> tuple[np.ndarray, bool]:
    """Circle radii in px: area proportional to ``size_by`` (non-negative numbers only;
    for the spec's own size field, only rows whose ``<field>_unit`` starts with the
    spec's ``unit_prefix``); others get the default radius. Also says whether any
    row was sized."""
    out = np.full(len(rows), float(size.get("default_radius", 6)))
    if not size_by:
        return out, False
    values, ok = _sized(rows, size, size_by)
    if ok.any():
        out[ok] = _scale(values, ok, size)(values[ok])
    return out, bool(ok.any())


def _sized(rows: pd.DataFrame, size: dict[str, Any], size_by: str) -> tuple[np.ndarray, np.ndarray]:
    values = pd.to_numeric(rows[size_by], errors="coerce")
    ok = values.notna().to_numpy() & (values.fillna(-1).to_numpy() >= 0)
    unit_col = f"{size_by}_unit"
    if size_by == size.get("field") and size.get("unit_prefix") and unit_col in rows:
        ok &= rows[unit_col].fillna("").str.startswith(size["unit_prefix"]).to_numpy()
    return values.to_numpy(dtype=float, na_value=0.0).clip(min=0), ok


def _scale(values: np.ndarray, ok: np.ndarray, size: dict[str, Any]):
    """Value to radius: min_radius plus a share of the range by the square root of the
    value over that of the largest value."""
    vmax = np.sqrt(values[ok].max()) or 1.0
    lo, hi = float(size.get("min_radius", 4)), float(size.get("max_radius", 16))
    return lambda v: lo + (hi - lo) * np.sqrt(v) / vmax


def size_legend(rows: pd.DataFrame, size: dict[str, Any], size_by: str | None) -> list[tuple[str, float]]:
    """Reference circles (label, radius) for the size legend of ``radius``'s circles."""
    if not size_by:
        return []
    values, ok = _sized(rows, size, size_by)
    if not ok.any():
        return []
    return size_references(float(values[ok].max()), _scale(values, ok, size))


def filter_rows(sites: gpd.GeoDataFrame, flt: dict[str, Any], file: str, key: str) -> gpd.GeoDataFrame:
    """``filter_sites`` with a spec's filter table; unknown filter keys are refused."""
    from geo.facts.select import filter_sites

    unknown = sorted(set(flt) - set(FILTER_KEYS))
    if unknown:
        raise DataError([Problem(file, 0, f"{key}.{k}", f"unknown filter (one of {', '.join(FILTER_KEYS)})")
                         for k in unknown])
    flt = dict(flt)
    bbox = flt.pop("bbox", None)
    rows = filter_sites(sites, **flt)
    if bbox is not None:
        from geo.facts.select import clip_sites

        if not (isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) for v in bbox)):
            raise DataError([Problem(file, 0, f"{key}.bbox", "give [west, south, east, north] in degrees")])
        rows = clip_sites(rows, bbox=tuple(float(v) for v in bbox))
    return rows


class SitesKind(LayerKind):
    """Points from a sites table (``data/sites.csv`` or any sites file)."""

    name = "sites"
    js = "points"
    spec_keys = ("source", "id_field", "label_field", "popup_fields", "palettes", "size", "filter",
                 "preset", "mapping")
    required_keys = ("source", "id_field", "label_field")
    recipe_keys = ("title", "show", "filter", "color_by", "group_by", "size_by", "popup",
                   "source", "preset", "mapping")

    def check_spec(self, spec) -> None:
        unknown = sorted(set(spec.size) - set(SIZE_KEYS))
        problems = [Problem(spec.file, 0, f"size.{k}", f"unknown size key (one of {', '.join(SIZE_KEYS)})")
                    for k in unknown]
        problems += [Problem(spec.file, 0, f"filter.{k}", f"unknown filter (one of {', '.join(FILTER_KEYS)})")
                     for k in sorted(set(spec.filter) - set(FILTER_KEYS))]
        if problems:
            raise DataError(problems)

    def check_layer(self, layer, spec, where, file) -> list[Problem]:
        return [Problem(file, 0, f"{where}.filter.{k}", f"unknown filter (one of {', '.join(FILTER_KEYS)})")
                for k in sorted(set(layer.filter) - set(FILTER_KEYS))]

    def _source_rows(self, spec, facts) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        """The spec's own source: the facts' sites when that is the file, else the file."""
        from geo.facts.importing import import_sites
        from geo.facts.sites import load_sources
        from geo.facts.spheres import site_spheres

        path = source_of(spec, facts)
        if facts is not None and facts.directory is not None and \
                same_file(path, facts.directory / "sites.csv"):
            return facts.sites, facts.sources
        # A user's file: anything `minetrack import` reads, with the spec's preset or mapping.
        rows = import_sites(path, preset=spec.preset, mapping=spec.mapping_path()).sites
        sources = facts.sources if facts is not None else load_sources()
        beside = path.with_name("sources.csv")
        if beside.exists() and (facts is None or not same_file(beside, facts.directory / "sources.csv")):
            sources = pd.concat([load_sources(beside), sources], ignore_index=True)
        if facts is not None and facts.spheres is not None:
            rows = site_spheres(rows, facts.stakes, facts.spheres)
        return rows, sources

    def load(self, spec, facts):
        rows, _ = self._source_rows(spec, facts)
        return filter_rows(rows, spec.filter, spec.file, "filter")

    def draw(self, layer, spec, facts) -> Drawn:
        rows, sources = self._source_rows(spec, facts)
        rows = filter_rows(filter_rows(rows, spec.filter, spec.file, "filter"), layer.filter,
                           layer.file, f"{layer.where}.filter")
        for key in ("color_by", "group_by", "size_by"):
            require_field(rows, getattr(layer, key), layer.file, f"{layer.where}.{key}", spec.name)
        popup_fields = layer.popup if layer.popup is not None else spec.popup_fields
        for f in popup_fields:
            require_field(rows, f, layer.file, f"{layer.where}.popup", spec.name)
        drawn = Drawn(sites=rows, bounds=bounds_of(rows))
        if not len(rows):
            return drawn
        if layer.size_by and not pd.api.types.is_numeric_dtype(rows[layer.size_by]):
            raise DataError([Problem(layer.file, 0, f"{layer.where}.size_by",
                                     f"field {layer.size_by!r} is not numeric")])
        table, refs = site_table(rows, facts, sources)
        # The profile page minetrack build writes for each site (geo.maps.profiles).
        table = table.assign(profile=["sites/" + safe_stem(i) + ".html" for i in table["id"].astype(str)])
        radii, sized = radius(rows, spec.size, layer.size_by)
        palette = spec.palettes.get(layer.color_by or "", {})
        # Site popups keep a field's own name where LABELS has none (as they always have).
        popup = [(LABELS.get(f, f), f) for f in (*popup_fields, "owners")]
        fields = sorted({"id", "profile", spec.id_field, spec.label_field, *(f for _, f in popup),
                         "filter_commodities",
                         *(f for f, _ in FILTER_FIELDS if f != "commodities")})
        size_note, size_refs = None, None
        if layer.size_by and sized:
            size_refs = size_legend(rows, spec.size, layer.size_by)
            size_note = (spec.size.get("note") if layer.size_by == spec.size.get("field") else None) \
                or f"Circle area: {label(layer.size_by)}"
        keys = table[layer.group_by].astype(object).fillna("") if layer.group_by \
            else pd.Series("", index=table.index)
        order = list(spec.palettes.get(layer.group_by or "", {})) if layer.group_by else [""]
        order += sorted(set(keys) - set(order))
        present = [k for k in order if (keys == k).any()]
        title = layer.title or spec.title
        for key in present:
            idx = np.flatnonzero((keys == key).to_numpy())
            drawn.layers.append(point_layer(
                table.iloc[idx], title=f"{title}: {key} ({len(idx)})" if key else f"{title} ({len(idx)})",
                color_by=layer.color_by, palette=palette, radius=radii[idx], fields=fields,
                label=spec.label_field, popup=popup, refs=[refs[i] for i in idx], show=layer.show,
                size_note=size_note if key == present[-1] else None,  # once per recipe layer
                size_refs=size_refs if key == present[-1] else None, labels=True,
            ))
        return drawn


KIND = SitesKind()
