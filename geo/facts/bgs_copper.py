"""The British Geological Survey's copper production by country (World Mineral Statistics).

``data/copper_bgs_wmpYYYY_YYYY.csv`` holds, per country, BGS's copper mine production
(tonnes of copper content) and refined copper production (tonnes), one column per year
(``mine_YYYY_t``, ``refined_YYYY_t``), as the BGS World Mineral Statistics data give them
for the years of one World Mineral Production edition (the file name carries the edition's
first and last year). A blank cell: BGS gives no figure; ``0``: BGS prints nil. BGS gives
no "other countries" lump and its data no world total, so the world is the sum of the rows.

The comparison in :mod:`geo.facts.spheres_compare` uses these figures only to split the
USGS "Other countries" amount (or, on request, instead of USGS): see there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from geo.core.errors import Problem, display_path
from geo.core.paths import data_dir
from geo.core.tables import line_numbers, newest_editions
from geo.facts.checks import check_references

BGS_GLOB = "copper_bgs_wmp*.csv"
_YEAR_COLUMN = re.compile(r"^(mine|refined)_(\d{4})_t$")
_EDITION = re.compile(r"wmp(\d{4})_(\d{4})")
KIND = {"mine": "mine", "refined": "refinery"}
"""BGS series -> the USGS series (``kind``) it is set beside."""

COLUMNS = ["iso_a3", "country", "kind", "year", "kt", "edition", "sources"]


def load_bgs_years(directory: Path | str | None = None, *, known_iso: set[str] | None = None,
                   source_ids: set[str] | None = None) -> pd.DataFrame:
    """Every BGS copper table in a data folder as one long table.

    Columns ``iso_a3``, ``country``, ``kind`` (mine / refinery, the USGS names), ``year``,
    ``kt`` (thousand tonnes copper, so it adds to the USGS tables), ``edition`` (the
    edition's last year) and ``sources``. Where two editions give a year, the newer one's
    figure is kept (BGS revises). Blank cells are left out. DataError (file, row, column)
    on anything wrong; an empty table when the folder has no BGS file.
    """
    directory = Path(directory) if directory else data_dir()
    return newest_editions(sorted(directory.glob(BGS_GLOB)), lambda path: _read_bgs_table(
        path, known_iso=known_iso, source_ids=source_ids), COLUMNS)


def _read_bgs_table(path: Path, *, known_iso, source_ids) -> tuple[pd.DataFrame | None, list[Problem]]:
    """One ``copper_bgs_wmpYYYY_YYYY.csv`` in long form, or the problems that stop it."""
    name = display_path(path)
    edition = _EDITION.search(path.name)
    if edition is None:
        return None, [Problem(name, 0, "", "file name must carry the WMP edition (wmpYYYY_YYYY)")]
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("iso_a3", "country", "sources") if c not in raw.columns]
    year_cols = [c for c in raw.columns if _YEAR_COLUMN.match(c)]
    if missing or not year_cols:
        what = (f"missing column(s) {', '.join(missing)}" if missing
                else "no mine_YYYY_t/refined_YYYY_t column")
        return None, [Problem(name, 0, "", what)]
    lines = line_numbers(raw)
    problems = check_references(raw, name, code_fields=("iso_a3",), known_iso=known_iso,
                                source_ids=source_ids)
    for i in raw.index[raw["iso_a3"].duplicated()]:
        problems.append(Problem(name, int(lines[i]), "iso_a3", f"{raw.at[i, 'iso_a3']!r} twice"))
    if "estimated" in raw.columns:  # the cells BGS marks as estimates, by column name
        for i, cell in raw["estimated"].items():
            for col in filter(None, cell.split(";")):
                if col not in year_cols:
                    problems.append(Problem(name, int(lines[i]), "estimated", f"no column {col!r}"))
    long = raw.reset_index().melt(id_vars=["index", "iso_a3", "country", "sources"],
                                  value_vars=year_cols, var_name="column", value_name="text")
    long = long[long["text"].str.strip() != ""]
    long["t"] = pd.to_numeric(long["text"], errors="coerce")
    for r in long[long["t"].isna() | (long["t"] < 0)].itertuples():
        problems.append(Problem(name, int(lines[r.index]), r.column,
                                f"not a tonnage: {r.text!r}"))
    long = long[long["t"].notna()]
    parts = long["column"].str.extract(_YEAR_COLUMN)
    long = long.assign(kind=parts[0].map(KIND), year=parts[1].astype(int), kt=long["t"] / 1000.0,
                       edition=int(edition.group(2)))
    return long[COLUMNS], problems
