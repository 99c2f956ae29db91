"""Who owns each site: stakes joined to companies."""

from __future__ import annotations

import pandas as pd


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
