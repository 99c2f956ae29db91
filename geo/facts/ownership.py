"""Who owns each site: stakes joined to companies."""

from __future__ import annotations

import re

import pandas as pd

_ENTRY = re.compile(r"^(.*?)(?:\s+(\d+(?:\.\d+)?)%)?$")


def stakes(ownership: pd.DataFrame, owners: pd.DataFrame) -> pd.DataFrame:
    """Ownership rows with the owner's name and HQ country, largest stake first per site."""
    named = ownership.merge(
        owners[["id", "name", "hq_country"]].rename(
            columns={"id": "owner_id", "name": "owner_name", "hq_country": "owner_hq_country"}
        ),
        on="owner_id", how="left", validate="many_to_one",
    )
    return named.sort_values(["site_id", "equity_pct", "owner_name"],
                             ascending=[True, False, True]).reset_index(drop=True)


def owner_summary(ownership: pd.DataFrame, owners: pd.DataFrame) -> pd.DataFrame:
    """One row per site: ``owners`` ("BHP 57.5%; Rio Tinto 30%") and ``operator`` name."""
    s = stakes(ownership, owners)
    s["label"] = s["owner_name"] + " " + s["equity_pct"].map(lambda v: f"{v:g}%")
    summary = s.groupby("site_id").agg(owners=("label", "; ".join))
    ops = s[s["operator"] == True].drop_duplicates("site_id")  # noqa: E712 (nullable bool)
    summary["operator"] = ops.set_index("site_id")["owner_name"]
    return summary.reset_index()


def with_owners(sites: pd.DataFrame, ownership: pd.DataFrame, owners: pd.DataFrame) -> pd.DataFrame:
    """``sites`` with ``owners`` and ``operator`` columns added (empty where unknown)."""
    summary = owner_summary(ownership, owners)
    out = sites.merge(summary, left_on="id", right_on="site_id", how="left").drop(columns="site_id")
    out[["owners", "operator"]] = out[["owners", "operator"]].fillna("")
    return out


def stakes_from_owners(sites: pd.DataFrame, owners: pd.DataFrame) -> pd.DataFrame:
    """Stakes of a user's sites from their ``owners`` cells ("Glencore 60%;Mitsubishi 40%").

    Owners are matched to the bundled ``owners`` by name (case and accents ignored) for
    their HQ country; an owner minetrack does not know keeps its name as ``owner_id``
    and no HQ (its sphere is then unattributed). A name without a percentage has no
    stake figure (NA). Columns as :func:`stakes`.
    """
    from geo.facts.importing.translate import fold

    hq = {fold(n): (i, c) for i, n, c in zip(owners["id"], owners["name"], owners["hq_country"], strict=True)}
    rows = []
    cells = sites["owners"].fillna("") if "owners" in sites.columns else pd.Series("", index=sites.index)
    for site, cell in zip(sites["id"], cells, strict=True):
        for entry in (e.strip() for e in str(cell).split(";")):
            m = _ENTRY.match(entry)
            if not entry or not m:
                continue
            name, pct = m.group(1).strip(), m.group(2)
            owner_id, country = hq.get(fold(name), (name, None))
            rows.append({"site_id": site, "owner_id": owner_id, "owner_name": name,
                         "equity_pct": float(pct) if pct else float("nan"), "operator": pd.NA,
                         "owner_hq_country": country})
    cols = ["site_id", "owner_id", "owner_name", "equity_pct", "operator", "owner_hq_country"]
    return pd.DataFrame(rows, columns=cols)
