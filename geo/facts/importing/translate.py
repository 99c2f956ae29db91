"""Other publishers' values in minetrack's words, from tables in ``data/``.

- country names and codes → ISO alpha-3 (``data/country_names.csv``, Natural
  Earth's own codes via ``data/ne_codes.csv``);
- commodity names and element symbols → minetrack's commodity names
  (``data/commodity_names.csv``; anything else is lower-cased);
- site types and stages by vocabulary (``data/site_type_vocab.csv``, the stage
  vocabularies of ``data/stage_vocab.csv``);
- owner strings with percentages ("Glencore [60%]", "BHP (57.5 %)").

Matching ignores case, accents and surrounding spaces. Every table row names its
source; a value no table lists is reported, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pandas as pd

from geo.core.paths import data_dir

OUT_OF_SCOPE = "-"
"""A type table's value for rows minetrack does not track (oil fields): rejected."""


def fold(text: str) -> str:
    """``text`` without accents, case-folded and stripped (the matching key)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold().strip()


def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(data_dir() / name, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    from geo.facts.countries import load_countries, ne_to_iso

    out: dict[str, str] = {}
    for r in _table("country_names.csv").itertuples():
        out.setdefault(fold(r.name), r.iso_a3)
    c = load_countries()
    for iso, iso2 in zip(c["iso_a3"], c.get("iso_a2", c["iso_a3"]), strict=True):
        out[fold(iso)] = iso
        if isinstance(iso2, str) and len(iso2) == 2 and iso2.isalpha():
            out.setdefault(fold(iso2), iso)
    for ne, iso in ne_to_iso().items():
        out[fold(ne)] = iso
    return out


def country_code(value: str) -> str | None:
    """ISO alpha-3 for a country name or code as publishers spell it, else None."""
    return _countries().get(fold(value)) if value.strip() else None


@lru_cache(maxsize=1)
def _commodities() -> dict[str, str]:
    return {fold(r.value): r.commodity for r in _table("commodity_names.csv").itertuples()}


def commodity_name(value: str) -> str:
    """minetrack's name of a commodity: symbols and variants by the table, else lower case."""
    v = value.strip()
    return _commodities().get(fold(v), v.lower()) if v else ""


@lru_cache(maxsize=8)
def type_table(vocabulary: str) -> dict[str, str]:
    """Folded value → minetrack type ('' unknown, :data:`OUT_OF_SCOPE` reject) of a vocabulary."""
    t = _table("site_type_vocab.csv")
    t = t[t["vocabulary"] == vocabulary]
    if t.empty:
        from geo.core.errors import ArgumentError

        known = sorted(set(_table("site_type_vocab.csv")["vocabulary"]))
        raise ArgumentError(f"unknown type vocabulary {vocabulary!r}; one of: {', '.join(known)}")
    return {fold(r.value): r.type for r in t.itertuples()}


@lru_cache(maxsize=8)
def stage_table(vocabulary: str) -> dict[str, str]:
    """Folded value → minetrack stage ('' for values that imply none) of a stage vocabulary."""
    from geo.facts.stage_vocab import VOCABULARIES, load_stage_vocab

    if vocabulary not in VOCABULARIES:
        from geo.core.errors import ArgumentError

        raise ArgumentError(f"unknown stage vocabulary {vocabulary!r}; one of: {', '.join(VOCABULARIES)}")
    t = load_stage_vocab()
    t = t[t["vocabulary"] == vocabulary]
    return {fold(v): (s if isinstance(s, str) else "") for v, s in zip(t["value"], t["stage"], strict=True)}


_SHARE = re.compile(r"\s*[\[(]\s*(\d+(?:\.\d+)?)\s*%\s*[\])]\s*$")
_BARE_SHARE = re.compile(r"\s+(\d+(?:\.\d+)?)\s*%\s*$")


def owner_entry(text: str) -> str:
    """One owner as ``Name 60%`` (the stake kept when the text gives one), the way
    :func:`geo.facts.ownership.owner_summary` writes the bundled owners."""
    t = " ".join(text.split())
    m = _SHARE.search(t) or _BARE_SHARE.search(t)
    if m:
        return f"{t[:m.start()].strip()} {float(m.group(1)):g}%"
    return t


def owners_cell(parts: list[str]) -> str:
    """Owners from one or several cells ("A [60%]; B [40%]") as minetrack's list cell
    ("A 60%;B 40%")."""
    out: list[str] = []
    for part in parts:
        for piece in part.split(";"):
            entry = owner_entry(piece)
            if entry and entry not in out:
                out.append(entry)
    return ";".join(out)
