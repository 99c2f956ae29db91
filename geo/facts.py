"""All of minetrack's tables loaded together and cross-joined, as maps and reports use them.

``Facts.from_dir()`` loads sites, stakes (owners joined), sources, countries, and,
where the data folder has them, the control spheres and the USGS copper
statistics; sites then carry ``host_sphere``/``owner_sphere`` and countries their
sphere and statistics columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .load import load_countries, load_owners, load_ownership, load_sites, load_sources
from .ownership import stakes
from .paths import data_dir
from .spheres import load_spheres, site_spheres
from .stats import STATS_FILE, country_shares, load_copper_stats


@dataclass
class Facts:
    """The tables a map draws on, loaded once per build."""

    sites: gpd.GeoDataFrame
    countries: gpd.GeoDataFrame
    stakes: pd.DataFrame
    sources: pd.DataFrame
    spheres: pd.DataFrame | None = None
    stats: pd.DataFrame | None = None

    @classmethod
    def from_dir(cls, directory: Path | str | None = None) -> Facts:
        """Facts from a data folder (bundled ``data/`` by default)."""
        here = Path(directory) if directory else data_dir()
        sources = load_sources(here / "sources.csv")
        countries = load_countries()
        known = set(countries["iso_a3"])
        facts = cls(
            sites=load_sites(here / "sites.csv"), countries=countries,
            stakes=stakes(load_ownership(here / "ownership.csv"), load_owners(here / "owners.csv")),
            sources=sources,
        )
        ids = set(sources["id"])
        if (here / "spheres.csv").exists():
            facts.spheres = load_spheres(here / "spheres.csv", known_iso=known, source_ids=ids)
        if (here / STATS_FILE).exists():
            facts.stats = load_copper_stats(here / STATS_FILE, known_iso=known, source_ids=ids)
        facts.enrich()
        return facts

    def enrich(self) -> None:
        """Add sphere columns to sites and sphere/statistics columns to countries."""
        if self.spheres is not None:
            self.sites = site_spheres(self.sites, self.stakes, self.spheres)
            by_iso = self.spheres.set_index("iso_a3")
            self.countries = self.countries.assign(
                sphere=self.countries["iso_a3"].map(by_iso["sphere"]),
                sphere_basis=self.countries["iso_a3"].map(by_iso["basis"]),
                sphere_rationale=self.countries["iso_a3"].map(by_iso["rationale"]))
        if self.stats is not None:
            shares = country_shares(self.stats).drop(columns=["country", "sources"])
            self.countries = self.countries.merge(shares, on="iso_a3", how="left")
