"""Mapping files: how a foreign table's columns and values become minetrack's sites.

A mapping is a TOML file (the contract; every key is honoured or refused)::

    [columns]                 # minetrack field = source column (or a list of columns)
    name = "facility_name"
    latitude = "lat"
    longitude = "lon"
    commodities = ["commod1", "commod2", "commod3"]   # list fields join the columns given
    owners = ["OwnerName1", "OwnerName2"]

    [values.stage]            # source value = minetrack value, per field
    "Past Producer" = "closed"

    [defaults]                # constants for fields the file lacks or leaves empty
    type = "mine"

    [source]                  # the citation of every row: no sources.csv needed
    publisher = "U.S. Geological Survey"
    title = "Mineral Resources Data System"
    year = 2011
    url = "https://mrdata.usgs.gov/mrds/"

    [options]
    null_values = ["<null>"]              # cell texts that mean "no value"
    stage_vocabulary = "mrds-dev-stat"    # a vocabulary of data/stage_vocab.csv (or a list,
                                          # tried in order)
    type_vocabulary = "mrds-dev-stat"     # a vocabulary of data/site_type_vocab.csv
    crs = "EPSG:4326"                     # CRS of the latitude/longitude columns
    merge_rows = true                     # rows sharing an id and a point are one site

``id`` may be left out: it is then derived stably from the name and country. A
column given as a string must exist in the file; of a list of columns, those the
file has are used (regional releases of one publisher differ a little). Presets are
mapping files shipped in ``data/presets/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.core.columns import IMPORT_COLUMNS, SITE_COLUMNS
from geo.core.errors import DataError, Problem, UnknownNameError, display_path
from geo.core.paths import data_dir
from geo.core.toml import read_toml

FIELDS: dict[str, str] = {c.name: c.kind for c in (*SITE_COLUMNS, *IMPORT_COLUMNS)
                          if c.name != "country_rule"}
"""Fields a mapping can fill, with their kinds (``list`` fields join several columns)."""

SECTIONS = ("columns", "values", "defaults", "source", "options")
SOURCE_KEYS = ("publisher", "title", "year", "url")
OPTIONS: dict[str, type | tuple[type, ...]] = {
    "null_values": list, "stage_vocabulary": (str, list), "type_vocabulary": str, "crs": str,
    "merge_rows": bool}


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file (see the module docstring)."""

    name: str
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)
    null_values: tuple[str, ...] = ()
    stage_vocabulary: str | tuple[str, ...] | None = None
    type_vocabulary: str | None = None
    crs: str | None = None
    merge_rows: bool = False
    scalar: frozenset[str] = frozenset()
    """Fields given as one column (that column must exist) rather than a list."""

    @property
    def citation(self) -> str:
        """The ``[source]`` as one line: publisher, title, year, url."""
        return ", ".join(str(self.source[k]) for k in SOURCE_KEYS if self.source.get(k))


def presets_dir() -> Path:
    """Folder of the bundled presets (``data/presets``)."""
    return data_dir() / "presets"


def preset_names() -> list[str]:
    """Names of the bundled presets, sorted."""
    return sorted(p.stem for p in presets_dir().glob("*.toml"))


def load_preset(name: str) -> Mapping:
    """The bundled preset ``name`` (see :func:`preset_names`)."""
    path = presets_dir() / f"{name}.toml"
    if not re.fullmatch(r"[a-z0-9-]+", name) or not path.exists():
        raise UnknownNameError(f"unknown preset {name!r}; one of: {', '.join(preset_names())}")
    return load_mapping(path, name=name)


def load_mapping(path: Path | str, *, name: str | None = None) -> Mapping:
    """Parse and check a mapping file; every unknown key or wrong value is a problem.

    Raises
    ------
    DataError
        Naming the file and the key, one problem per mistake.
    """
    path = Path(path)
    where = display_path(path)
    return mapping_from_dict(read_toml(path), where, name=name or where)


def mapping_from_dict(doc: dict[str, Any], where: str, *, name: str) -> Mapping:
    """A :class:`Mapping` from parsed TOML; problems name ``where`` and the key."""
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(Problem(where, 0, key, message))

    for key in doc:
        if key not in SECTIONS:
            bad(key, f"unknown section; one of: {', '.join(SECTIONS)}")
    columns: dict[str, tuple[str, ...]] = {}
    scalar: set[str] = set()
    for fld, src in _table(doc, "columns", bad).items():
        if fld not in FIELDS:
            bad(f"columns.{fld}", f"unknown field; one of: {', '.join(FIELDS)}")
        elif isinstance(src, str) and src.strip():
            columns[fld] = (src,)
            scalar.add(fld)
        elif isinstance(src, list) and src and all(isinstance(s, str) and s.strip() for s in src):
            columns[fld] = tuple(src)
        else:
            bad(f"columns.{fld}", "give a column name or a list of column names")
    values: dict[str, dict[str, str]] = {}
    for fld, table in _table(doc, "values", bad).items():
        if fld not in FIELDS:
            bad(f"values.{fld}", f"unknown field; one of: {', '.join(FIELDS)}")
        elif not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            bad(f"values.{fld}", 'give a table of "source value" = "minetrack value"')
        else:
            values[fld] = {str(k): v for k, v in table.items()}
    defaults: dict[str, str] = {}
    for fld, value in _table(doc, "defaults", bad).items():
        if fld not in FIELDS:
            bad(f"defaults.{fld}", f"unknown field; one of: {', '.join(FIELDS)}")
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            defaults[fld] = str(value)
        else:
            bad(f"defaults.{fld}", "give a text or a number")
    source: dict[str, str] = {}
    for key, value in _table(doc, "source", bad).items():
        if key not in SOURCE_KEYS:
            bad(f"source.{key}", f"unknown key; one of: {', '.join(SOURCE_KEYS)}")
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            source[key] = str(value)
        else:
            bad(f"source.{key}", "give a text (year: a number)")
    if source and not {"publisher", "title"} <= set(source):
        bad("source", "a citation needs at least publisher and title")
    options = _table(doc, "options", bad)
    for key, value in options.items():
        if key not in OPTIONS:
            bad(f"options.{key}", f"unknown option; one of: {', '.join(OPTIONS)}")
        elif not isinstance(value, OPTIONS[key]):
            kinds = OPTIONS[key] if isinstance(OPTIONS[key], tuple) else (OPTIONS[key],)
            bad(f"options.{key}", f"expected a {' or a '.join(k.__name__ for k in kinds)}")
    nulls = options.get("null_values", [])
    if isinstance(nulls, list) and not all(isinstance(v, str) for v in nulls):
        bad("options.null_values", "give a list of texts")
    crs = options.get("crs")
    if isinstance(crs, str):
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            CRS.from_user_input(crs)
        except CRSError:
            bad("options.crs", f"unknown CRS {crs!r}")
    if problems:
        raise DataError(problems)
    return Mapping(
        name=name, columns=columns, values=values, defaults=defaults, source=source,
        null_values=tuple(nulls) if isinstance(nulls, list) else (),
        stage_vocabulary=_vocabularies(options.get("stage_vocabulary")),
        type_vocabulary=options.get("type_vocabulary"),
        crs=crs, merge_rows=bool(options.get("merge_rows", False)), scalar=frozenset(scalar),
    )


def _vocabularies(value) -> str | tuple[str, ...] | None:
    return tuple(value) if isinstance(value, list) else value


def _table(doc: dict[str, Any], key: str, bad) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        bad(key, "expected a table ([" + key + "])")
        return {}
    return value


# Guessing a starter mapping ---------------------------------------------------

_GUESSES: dict[str, tuple[str, ...]] = {
    # Normalised column names (lowercase, letters and digits only), most specific first.
    "id": ("id", "siteid", "depid", "facilityid", "gemmineid", "mineid", "featureuid", "depositid", "uid"),
    "name": ("name", "sitename", "minename", "facilityname", "featurenam", "featurename", "namedeposit",
             "deposit", "depositname", "project", "projectname", "mine", "site"),
    "latitude": ("latitude", "lat", "latdd", "latitudedecimal", "latwgs84", "approxlat", "decimallatitude",
                 "y", "ycoord"),
    "longitude": ("longitude", "lon", "long", "lng", "londd", "longitudedecimal", "longwgs84", "approxlon",
                  "decimallongitude", "x", "xcoord"),
    "country": ("country", "countryname", "nation", "isoa3", "iso3", "countrycode", "countryiso"),
    "type": ("type", "sitetype", "facilitytype", "featuretyp", "featuretype"),
    "stage": ("stage", "status", "devstat", "activitystatus", "locopstat", "operatingstatus"),
    "commodities": ("commodities", "commodity", "commod1", "primarycommodity", "commoditiesproducts"),
    "owners": ("owners", "owner", "ownername", "ownername1", "parent", "company"),
    "operator": ("operator", "operatenam", "operatorname"),
    "admin1": ("admin1", "adm1", "state", "province", "stateprovince", "subnationalunit", "region"),
    "aliases": ("aliases", "othernames", "othername", "namevar", "facilityothernames", "alias"),
    "notes": ("notes", "note", "comments", "remarks"),
    "sources": ("sources",),
    "citation": ("citation", "source", "reference", "references", "infsource1", "wikiurl"),
    "location_accuracy": ("locationaccuracy", "coordinateaccuracy", "locconfid"),
    "capacity": ("capacity",), "capacity_unit": ("capacityunit",), "capacity_basis": ("capacitybasis",),
    "capacity_year": ("capacityyear",), "start_year": ("startyear",),
    "parts": ("parts",), "country_rule": (),
}


def _norm(column: str) -> str:
    return re.sub(r"[^a-z0-9]", "", column.lower())


def guess_columns(columns: list[str], *, has_geometry: bool = False) -> dict[str, str]:
    """The columns that look like each minetrack field (name, id, lat/lon, country, type...).

    A column named exactly as a minetrack field is taken first; then the usual names
    of other publishers. Latitude/longitude are not guessed for a file with geometry.
    """
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(_norm(col), col)
    taken: set[str] = set()
    out: dict[str, str] = {}
    for fld, names in _GUESSES.items():
        if fld == "country_rule" or (has_geometry and fld in ("latitude", "longitude")):
            continue
        for cand in (fld.replace("_", ""), *names):
            col = by_norm.get(cand)
            if col is not None and col not in taken:
                out[fld] = col
                taken.add(col)
                break
    return out


def guess_mapping(columns: list[str], *, has_geometry: bool = False, name: str = "guessed") -> Mapping:
    """A :class:`Mapping` from :func:`guess_columns` (what ``import`` uses without one)."""
    guessed = guess_columns(columns, has_geometry=has_geometry)
    return Mapping(name=name, columns={k: (v,) for k, v in guessed.items()}, scalar=frozenset(guessed))


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def starter_mapping(columns: list[str], *, has_geometry: bool = False, file: str = "") -> str:
    """A starter mapping file (TOML text) for a file with ``columns``: the guessed
    columns filled in, every other field listed commented out, and the sections
    left to the user (values, defaults, source) sketched."""
    guessed = guess_columns(columns, has_geometry=has_geometry)
    lines = [f"# minetrack import mapping{' for ' + file if file else ''}",
             "# Fields: minetrack's; values: your file's columns. Check every guess.",
             f"# Columns in the file: {', '.join(columns)}", "", "[columns]"]
    for fld in FIELDS:
        if fld in guessed:
            lines.append(f"{fld} = {_q(guessed[fld])}")
        elif fld in ("latitude", "longitude") and has_geometry:
            lines.append(f"# {fld}: from the layer's geometry")
        elif fld == "id":
            lines.append("# id = \"...\"   # left out: derived from name and country")
        else:
            lines.append(f"# {fld} = \"...\"")
    lines += ["", "# [values.stage]", '# "Your value" = "production"', "",
              "[defaults]", '# type = "mine"', "", "[source]",
              '# publisher = "..."', '# title = "..."', "# year = 2024", '# url = "https://..."', "",
              "[options]", '# null_values = ["<null>"]', ""]
    return "\n".join(lines)
