"""Profile pages: ``index.html`` (every map and a sortable table of all sites) and one
``sites/<id>.html`` per site, written by ``minetrack build`` beside the maps.

The pages are plain HTML with inline CSS and SVG (a locator map drawn from the bundled
countries, WGS84 lon/lat projected plate carrée into the SVG box; a production chart;
a permitting timeline with FAST-41 marks). Links are relative, nothing is fetched, so
the folder works from ``file://`` and zipped. Output depends only on the facts: two
builds are byte-identical. All text from data goes through :func:`esc`.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd
import shapely

from geo.core.paths import safe_stem
from geo.facts.bundle import Facts
from geo.maps.htmltext import esc

_STATIC = Path(__file__).resolve().parent / "static"


def _asset(name: str) -> str:
    return (_STATIC / name).read_text(encoding="utf-8")


def profile_path(site_id: str) -> str:
    """Path of a site's profile page relative to the build folder."""
    return f"sites/{safe_stem(site_id)}.html"


def _ids(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [s.strip() for s in str(value).split(";") if s.strip()]


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _day(value: object) -> str:
    return pd.Timestamp(value).date().isoformat() if _text(value) else ""


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _safe_url(url: object) -> str | None:
    u = _text(url).strip()
    return u if re.fullmatch(r"https?://\S+", u) else None


def _doc(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{_asset('site_pages.css')}</style></head><body>\n{body}\n</body></html>\n")


def _rows(pairs: list[tuple[str, str]]) -> str:
    """Table rows of (label, escaped HTML) pairs; empty values left out."""
    return "".join(f"<tr><th scope=\"row\">{esc(k)}</th><td>{v}</td></tr>" for k, v in pairs if v)


# --- SVG pieces --------------------------------------------------------------

def _ring_path(coords: np.ndarray) -> str:
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    return f"M{pts}Z"


def _locator(countries: pd.DataFrame, lon: float, lat: float, name: str) -> str:
    """A 240 x 160 SVG: countries within 24 x 16 degrees around the site, site as a dot."""
    w, h, half_w, half_h = 240.0, 160.0, 12.0, 8.0
    x0, y0 = lon - half_w, lat + half_h
    sx, sy = w / (2 * half_w), h / (2 * half_h)
    geoms = shapely.clip_by_rect(countries.geometry.values, lon - half_w, lat - half_h,
                                 lon + half_w, lat + half_h)
    parts = shapely.get_parts(geoms[~shapely.is_empty(geoms)])
    rings = shapely.get_exterior_ring(parts[shapely.get_type_id(parts) == 3])  # polygons only
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    xy = np.round(np.column_stack([(xy[:, 0] - x0) * sx, (y0 - xy[:, 1]) * sy]), 1)
    cuts = np.flatnonzero(np.diff(ring)) + 1
    parts = [_ring_path(c) for c in np.split(xy, cuts)] if len(xy) else []
    path = f"<path class=\"land\" d=\"{' '.join(parts)}\"/>" if parts else ""
    return (f"<svg class=\"locator\" viewBox=\"0 0 {w:g} {h:g}\" width=\"{w:g}\" height=\"{h:g}\" "
            f"role=\"img\" aria-label=\"Locator map: {esc(name)} at {lat:.3f}, {lon:.3f}\">"
            f"<rect width=\"{w:g}\" height=\"{h:g}\" fill=\"#cfe3f0\"/>{path}"
            f"<circle cx=\"{w / 2:g}\" cy=\"{h / 2:g}\" r=\"5\" fill=\"#c0392b\" "
            "stroke=\"#fff\" stroke-width=\"1.5\"/>"
            "</svg>")


def _bar_chart(series: list[tuple[str, float]], unit: str, label: str) -> str:
    """A small SVG bar chart of (year, value) pairs."""
    w, h, pad = 40 + 50 * len(series), 140, 20
    top = max(v for _, v in series) or 1.0
    bars = []
    for i, (year, v) in enumerate(series):
        bh = (h - 2 * pad) * v / top
        x = 30 + 50 * i
        bars.append(f"<rect x=\"{x}\" y=\"{h - pad - bh:.1f}\" width=\"30\" height=\"{bh:.1f}\" "
                    "fill=\"#1f5fa8\">"
                    f"<title>{esc(year)}: {esc(_num(v))} {esc(unit)}</title></rect>"
                    f"<text x=\"{x + 15}\" y=\"{h - 5}\" text-anchor=\"middle\" font-size=\"11\">"
                    f"{esc(year)}</text>"
                    f"<text x=\"{x + 15}\" y=\"{h - pad - bh - 3:.1f}\" text-anchor=\"middle\" "
                    "font-size=\"11\">"
                    f"{esc(_num(v))}</text>")
    return (f"<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" "
            f"aria-label=\"{esc(label)}\">{''.join(bars)}</svg>")


def _timeline(marks: list[tuple[pd.Timestamp, str, bool]]) -> str:
    """An SVG time axis; ``marks`` are (date, label, is_fast41). FAST-41 marks are
    diamonds (class ``mark-fast41``), other events circles."""
    w, h, left, right = 640, 90, 30, 30
    years = [d.year for d, _, _ in marks]
    start, end = min(years), max(years) + 1
    span = (pd.Timestamp(f"{end}-01-01") - pd.Timestamp(f"{start}-01-01")).days

    def x(d: pd.Timestamp) -> float:
        return left + (w - left - right) * (d - pd.Timestamp(f"{start}-01-01")).days / span

    out = [f"<line class=\"axis\" x1=\"{left}\" y1=\"50\" x2=\"{w - right}\" y2=\"50\"/>"]
    step = max(1, (end - start + 9) // 10)
    for yr in range(start, end + 1, step):
        xx = x(pd.Timestamp(f"{yr}-01-01"))
        out.append(f"<line class=\"axis\" x1=\"{xx:.1f}\" y1=\"46\" x2=\"{xx:.1f}\" y2=\"54\"/>"
                   f"<text x=\"{xx:.1f}\" y=\"72\" text-anchor=\"middle\" font-size=\"11\">{yr}</text>")
    for d, text, fast in marks:
        xx = x(d)
        tip = f"<title>{esc(d.date().isoformat())}: {esc(text)}</title>"
        if fast:
            out.append(f"<g class=\"mark-fast41\"><path d=\"M{xx:.1f},28 l7,7 l-7,7 l-7,-7Z\">{tip}</path>"
                       f"<text x=\"{xx:.1f}\" y=\"22\" text-anchor=\"middle\" font-size=\"10\">"
                       "FAST-41</text></g>")
        else:
            out.append(f"<circle class=\"ev\" cx=\"{xx:.1f}\" cy=\"50\" r=\"4\">{tip}</circle>")
    return (f"<svg class=\"timeline\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" "
            f"aria-label=\"Permitting timeline {start} to {end - 1}\">{''.join(out)}</svg>")


# --- pages -------------------------------------------------------------------

def _for(frame: pd.DataFrame | None, site_id: str) -> pd.DataFrame:
    if frame is None or "site_id" not in frame:
        return pd.DataFrame()
    return frame[frame["site_id"].astype(object).fillna("") == site_id]


def _where(row) -> str:
    parts = ", ".join(x for x in (_text(row.agency), _text(row.unit)) if x)
    return f" ({esc(parts)})" if parts else ""


def _cite(ids: list[str], numbers: dict[str, int]) -> str:
    return " ".join(f"<a href=\"#src-{numbers[i]}\">[{numbers[i]}]</a>" for i in ids if i in numbers)


def _profile(site: pd.Series, facts: Facts, map_file: str | None, country_names: dict[str, str],
             stats: pd.DataFrame | None) -> str:
    sid = str(site["id"])
    name = _text(site["name"]) or sid
    own = _for(facts.stakes, sid)
    events = _for(facts.events, sid).sort_values(["date", "event"], kind="stable")
    fast = _for(facts.fast41, sid)
    land = _for(facts.land_status, sid)

    # Sources in order of first citation; each row cites by number.
    order: list[str] = []
    for ids in ([_ids(site["sources"])] + [_ids(s) for s in own.get("sources", [])]
                + [_ids(s) for s in events.get("sources", [])] + [_ids(s) for s in fast.get("sources", [])]
                + [_ids(s) for s in land.get("sources", [])]):
        order += [i for i in ids if i not in order]
    known = facts.sources.set_index("id")
    order = [i for i in order if i in known.index]
    numbers = {i: n for n, i in enumerate(order, 1)}

    lat, lon = float(site["latitude"]), float(site["longitude"])
    iso = _text(site["country"])
    cap = _text(site["capacity"])
    cap_text = ""
    if cap:
        cap_text = esc(f"{_num(float(cap))} {_text(site['capacity_unit'])}".strip())
        extra = ", ".join(x for x in (_text(site["capacity_basis"]), _text(site["capacity_year"])) if x)
        cap_text += f" <span class=\"muted\">({esc(extra)})</span>" if extra else ""
    facts_rows = _rows([
        ("Id", esc(sid)), ("Type", esc(_text(site["type"]))), ("Stage", esc(_text(site["stage"]))),
        ("Commodities", esc(_text(site["commodities"]).replace(";", ", "))),
        ("Country", esc(country_names.get(iso, iso))), ("Region", esc(_text(site["admin1"]))),
        ("Location", esc(f"{lat:.4f}, {lon:.4f} ({_text(site['location_accuracy'])})")),
        ("Start year", esc(_text(site["start_year"]))),
        ("Aliases", esc(_text(site["aliases"]).replace(";", ", "))),
        ("Notes", esc(_text(site["notes"]))), ("Cited", _cite(_ids(site["sources"]), numbers)),
    ])
    body = ["<nav><a href=\"../index.html\">All sites</a>"]
    if map_file:
        view = f"map=8/{lat:.4f}/{lon:.4f}&site={quote(sid, safe='')}"
        body.append(f"<a class=\"map-link\" href=\"../{esc(map_file)}#{esc(view)}\">Show on the map</a>")
    body.append("</nav>")
    body.append(f"<h1>{esc(name)}</h1>")
    body.append("<div style=\"display:flex;gap:1.5em;flex-wrap:wrap\">"
                f"<table class=\"facts\">{facts_rows}</table>"
                f"{_locator(facts.countries, lon, lat, name)}</div>")

    body.append("<h2>Owners and stakes</h2>")
    if len(own):
        trs = "".join(
            f"<tr><td>{esc(_text(r.owner_name) or r.owner_id)}</td><td>{esc(_text(r.owner_hq_country))}</td>"
            f"<td data-field=\"equity_pct\">{esc(_num(float(r.equity_pct)))}%</td>"
            f"<td>{'operator' if r.operator is True else ''}</td>"
            f"<td data-field=\"as_of\">{esc(_text(r.as_of))}</td>"
            f"<td>{_cite(_ids(r.sources), numbers)}</td></tr>" for r in own.itertuples())
        body.append("<table class=\"owners\"><thead><tr><th>Owner</th><th>HQ</th><th>Stake</th><th>Role</th>"
                    f"<th>As of</th><th>Source</th></tr></thead><tbody>{trs}</tbody></table>")
    else:
        body.append("<p class=\"muted\">No ownership recorded.</p>")

    body.append("<h2>Production and capacity</h2>")
    if cap_text:
        body.append(f"<p>Capacity: {cap_text}</p>")
    else:
        body.append("<p class=\"muted\">No site capacity or output recorded.</p>")
    if stats is not None and iso in stats.index:
        row = stats.loc[iso]
        years = sorted((m.group(1), float(row[c])) for c in stats.columns
                       if (m := re.fullmatch(r"mine_(\d{4})_kt", c)) and pd.notna(row[c]))
        if years:
            cites = _cite(_ids(row.get("sources")), numbers) if "sources" in row else ""
            src = [i for i in _ids(row.get("sources")) if i in known.index and i not in numbers]
            for i in src:
                order.append(i)
                numbers[i] = len(order)
            cites = _cite(_ids(row.get("sources")), numbers)
            label = f"Copper mine output of {country_names.get(iso, iso)}, kt per year"
            body.append(f"<p>{esc(label)} (country total, not this site) {cites}</p>")
            if len(years) > 1:
                body.append(_bar_chart(years, "kt", label))
            else:
                body.append(f"<p>{esc(years[0][0])}: {esc(_num(years[0][1]))} kt</p>")

    body.append("<h2>Permitting timeline</h2>")
    marks: list[tuple[pd.Timestamp, str, bool]] = []
    for r in events.itertuples():
        what = r.event + (f": {r.stage}" if _text(r.stage) else "")
        marks.append((pd.Timestamp(r.date), what, r.event.startswith("fast-41")))
    for r in fast.itertuples():
        if _text(r.added):
            marks.append((pd.Timestamp(r.added), f"FAST-41 {r.status} project", True))
    if marks:
        body.append(_timeline(sorted(marks, key=lambda m: (m[0], m[1]))))
    if len(fast):
        items = "".join(f"<li class=\"fast41\">FAST-41 {esc(_text(r.status))} project: "
                        f"{esc(_text(r.project))}"
                        f"{', added ' + esc(_day(r.added)) if _text(r.added) else ''} "
                        f"{_cite(_ids(r.sources), numbers)}</li>" for r in fast.itertuples())
        body.append(f"<ul>{items}</ul>")
    if len(events):
        trs = "".join(
            f"<tr><td data-field=\"date\">{esc(pd.Timestamp(r.date).date().isoformat())}</td>"
            f"<td data-field=\"event\">{esc(r.event)}</td><td data-field=\"stage\">{esc(_text(r.stage))}</td>"
            f"<td>{esc(_text(r.detail))}</td><td>{_cite(_ids(r.sources), numbers)}</td></tr>"
            for r in events.itertuples())
        body.append("<table class=\"events\"><thead><tr><th>Date</th><th>Event</th><th>Stage</th>"
                    "<th>Detail</th>"
                    f"<th>Source</th></tr></thead><tbody>{trs}</tbody></table>")
    if not marks:
        body.append("<p class=\"muted\">No permitting events recorded.</p>")

    body.append("<h2>Land status</h2>")
    if len(land):
        items = "".join(
            f"<li><strong>{esc(r.status)}</strong>{_where(r)}: "
            f"{esc(_text(r.detail))} {_cite(_ids(r.sources), numbers)}</li>" for r in land.itertuples())
        body.append(f"<ul class=\"land-status\">{items}</ul>")
    else:
        body.append("<p class=\"muted\">No land status recorded.</p>")

    body.append("<h2>Sources</h2><ol class=\"sources\">")
    for n, i in enumerate(order, 1):
        s = known.loc[i]
        title = esc(_text(s["title"]))
        url = _safe_url(s["url"])
        ref = _text(s["url"]).strip()
        # A reference that is not an http(s) URL (a report number) is shown, never linked.
        link = f"<a href=\"{esc(url)}\">{title}</a>" if url else title + (f" ({esc(ref)})" if ref else "")
        body.append(f"<li id=\"src-{n}\">{esc(_text(s['publisher']))}, {link}, {esc(_text(s['year']))}</li>")
    body.append("</ol>")
    return _doc(f"{name}: minetrack site profile", "\n".join(body))


def _index(sites: pd.DataFrame, facts: Facts, maps: list[tuple[str, str]],
           country_names: dict[str, str]) -> str:
    owners = facts.stakes.assign(label=facts.stakes["owner_name"].fillna(facts.stakes["owner_id"])) \
        .groupby("site_id")["label"].agg("; ".join) if len(facts.stakes) else pd.Series(dtype=str)
    links = "".join(f"<li><a href=\"{esc(f)}\">{esc(t)}</a></li>" for f, t in maps)
    head = [("Site", "text"), ("Type", "text"), ("Stage", "text"), ("Country", "text"),
            ("Commodities", "text"), ("Owners", "text"), ("Capacity", "number"), ("Unit", "text")]
    ths = "".join(f"<th scope=\"col\" data-type=\"{t}\">{h}</th>" for h, t in head)
    trs = []
    for r in sites.itertuples():
        sid = str(r.id)
        cells = [
            (_text(r.name) or sid, f"<a href=\"{esc(profile_path(sid))}\">{esc(_text(r.name) or sid)}</a>"),
            (_text(r.type), esc(_text(r.type))), (_text(r.stage), esc(_text(r.stage))),
            (country_names.get(_text(r.country), _text(r.country)),
             esc(country_names.get(_text(r.country), _text(r.country)))),
            (_text(r.commodities), esc(_text(r.commodities).replace(";", ", "))),
            (_text(owners.get(sid, "")), esc(_text(owners.get(sid, "")))),
            (_num(float(r.capacity)) if _text(r.capacity) else "",
             esc(_num(float(r.capacity))) if _text(r.capacity) else ""),
            (_text(r.capacity_unit), esc(_text(r.capacity_unit))),
        ]
        tds = "".join(f"<td data-sort=\"{esc(k.lower())}\">{v}</td>" for k, v in cells)
        trs.append(f"<tr>{tds}</tr>")
    body = (f"<h1>minetrack</h1><h2>Maps</h2><ul class=\"maps\">{links}</ul>"
            f"<h2>All sites ({len(sites)})</h2>"
            "<p class=\"muted\">The table lists every site; each name opens its "
            f"profile. With JavaScript on, column headers sort and a search box filters.</p>"
            f"<table id=\"sites\"><thead><tr>{ths}</tr></thead><tbody>\n" + "\n".join(trs)
            + f"\n</tbody></table><script>{_asset('site_table.js')}</script>")
    return _doc("minetrack: maps and sites", body)


def profile_pages(facts: Facts, maps: list[tuple[str, str]],
                  map_for: dict[str, str] | None = None) -> dict[str, str]:
    """``index.html`` and ``sites/<id>.html`` texts, keyed by path relative to the build folder.

    Parameters
    ----------
    facts
        The facts the pages describe (sites in WGS84, EPSG:4326).
    maps
        (file, title) of each map page in the build folder, linked from the index.
    map_for
        Site id to the map page its profile links back to (``#map=8/lat/lon&site=id``);
        a site not in it gets no map link.
    """
    sites = pd.DataFrame(facts.sites.drop(columns="geometry")).sort_values("id", kind="stable")
    country_names = dict(zip(facts.countries["iso_a3"], facts.countries["name"], strict=False))
    stats = facts.stats.set_index("iso_a3") if facts.stats is not None else None
    pages = {"index.html": _index(sites, facts, maps, country_names)}
    for _, site in sites.iterrows():
        pages[profile_path(str(site["id"]))] = _profile(site, facts, (map_for or {}).get(str(site["id"])),
                                                         country_names, stats)
    return pages
