"""Control spheres: which bloc a country, and so a site, belongs to.

Five spheres, after the MINING.COM / Northern Miner 2025 map: US-aligned, China,
Russia, Coalition of the Willing, Undrafted. Each site gets a sphere under two
rules, because they answer different questions:

- **host**: the sphere of the country the site is in (where the ore is).
- **owner**: the sphere of the controlling owner's headquarters country (the largest
  stake; the operator breaks ties) (who decides).
- **equity**: the owner rule split by stake: a 55/45 joint venture counts 0.55 to one
  owner's sphere and 0.45 to the other's; stakes not listed count as "unattributed".

Which sphere each country is in (``data/spheres.csv``, one row for every country and
territory the map draws) follows the published map's reposts where they name a country
(``basis`` ``published-map``) and otherwise minetrack's stated rules, first match wins:
territory follows its sovereign; EAEU member -> Russia; copper sector documented as
Chinese-controlled -> China; named participant of a 2025 coalition meeting -> Coalition
of the Willing; full BRICS member -> Undrafted; US free-trade, treaty or MSP partner ->
US-aligned; the rest -> Undrafted (``data/PROVENANCE.md``, "Control spheres").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.core.columns import Column
from geo.core.errors import DataError, Problem, display_path
from geo.core.paths import data_dir
from geo.core.tables import line_numbers, read_table
from geo.facts.checks import check_references

SPHERES: tuple[str, ...] = ("US-aligned", "China", "Russia", "Coalition of the Willing", "Undrafted")
SPHERE_ALIASES = {
    "us": "US-aligned", "us aligned": "US-aligned", "us-aligned": "US-aligned",
    "china": "China", "russia": "Russia",
    "coalition of the willing": "Coalition of the Willing", "coalition": "Coalition of the Willing",
    "undrafted": "Undrafted", "undeveloped": "Undrafted", "non-aligned": "Undrafted",
}
UNATTRIBUTED = "unattributed"
BASES = ("published-map", "minetrack-rule")
"""``published-map``: the MINING.COM / Northern Miner 2025 map as reported (reposts);
``minetrack-rule``: assigned by minetrack's stated rules (data/PROVENANCE.md), because
the map's own country list was not available."""
RULES = ("host", "owner", "equity")

SPHERE_COLUMNS: tuple[Column, ...] = (
    Column("iso_a3", "str", True, "ISO 3166-1 alpha-3"),
    Column("sphere", "str", True, "one of SPHERES"),
    Column("basis", "str", True, "one of BASES: where the assignment comes from"),
    Column("rationale", "str", True, "one line: why this sphere"),
    Column("sources", "list", True),
)

def normalise_sphere(value: str) -> str | None:
    """The canonical sphere name for a loosely spelled one (``undeveloped`` -> ``Undrafted``)."""
    v = value.strip()
    if v in SPHERES:
        return v
    return SPHERE_ALIASES.get(v.lower().replace("_", " "))


def load_spheres(path: Path | str | None = None, *, known_iso: set[str] | None = None,
                 source_ids: set[str] | None = None) -> pd.DataFrame:
    """Country -> sphere table (``iso_a3``, ``sphere``, ``rationale``, ``sources``), validated."""
    path = Path(path) if path else data_dir() / "spheres.csv"
    frame, problems = read_table(path, SPHERE_COLUMNS)
    name = display_path(path)
    if not problems:
        lines = line_numbers(frame)
        for i, r in frame.iterrows():
            canon = normalise_sphere(r["sphere"])
            if canon is None:
                problems.append(Problem(name, int(lines[i]), "sphere",
                                        f"unknown sphere {r['sphere']!r} (one of: {', '.join(SPHERES)})"))
            else:
                frame.at[i, "sphere"] = canon
            if r["basis"] not in BASES:
                problems.append(Problem(name, int(lines[i]), "basis",
                                        f"unknown basis {r['basis']!r} (one of: {', '.join(BASES)})"))
        problems += check_references(frame, name, code_fields=("iso_a3",), known_iso=known_iso,
                                     source_ids=source_ids)
        for i in frame.index[frame["iso_a3"].duplicated()]:
            problems.append(Problem(name, int(lines[i]), "iso_a3",
                                    f"country {frame.at[i, 'iso_a3']!r} assigned twice"))
    if problems:
        raise DataError(problems)
    return frame


def check_coverage(countries_needed: dict[str, str], spheres: pd.DataFrame) -> list[Problem]:
    """A problem for each needed country code (code -> where it is needed) with no sphere."""
    have = set(spheres["iso_a3"])
    return [Problem(where, 0, "iso_a3", f"country {code!r} has no sphere assignment")
            for code, where in sorted(countries_needed.items()) if code not in have]


def controlling_owner(stakes: pd.DataFrame) -> pd.DataFrame:
    """Per site, the owner with the largest stake (the operator breaks ties)."""
    s = stakes.assign(_op=stakes["operator"].fillna(False).astype(bool))
    s = s.sort_values(["site_id", "equity_pct", "_op"], ascending=[True, False, False])
    return s.drop_duplicates("site_id")[["site_id", "owner_id", "owner_hq_country", "equity_pct"]]


def site_spheres(sites: pd.DataFrame, stakes: pd.DataFrame, spheres: pd.DataFrame) -> pd.DataFrame:
    """``sites`` plus ``host_sphere``, ``owner_sphere`` and ``controlling_owner``.

    ``stakes`` is :func:`geo.ownership.stakes` output (with ``owner_hq_country``).
    """
    by_iso = spheres.set_index("iso_a3")["sphere"]
    out = sites.copy()
    out["host_sphere"] = out["country"].map(by_iso)
    ctrl = controlling_owner(stakes).set_index("site_id")
    out["controlling_owner"] = out["id"].map(ctrl["owner_id"])
    # Sites with no sourced stake have no controlling owner: say so rather than leave a gap.
    out["owner_sphere"] = out["id"].map(ctrl["owner_hq_country"]).map(by_iso).fillna(UNATTRIBUTED)
    return out


def equity_split(sites: pd.DataFrame, stakes: pd.DataFrame, spheres: pd.DataFrame) -> pd.DataFrame:
    """Fraction of each site held by each sphere (rows: site ids; columns: spheres + unattributed).

    Stakes are grouped by the owner's HQ sphere; what the listed stakes leave of
    100 % is ``unattributed``. Each row sums to 1.
    """
    by_iso = spheres.set_index("iso_a3")["sphere"]
    s = stakes[stakes["site_id"].isin(sites["id"])].assign(
        sphere=lambda d: d["owner_hq_country"].map(by_iso).fillna(UNATTRIBUTED))
    table = (s.pivot_table(index="site_id", columns="sphere", values="equity_pct", aggfunc="sum")
             .reindex(index=sites["id"], columns=[*SPHERES, UNATTRIBUTED]).fillna(0.0) / 100.0)
    table[UNATTRIBUTED] += np.clip(1.0 - table.sum(axis=1), 0.0, None)
    table.index.name = "site_id"
    return table
