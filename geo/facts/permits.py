"""Permitting: dated stage history, the FAST-41 lists and recorded land status.

Tables in ``data/`` (each row cites ``sources.csv`` ids):

- ``stage_events.csv``: dated events per site. ``event = stage`` marks the date a
  site entered ``stage``; the other events are milestones (notice of intent, draft
  and final EIS, record of decision, land exchange, permits, litigation, FAST-41).
- ``fast41.csv``: mining projects on the Federal Permitting Dashboard under FAST-41,
  as ``covered`` projects or as 2025 ``transparency`` projects, with the date added.
- ``land_status.csv``: the land status a source records for a site (federal,
  state, private, tribal, mixed; agency and unit), to set beside the spatial answer.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from geo.core.columns import Column
from geo.core.errors import ArgumentError, Problem
from geo.core.tables import finish_table, line_numbers, open_table
from geo.core.vocab import AGENCIES, STAGES, normalise_stage
from geo.facts.checks import check_references

EVENTS: dict[str, str] = {
    "stage": "entered a stage (the stage column says which)",
    "notice-of-intent": "notice of intent to prepare an EIS",
    "draft-eis": "draft environmental impact statement",
    "final-eis": "final environmental impact statement",
    "record-of-decision": "record of decision",
    "land-exchange": "land exchange step",
    "permit-issued": "permit or approval issued",
    "permit-denied": "permit denied or vetoed",
    "permit-revoked": "permit revoked, vacated or withdrawn",
    "lease-cancelled": "federal leases cancelled",
    "lease-reinstated": "federal leases reinstated",
    "mineral-withdrawal": "land withdrawn from mineral entry",
    "litigation": "lawsuit filed or decided",
    "fast-41-transparency": "added to the Federal Permitting Dashboard as a transparency project",
    "fast-41-covered": "became a FAST-41 covered project",
    "other": "other milestone",
}
PRECISIONS = ("day", "month", "year")
FAST41_STATUSES = ("covered", "transparency")
LAND_STATUSES = ("federal", "state", "private", "tribal", "mixed")

EVENT_COLUMNS = (
    Column("site_id", "str", True),
    Column("date", "str", True, "YYYY-MM-DD (first of the month/year when less precise)"),
    Column("date_precision", "str", True, "day, month or year"),
    Column("event", "str", True, "one of EVENTS"),
    Column("stage", "str", False, "for event = stage: the stage entered"),
    Column("detail", "str", True),
    Column("sources", "list", True),
)
FAST41_COLUMNS = (
    Column("project", "str", True),
    Column("state", "str", False),
    Column("proponent", "str", False),
    Column("commodity", "str", False),
    Column("status", "str", True, "covered or transparency"),
    Column("added", "str", False, "YYYY-MM-DD the project was added, where known"),
    Column("batch", "str", False, "announcement batch (0 = covered before 2025)"),
    Column("site_id", "str", False, "minetrack site id, where the project is tracked"),
    Column("sources", "list", True),
)
LAND_COLUMNS = (
    Column("site_id", "str", True),
    Column("status", "str", True, "one of LAND_STATUSES"),
    Column("agency", "str", False, "federal manager (AGENCIES), for federal or mixed"),
    Column("unit", "str", False),
    Column("detail", "str", True),
    Column("sources", "list", True),
)


def _dates(frame: pd.DataFrame, field: str, name: str, required: bool) -> tuple[pd.Series, list[Problem]]:
    lines = line_numbers(frame)
    parsed = pd.to_datetime(frame[field], format="%Y-%m-%d", errors="coerce")
    problems = [
        Problem(name, int(lines[i]), field, f"not a date (YYYY-MM-DD): {frame.at[i, field]!r}")
        for i in frame.index[parsed.isna() & (frame[field].fillna("") != "" if not required else True)]
    ]
    return parsed, problems


def _unknown_site(name: str, line: int, site: object, site_ids: set[str] | None) -> list[Problem]:
    if site_ids is None or not isinstance(site, str) or not site or site in site_ids:
        return []
    return [Problem(name, line, "site_id", f"unknown site id {site!r}")]


def load_stage_events(
    path: Path | str | None = None, *, site_ids: set[str] | None = None, source_ids: set[str] | None = None
) -> pd.DataFrame:
    """Stage history and milestones, validated; ``date`` parsed (datetime64)."""
    frame, name, lines = open_table(path, "stage_events.csv", EVENT_COLUMNS)
    problems: list[Problem] = []
    frame["date"], more = _dates(frame, "date", name, required=True)
    problems += more
    for i, r in frame.iterrows():
        line = int(lines[i])
        problems += _unknown_site(name, line, r["site_id"], site_ids)
        if r["date_precision"] not in PRECISIONS:
            problems.append(Problem(name, line, "date_precision", f"one of {', '.join(PRECISIONS)}"))
        if r["event"] not in EVENTS:
            problems.append(Problem(name, line, "event", f"unknown event {r['event']!r}"))
        stage = r["stage"] if isinstance(r["stage"], str) else ""
        if r["event"] == "stage":
            slug = normalise_stage(stage) if stage else None
            if slug is None:
                problems.append(
                    Problem(name, line, "stage", f"a stage event needs a stage (one of {', '.join(STAGES)})")
                )
            else:
                frame.at[i, "stage"] = slug
        elif stage:
            problems.append(Problem(name, line, "stage", "only event = stage rows carry a stage"))
    problems += check_references(frame, name, source_ids=source_ids)
    return finish_table(frame.sort_values(["site_id", "date"], kind="stable"), problems)


def load_fast41(
    path: Path | str | None = None, *, site_ids: set[str] | None = None, source_ids: set[str] | None = None
) -> pd.DataFrame:
    """FAST-41 covered and transparency projects, validated; ``added`` parsed."""
    frame, name, lines = open_table(path, "fast41.csv", FAST41_COLUMNS)
    problems: list[Problem] = []
    frame["added"], more = _dates(frame, "added", name, required=False)
    problems += more
    for i, r in frame.iterrows():
        line = int(lines[i])
        if r["status"] not in FAST41_STATUSES:
            problems.append(Problem(name, line, "status", f"one of {', '.join(FAST41_STATUSES)}"))
        problems += _unknown_site(name, line, r["site_id"], site_ids)
    problems += check_references(frame, name, source_ids=source_ids)
    return finish_table(frame, problems)


def load_land_status(
    path: Path | str | None = None, *, site_ids: set[str] | None = None, source_ids: set[str] | None = None
) -> pd.DataFrame:
    """Recorded land status per site, validated."""
    frame, name, lines = open_table(path, "land_status.csv", LAND_COLUMNS)
    problems: list[Problem] = []
    for i, r in frame.iterrows():
        line = int(lines[i])
        problems += _unknown_site(name, line, r["site_id"], site_ids)
        if r["status"] not in LAND_STATUSES:
            problems.append(Problem(name, line, "status", f"one of {', '.join(LAND_STATUSES)}"))
        agency = r["agency"] if isinstance(r["agency"], str) else ""
        if r["status"] in ("federal", "mixed") and agency not in AGENCIES:
            problems.append(
                Problem(
                    name,
                    line,
                    "agency",
                    f"federal or mixed land needs an agency (one of {', '.join(AGENCIES)})",
                )
            )
    for i in frame.index[frame["site_id"].duplicated()]:
        problems.append(Problem(name, int(lines[i]), "site_id", "site listed twice"))
    problems += check_references(frame, name, source_ids=source_ids)
    return finish_table(frame, problems)


def _as_timestamp(when: date | str | pd.Timestamp | None) -> pd.Timestamp:
    return pd.Timestamp.today().normalize() if when is None else pd.Timestamp(when)


def stage_at(events: pd.DataFrame, when: date | str | None = None) -> pd.DataFrame:
    """Each site's stage on ``when`` (default today): the last stage entered on or
    before that date, with ``since`` (the date entered) and ``days_in_stage``.

    Every site with a stage history gets a row. ``known_from`` is the first date its
    history gives a stage; on an earlier date the history says nothing, so ``stage``
    is NA and ``stage_note`` says "unknown before <date>" (not "not in permitting").
    """
    t = _as_timestamp(when)
    all_stages = events[events["event"] == "stage"]
    known_from = all_stages.groupby("site_id")["date"].min()
    st = all_stages[all_stages["date"] <= t].sort_values(["site_id", "date"], kind="stable")
    # A stage restated by a later event (a new source confirming it) does not restart
    # the clock: "since" is the start of the last run of the same stage.
    new_run = (st["site_id"] != st["site_id"].shift()) | (st["stage"] != st["stage"].shift())
    starts = st["date"].where(new_run).ffill()
    last = st.assign(since=starts).groupby("site_id").tail(1).set_index("site_id")
    out = pd.DataFrame({"stage": last["stage"], "since": last["since"]}).reindex(known_from.index)
    out["stage"] = out["stage"].astype("object").where(out["stage"].notna(), pd.NA)
    out["days_in_stage"] = (t - out["since"]).dt.days.astype("Int64")
    out["known_from"] = known_from
    unknown = "unknown before " + known_from.dt.strftime("%Y-%m-%d")
    out["stage_note"] = unknown.where(out["stage"].isna(), "")
    out.index.name = "site_id"
    return out


def entered_between(events: pd.DataFrame, stage: str, start: date | str, end: date | str) -> pd.DataFrame:
    """Sites that entered ``stage`` between ``start`` and ``end`` (inclusive), with the date."""
    slug = normalise_stage(stage)
    if slug is None:
        raise ArgumentError(f"unknown stage {stage!r}; one of: {', '.join(STAGES)}")
    a, b = _as_timestamp(start), _as_timestamp(end)
    hit = events[(events["event"] == "stage") & (events["stage"] == slug) & events["date"].between(a, b)]
    return hit[["site_id", "date", "detail", "sources"]].reset_index(drop=True)


def fast_tracked(fast41: pd.DataFrame) -> pd.DataFrame:
    """Per tracked site: its FAST-41 status (``covered`` beats ``transparency``) and
    the date it was added."""
    rows = fast41[fast41["site_id"].fillna("") != ""].copy()
    rows["_rank"] = rows["status"].map({"covered": 0, "transparency": 1})
    rows = rows.sort_values(["site_id", "_rank", "added"]).groupby("site_id").head(1)
    return rows.set_index("site_id")[["status", "added", "project"]].rename(
        columns={"status": "fast41_status", "added": "fast41_added", "project": "fast41_project"}
    )


def stages(site_id: str | None = None, *, on: date | str | None = None, fast41: bool = False,
           events: pd.DataFrame | None = None) -> pd.DataFrame:
    """``minetrack stages``: a site's dated events (``site_id``), the FAST-41 list
    (``fast41``), or every tracked site's stage on ``on`` (default today; a site whose
    history starts later is listed with ``stage_note`` "unknown before ..."); dates as
    ISO text."""
    if fast41:
        table = load_fast41()
        return table.assign(added=table["added"].dt.strftime("%Y-%m-%d"))
    events = load_stage_events() if events is None else events
    if site_id:
        table = events[events["site_id"] == site_id]
        if table.empty:
            raise ArgumentError(f"no stage history for {site_id!r}")
        return table.assign(date=table["date"].dt.strftime("%Y-%m-%d"))
    table = stage_at(events, on).reset_index()
    return table.assign(since=table["since"].dt.strftime("%Y-%m-%d"),
                        known_from=table["known_from"].dt.strftime("%Y-%m-%d"))
