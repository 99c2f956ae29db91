"""Who publishes minetrack's citations, and which publishers are primary.

``data/publishers.csv`` classifies every distinct ``publisher`` string of
``sources.csv``: its ``kind`` (one of :data:`KINDS`), whether its documents are
``primary`` (a company's own report, release or filing; a government or court
record; a USGS release; a peer-reviewed paper; a standard body's text) and a short
reason. A source whose publisher is not in the table is an error, so every new
citation is judged once, when it is added.

:func:`citation_primacy` measures, table by table, how many figures rest only on
non-primary citations (trade press, news, databases, blogs, the seed documents).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from geo.core.columns import Column
from geo.core.errors import Problem
from geo.core.paths import data_dir
from geo.core.tables import finish_table, line_numbers, open_table, split_list

PUBLISHERS_FILE = "publishers.csv"

KINDS: dict[str, str] = {
    "company": "a company's own report, release, filing or page (also as a wire or copy reprints it)",
    "government": "a government agency, court or legislature's own document",
    "usgs": "a U.S. Geological Survey publication or data release",
    "peer-reviewed": "a peer-reviewed paper or reviewed monograph",
    "international-body": "a standard or treaty body's own text (ISO, IUPAC, a union's commission)",
    "trade-press": "mining and metals trade press, price reporters and their reposts",
    "news": "general news media, wires and their reposts",
    "database": "a compiled database or map dataset",
    "seed-document": "one of the seed documents minetrack checks",
    "other": "blogs, advocacy groups, think tanks, summaries and anything else",
}
NEVER_PRIMARY = frozenset({"trade-press", "news", "seed-document"})
"""Kinds whose documents report what others published: never a primary document."""

PUBLISHER_COLUMNS: tuple[Column, ...] = (
    Column("publisher", "str", True, "a publisher string exactly as sources.csv spells it"),
    Column("kind", "str", True, "one of KINDS"),
    Column("primary", "bool", True, "true if its documents are primary for what they are cited for"),
    Column("reason", "str", True, "why, in a few words"),
)

CITED_FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("sites.csv", "capacity", "capacity", "sources"),
    ("ownership.csv", "stake", "equity_pct", "sources"),
    ("production.csv", "output", "quantity", "source"),
    ("seed_figures.csv", "seed figure", "", "primary_source"),
    ("stage_events.csv", "stage event", "", "sources"),
    ("fast41.csv", "FAST-41 listing", "", "sources"),
    ("land_status.csv", "land status", "", "sources"),
    ("import_sources.csv", "import share", "share_pct", "sources"),
)
"""Figures whose citations :func:`citation_primacy` judges: file, what a row states,
the column that must be filled for the row to state it (empty: every row) and the
column of source ids."""

# A row's ``sources`` back all of it, points included. These datasets are cited for
# points only and state none of the figures above (the porphyry copper database gives
# deposit tonnage and grade, MRDS and the lithium-deposit release give records and
# locations, Natural Earth gives towns), so they never make a figure primary.
_LOCATION_ONLY = re.compile(r"2008-1155|2008/1155|\bMRDS\b|10\.5066/P9ZKRWQF|naturalearthdata", re.IGNORECASE)


def load_publishers(path: Path | str | None = None) -> pd.DataFrame:
    """The publisher table, validated: publishers unique, kinds known, and no trade
    press, news or seed document marked primary. Raises DataError with every problem."""
    frame, name, lines = open_table(path, PUBLISHERS_FILE, PUBLISHER_COLUMNS)
    problems: list[Problem] = []
    for i in frame.index[frame["publisher"].duplicated()]:
        problems.append(Problem(name, int(lines[i]), "publisher",
                                f"publisher {frame.at[i, 'publisher']!r} listed twice"))
    for i in frame.index[~frame["kind"].isin(list(KINDS))]:
        problems.append(Problem(name, int(lines[i]), "kind",
                                f"unknown kind {frame.at[i, 'kind']!r}; one of {', '.join(KINDS)}"))
    marked = frame["primary"].fillna(False).astype(bool)
    for i in frame.index[frame["kind"].isin(list(NEVER_PRIMARY)) & marked]:
        problems.append(Problem(name, int(lines[i]), "primary",
                                f"a {frame.at[i, 'kind']} publisher is never primary"))
    return finish_table(frame, problems)


def unclassified_publishers(sources: pd.DataFrame, publishers: pd.DataFrame, file: str) -> list[Problem]:
    """One problem per ``sources`` row whose publisher ``publishers`` does not classify."""
    if "publisher" not in sources.columns:
        return []
    lines = line_numbers(sources)
    known = set(publishers["publisher"])
    return [Problem(file, int(lines[i]), "publisher",
                    f"{sources.at[i, 'id']}: publisher {p!r} is not classified in {PUBLISHERS_FILE}")
            for i, p in sources["publisher"].items() if p not in known]


def primary_source_ids(sources: pd.DataFrame, publishers: pd.DataFrame) -> set[str]:
    """Ids of the sources whose publisher is classified primary."""
    primary = set(publishers.loc[publishers["primary"].fillna(False).astype(bool), "publisher"])
    return set(sources.loc[sources["publisher"].isin(primary), "id"])


def non_primary_rows(directory: Path | str | None = None) -> pd.DataFrame:
    """Every row of the :data:`CITED_FIGURES` tables that cites no primary source
    (location datasets cited for the row's point do not count: see ``_LOCATION_ONLY``).

    Returns one row per such figure: ``table``, ``figure``, ``line`` (in its file),
    ``key`` (the row's first column, e.g. the site id) and ``sources`` as cited
    (empty for a seed figure with no primary source found). Tables missing from
    ``directory`` (default: the bundled ``data/``) are skipped.
    """
    here = Path(directory) if directory else data_dir()
    sources = pd.read_csv(here / "sources.csv", dtype=str, keep_default_na=False)
    where = sources["title"] + " " + sources["url"]
    primary = primary_source_ids(sources, load_publishers(here / PUBLISHERS_FILE)) - set(
        sources.loc[where.str.contains(_LOCATION_ONLY), "id"])
    out = []
    for file, figure, needed, column in CITED_FIGURES:
        if not (here / file).exists():
            continue
        frame = pd.read_csv(here / file, dtype=str, keep_default_na=False)
        if needed:
            frame = frame[frame[needed].str.strip() != ""]
        cited = frame[column].map(split_list)
        weak = ~cited.map(lambda ids: any(i in primary for i in ids))
        out.append(pd.DataFrame({
            "table": file, "figure": figure, "line": frame.index[weak] + 2,
            "key": frame.loc[weak, frame.columns[0]].to_numpy(),
            "sources": frame.loc[weak, column].to_numpy(),
        }))
    return pd.concat(out, ignore_index=True)


def citation_primacy(directory: Path | str | None = None) -> pd.DataFrame:
    """Per :data:`CITED_FIGURES` table: ``rows`` stating the figure and ``non_primary``,
    those citing no primary source (all their citations trade press, news, databases,
    other; a seed figure: no primary source found, or only a non-primary one)."""
    here = Path(directory) if directory else data_dir()
    weak = non_primary_rows(here)
    rows = []
    for file, figure, needed, _ in CITED_FIGURES:
        if not (here / file).exists():
            continue
        frame = pd.read_csv(here / file, dtype=str, keep_default_na=False)
        total = int((frame[needed].str.strip() != "").sum()) if needed else len(frame)
        rows.append({"table": file, "figure": figure, "rows": total,
                     "non_primary": int((weak["table"] == file).sum())})
    return pd.DataFrame(rows)
