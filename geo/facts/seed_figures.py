"""Figures the two seed documents report, each beside its primary source where found.

``data/seed_figures.csv`` holds one row per figure: the document (a ``sources.csv``
id), where in it, what is claimed, the value and unit as stated, the source the
document itself names, and the primary source id where one was found. Where the
primary source gives a different number, both are kept as separate rows and the
note says which one minetrack's commands and maps use.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.core.columns import Column
from geo.core.errors import DataError, Problem, display_path
from geo.core.paths import data_dir
from geo.core.tables import line_numbers, read_table

SEED_FIGURE_COLUMNS: tuple[Column, ...] = (
    Column("id", "str", True, "unique figure id"),
    Column("document", "str", True, "sources.csv id of the seed document stating the figure"),
    Column("section", "str", True, "where in the document"),
    Column("claim", "str", True, "what the figure measures"),
    Column("value", "float", True, "as stated in the document"),
    Column("unit", "str", True, "as stated (%, kt, Mt, Mlb, years...)"),
    Column("year", "int", True, "year the figure refers to"),
    Column("source_cited_by_document", "str", False, "the source the document names, if any"),
    Column("primary_source", "str", False, "sources.csv id of the primary source, where found"),
    Column("note", "str", False),
)


def load_seed_figures(path: Path | str | None = None, *,
                      source_ids: set[str] | None = None) -> pd.DataFrame:
    """The seed-figure table, validated (unique ids; document and primary ids in ``source_ids``)."""
    path = Path(path) if path else data_dir() / "seed_figures.csv"
    frame, problems = read_table(path, SEED_FIGURE_COLUMNS)
    name = display_path(path)
    if not problems:
        lines = line_numbers(frame)
        for i in frame.index[frame["id"].duplicated()]:
            problems.append(Problem(name, int(lines[i]), "id", f"figure {frame.at[i, 'id']!r} listed twice"))
        if source_ids is not None:
            for field in ("document", "primary_source"):
                for i, v in frame[field].items():
                    if isinstance(v, str) and v and v not in source_ids:
                        problems.append(Problem(name, int(lines[i]), field, f"unknown source id {v!r}"))
    if problems:
        raise DataError(problems)
    return frame
