"""``minetrack spheres``: shares of output or capacity by control sphere."""

from __future__ import annotations

import click

from geo.cli._output import TABLE_FORMATS, emit, output_options
from geo.cli._sites_input import import_options, read_sites_file
from geo.cli._store_input import store_option


@click.command(epilog="""\b
Examples:
  minetrack spheres                                    # host rule, mine output
  minetrack spheres --rule owner --measure processing-capacity
  minetrack spheres --rule equity --format csv > equity_shares.csv
  minetrack spheres --sites my_mines.gpkg          # your sites' capacity figures, host rule
  minetrack spheres --by-year                      # production.csv per sphere and year, coverage
  minetrack spheres --by-year --measure refined --rule owner
  minetrack spheres --compare-published            # the ten published figures, host rule
  minetrack spheres --compare-published --rule owner --format json
  minetrack spheres --compare-published --sensitivity
  minetrack spheres --compare-published --split-other bgs --fill-missing bgs
  minetrack spheres --compare-published --source bgs
""")
@click.option("--rule", type=click.Choice(["host", "owner", "equity"]), default="host", show_default=True,
              help="host: sphere of the site's country; owner: of the controlling owner's HQ; "
                   "equity: split by stake.")
@click.option("--measure", type=click.Choice(["mine-output", "processing-capacity", "refined"]),
              default="mine-output", show_default=True,
              help="refined (refined copper and SX-EW cathode by year) goes with --by-year.")
@click.option("--by-year", "by_year", is_flag=True,
              help="Figures of production.csv summed per year and sphere, each year against the "
                   "USGS world total of that year (coverage_pct).")
@click.option("--sites", "sites_file", type=click.Path(dir_okay=False),
              help="Shares of this sites file (anything `minetrack import` reads) instead of the "
                   "bundled sites.")
@click.option("--compare-published", "compare", is_flag=True,
              help="The ten published MINING.COM / Northern Miner sphere figures beside the "
                   "computed ones (USGS country output over the last five years in the data; "
                   "--rule host or owner), with the difference and a sensitivity table.")
@click.option("--sensitivity", is_flag=True,
              help="With --compare-published: print (or --format) only the sensitivity table: "
                   "which country's or site's assignment moves each figure, by how many points.")
@click.option("--split-other", "split_other", type=click.Choice(["none", "bgs"]), default="none",
              show_default=True,
              help="With --compare-published: bgs shares each year's USGS 'Other countries' among "
                   "the countries USGS does not list, in the proportions BGS World Mineral "
                   "Statistics give them (nearest BGS year where BGS stops).")
@click.option("--fill-missing", "fill_missing", type=click.Choice(["none", "bgs"]), default="none",
              show_default=True,
              help="With --compare-published: bgs takes a year of the five-year window that no "
                   "USGS table gives (2020) whole from BGS, world = the BGS country sum.")
@click.option("--source", "source", type=click.Choice(["usgs", "bgs"]), default="usgs", show_default=True,
              help="With --compare-published: bgs computes every figure from BGS World Mineral "
                   "Statistics alone.")
@import_options()
@output_options(TABLE_FORMATS)
@store_option
def command(rule, measure, sites_file, compare, sensitivity, by_year, split_other, fill_missing, source,
            fmt, output, **import_opts) -> None:
    """Shares of copper mine output or processing capacity by control sphere.

    Every share is of the sites that have a figure; coverage_pct says how much of
    the USGS world total (2024) those figures cover.
    """
    from pathlib import Path

    from geo.facts.stats import spheres

    if compare:
        _compare(rule, sensitivity, fmt, output, split_other=split_other, fill_missing=fill_missing,
                 source=source)
        return
    if (split_other, fill_missing, source) != ("none", "none", "usgs"):
        from geo.core.errors import ArgumentError

        raise ArgumentError("--split-other, --fill-missing and --source go with --compare-published")
    if by_year or measure == "refined":
        _by_year(rule, measure, sites_file, fmt, output)
        return
    sites = read_sites_file(Path(sites_file), **import_opts).sites if sites_file else None
    table = spheres(rule, measure, sites=sites)
    if fmt not in (None, "table") or output is not None:
        emit(table, fmt, output)
        return
    emit(table, fmt, output, columns=("sphere", "value_kt", "share_pct", "sites"))
    r = table.iloc[0]
    click.echo(f"\n{measure}, {rule} rule: sites with a figure cover {r.covered_kt:,.0f} kt of "
               f"the USGS world total {r.world_kt:,.0f} kt (coverage {r.coverage_pct:.1f}%).")
    _coverage_lines(rule)


def _compare(rule: str, only_sensitivity: bool, fmt, output, *, split_other: str = "none",
             fill_missing: str = "none", source: str = "usgs") -> None:
    """``--compare-published``: the ten figures, then (as text) the method and the
    sensitivity table."""
    from geo.facts.bundle import Facts
    from geo.facts.spheres_compare import compare_published, sensitivity, site_moves, window

    facts = Facts.from_dir()
    table, method = _compare_table(facts, split_other, fill_missing, source)
    years = window(table)
    moves = site_moves(facts, table, years, rule) if rule in ("host", "owner") else None
    figures = compare_published(table, facts.spheres, rule=rule, years=years, moves=moves,
                                method=method)
    moved = sensitivity(table, facts.spheres, years=years, moves=moves)
    if only_sensitivity:
        emit(moved, fmt, output)
        return
    text = fmt in (None, "table") and output is None
    emit(figures, fmt, output, columns=("measure", "sphere", "published", "computed_pct",
                                        "difference_pts", "within_tolerance", "ceiling_pct",
                                        "reachable") if text else None)
    if not text:
        return
    off = int((~figures["within_tolerance"]).sum())
    r = figures.iloc[0]
    split = moves[moves["from_sphere"] == "OTH"] if moves is not None else moves
    left = (figures["unsplit_pct"] > 0).any()
    other = (f"USGS 'Other countries' ({figures['unsplit_pct'].iloc[0]:.1f}% of mine, "
             f"{figures['unsplit_pct'].iloc[-1]:.1f}% of refinery output, after site figures took out "
             f"what they could: {0 if split is None else split['site'].nunique()} sites) counts to no "
             "sphere: ceiling_pct is the share if all of it did." if left else
             "Nothing is left unsplit (no 'Other countries' amount counts to no sphere): "
             "ceiling_pct is computed_pct.")
    click.echo(f"\n{len(figures) - off} of {len(figures)} figures within 1.5 points; rule {rule}, "
               f"years {r.years}.\nMethod: {r.method}.\nBasis: {r.basis}.\n{other}\n"
               "\nSensitivity (points the figure moves if that country or site changes sphere):")
    emit(moved, None, None)


def _compare_table(facts, split_other: str, fill_missing: str, source: str):
    """(the country table the comparison reads, the method that made it)."""
    from geo.core.errors import ArgumentError
    from geo.facts.spheres_compare import USGS_ONLY, bgs_only, fill_missing_years
    from geo.facts.spheres_compare import split_other as split

    wants_bgs = "bgs" in (split_other, fill_missing, source)
    if wants_bgs and (facts.bgs_years is None or facts.bgs_years.empty):
        raise ArgumentError("no BGS copper table (copper_bgs_wmp*.csv) in the data folder")
    if source == "bgs":
        if (split_other, fill_missing) != ("none", "none"):
            raise ArgumentError("--source bgs has no 'Other countries' to split or year to fill: "
                                "drop --split-other / --fill-missing")
        return bgs_only(facts.bgs_years)
    table, methods = facts.usgs_years, []
    if fill_missing == "bgs":
        table, text = fill_missing_years(table, facts.bgs_years)
        methods.append(text)
    if split_other == "bgs":
        table, text = split(table, facts.bgs_years)
        methods.append(text)
    if not methods:
        return table, USGS_ONLY
    # Each text starts "USGS country figures; ": say it once.
    return table, "; ".join([methods[0], *(m.split("; ", 1)[1] for m in methods[1:])])


def _by_year(rule: str, measure: str, sites_file, fmt, output) -> None:
    """``--by-year``: production.csv per sphere and year, with coverage of USGS totals."""
    from geo.core.errors import ArgumentError
    from geo.facts.stats import production_coverage

    if sites_file:
        raise ArgumentError("--by-year reads the bundled production.csv; it does not take --sites")
    if measure == "processing-capacity":
        raise ArgumentError("--by-year sums production.csv: use --measure mine-output or refined")
    table = production_coverage(rule, measure)
    emit(table, fmt, output, columns=None if fmt not in (None, "table") or output is not None else
         ("year", "sphere", "sites", "value_kt", "share_pct", "world_kt", "coverage_pct"))
    if fmt in (None, "table") and output is None:
        click.echo("")
        _coverage_lines(rule, measure, table)


def _coverage_lines(rule: str, measure: str = "mine-output", table=None) -> None:
    """One line per year: how much of the USGS world total production.csv's sites cover."""
    from geo.facts.stats import production_coverage

    table = production_coverage(rule, measure) if table is None else table
    label = "mine output" if measure == "mine-output" else "refined output"
    for r in table[table["sphere"] == "all"].itertuples():
        world = f"{r.world_kt:,.0f} kt ({r.coverage_pct:.1f}% covered)" if r.world_kt == r.world_kt \
            else "no USGS world total for this year"
        sites = "1 site" if r.sites == 1 else f"{r.sites} sites"
        click.echo(f"production.csv {r.year} {label}: {sites}, {r.value_kt:,.0f} kt of {world}.")
