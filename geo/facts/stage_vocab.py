"""Other trackers' stage vocabularies and their mapping to minetrack's stages.

``data/stage_vocab.csv`` says, row by row and with a source, which minetrack stage
a value of Global Energy Monitor, S&P Capital IQ, USGS MRDS or the Federal
Permitting Dashboard stands for; :func:`translate_stages` applies it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.core.columns import Column
from geo.core.errors import ArgumentError, Problem
from geo.core.tables import finish_table, open_table
from geo.core.vocab import normalise_stage
from geo.facts.checks import check_references

VOCABULARIES: dict[str, str] = {
    "gem-status": "Global Energy Monitor trackers: status",
    "gem-status-detail": "Global Energy Monitor trackers: status detail",
    "spglobal-stage": "S&P Global Capital IQ Pro: development stage",
    "mrds-dev-stat": "USGS Mineral Resources Data System: dev_stat",
    "usgs-mineral-industries": "USGS mineral-industry GIS layers (Africa, China, Asia...): LocOpStat",
    "fineprint-activity-status": "FinePrint mine database (Jasansky et al. 2023): activity_status",
    "permitting-dashboard-status": "Federal Permitting Dashboard: review status",
}

VOCAB_COLUMNS = (
    Column("vocabulary", "str", True, "one of VOCABULARIES"),
    Column("value", "str", True, "spelled as the tracker spells it"),
    Column("stage", "str", False, "minetrack stage; empty when the value implies none"),
    Column("note", "str", True),
    Column("sources", "list", True),
)


def load_stage_vocab(path: Path | str | None = None, *, source_ids: set[str] | None = None) -> pd.DataFrame:
    """Other trackers' stage values and the minetrack stage each maps to, validated."""
    frame, name, lines = open_table(path, "stage_vocab.csv", VOCAB_COLUMNS)
    problems: list[Problem] = []
    for i, r in frame.iterrows():
        line = int(lines[i])
        if r["vocabulary"] not in VOCABULARIES:
            problems.append(
                Problem(name, line, "vocabulary", f"unknown vocabulary; one of {', '.join(VOCABULARIES)}")
            )
        stage = r["stage"] if isinstance(r["stage"], str) else ""
        if stage and normalise_stage(stage) is None:
            problems.append(Problem(name, line, "stage", f"unknown stage {stage!r}"))
    key = frame["vocabulary"] + "\x00" + frame["value"].str.lower()
    for i in frame.index[key.duplicated()]:
        problems.append(Problem(name, int(lines[i]), "value", "value listed twice for this vocabulary"))
    problems += check_references(frame, name, source_ids=source_ids)
    return finish_table(frame, problems)


def translate_stages(values: pd.Series, vocabulary: str, vocab: pd.DataFrame | None = None) -> pd.Series:
    """Map a tracker's stage values (e.g. GEM ``status_detail``) to minetrack stages.

    Matching ignores case and surrounding spaces. Values the vocabulary maps to no
    stage give NA; values it does not list raise a ValueError naming them, since a
    silent NA would hide a vocabulary change upstream.
    """
    if vocabulary not in VOCABULARIES:
        raise ArgumentError(f"unknown stage vocabulary {vocabulary!r}; one of: {', '.join(VOCABULARIES)}")
    vocab = load_stage_vocab() if vocab is None else vocab
    table = vocab[vocab["vocabulary"] == vocabulary]
    mapping = dict(zip(table["value"].str.strip().str.lower(), table["stage"], strict=True))
    keys = values.fillna("").astype(str).str.strip().str.lower()
    unknown = sorted(set(keys[keys != ""]) - set(mapping))
    if unknown:
        raise ArgumentError(f"{vocabulary}: values not in the mapping table: {', '.join(map(repr, unknown))}")
    return keys.map(lambda k: mapping.get(k) if k else None).astype("string")


