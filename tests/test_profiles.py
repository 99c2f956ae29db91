"""Profile pages and the site index written by ``minetrack build`` (geo.maps.profiles)."""

from __future__ import annotations

import html
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
from browser import APP, chromium_available, open_page
from conftest import read, write

from geo.core.paths import data_dir, safe_stem
from geo.facts.bundle import Facts
from geo.maps.profiles import profile_pages
from geo.maps.render import build_maps


class _Page(HTMLParser):
    """Links, ids, script/link tags and the text of elements with a class or data-field."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.ids: set[str] = set()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "href" in a:
            self.hrefs.append(a["href"])
        if "src" in a:
            self.srcs.append(a["src"])
        if "id" in a:
            self.ids.add(a["id"])


def parse(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


class _Rows(HTMLParser):
    """Rows of the table with ``class=cls``: a list of cell texts per row."""

    def __init__(self, cls: str):
        super().__init__(convert_charrefs=True)
        self.cls, self.depth, self.rows, self.cell = cls, 0, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("class") == self.cls:
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag == "td":
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.depth = 0
        elif self.depth and tag == "td" and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def table_rows(path: Path, cls: str) -> list[list[str]]:
    p = _Rows(cls)
    p.feed(path.read_text(encoding="utf-8"))
    return [r for r in p.rows if r]


def pages_of(site: Path) -> list[Path]:
    return [site / "index.html", *sorted((site / "sites").glob("*.html"))]


def test_a_page_per_site_and_every_link_resolves(site):
    sites = pd.read_csv(data_dir() / "sites.csv", dtype=str)
    assert {p.name for p in (site / "sites").glob("*.html")} == {f"{safe_stem(i)}.html" for i in sites["id"]}
    assert check_links(site) > len(sites) * 3


def test_the_zipped_folder_unpacked_elsewhere_still_links(site, tmp_path):
    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(site.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(site.parent))
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path / "unpacked")
    assert check_links(tmp_path / "unpacked" / site.name) == check_links(site)


def check_links(site: Path) -> int:
    """Assert every link of index.html and the profiles resolves inside ``site``; the count."""
    checked = 0
    for page in pages_of(site):
        parsed = parse(page)
        assert parsed.srcs == [], f"{page.name} loads {parsed.srcs}"  # nothing fetched
        assert not [a for t, a in parsed.tags if t == "link"], page.name
        for href in parsed.hrefs:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https"):
                assert page.parent.name == "sites", f"{page.name}: external link {href}"  # cited documents
                continue
            assert not parts.scheme and not parts.netloc, f"{page.name}: {href} is not relative"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page.name}: {href} -> {target} missing"
            if parts.fragment and target == page:
                assert parts.fragment in parsed.ids, f"{page.name}: {href} has no target"
            assert site.resolve() in target.parents or target == site.resolve(), href
            checked += 1
    return checked


def test_index_links_every_map_and_every_profile(site):
    hrefs = parse(site / "index.html").hrefs
    maps = sorted(p.name for p in site.glob("*.html") if p.name != "index.html")
    assert len(maps) >= 7 and set(maps) <= set(hrefs)
    assert len([h for h in hrefs if h.startswith("sites/")]) == len(list((site / "sites").glob("*.html")))


def _drawn_ids(page: Path) -> set[str]:
    m = re.search(r'<script type="application/json" id="[^"]+-data">(.*?)</script>', page.read_text(), re.S)
    return {i for layer in json.loads(m[1])["layers"] if layer.get("kind") not in ("polygons", "lines")
            for i in layer.get("fields", {}).get("id", [])}


def test_profile_links_back_to_a_map_view_that_draws_the_site(site):
    sites = pd.read_csv(data_dir() / "sites.csv", dtype=str).set_index("id")
    drawn = {p.name: _drawn_ids(p) for p in site.glob("*.html") if p.name != "index.html"}
    on_some_map = set().union(*drawn.values())
    linked = 0
    for sid in sites.index:
        hrefs = parse(site / "sites" / f"{safe_stem(sid)}.html").hrefs
        back = [h for h in hrefs if re.match(r"\.\./[^/]+\.html#", h)]
        if sid not in on_some_map:
            assert back == [], sid
            continue
        assert len(back) == 1, sid
        m = re.fullmatch(r"\.\./([^/#]+)#map=8/(-?[\d.]+)/(-?[\d.]+)&site=(.+)", back[0])
        assert m, back[0]
        assert sid in drawn[m[1]], (sid, m[1])
        if sid in drawn["world-copper.html"]:
            assert m[1] == "world-copper.html"
        assert float(m[2]) == pytest.approx(float(sites.loc[sid, "latitude"]), abs=1e-4)
        assert float(m[3]) == pytest.approx(float(sites.loc[sid, "longitude"]), abs=1e-4)
        assert unquote(m[4]) == sid
        linked += 1
    assert linked >= 150


def test_two_builds_are_byte_identical(site, tmp_path):
    again = tmp_path / "again"
    build_maps(again)
    for page in pages_of(site):
        rel = page.relative_to(site)
        assert (again / rel).read_bytes() == page.read_bytes(), rel


def test_fast41_projects_carry_the_mark(site):
    fast = pd.read_csv(data_dir() / "fast41.csv", dtype=str).dropna(subset=["site_id"])
    assert len(fast) >= 5
    for r in fast.itertuples():
        text = (site / "sites" / f"{safe_stem(r.site_id)}.html").read_text(encoding="utf-8")
        assert 'class="mark-fast41"' in text, r.site_id
        assert f"FAST-41 {r.status} project: {html.escape(r.project)}" in text
    no_fast = (site / "sites" / "escondida.html").read_text(encoding="utf-8")
    assert 'class="mark-fast41"' not in no_fast and 'class="fast41"' not in no_fast


def test_owners_and_stages_on_the_page_match_the_data(site):
    ownership = pd.read_csv(data_dir() / "ownership.csv", dtype=str)
    owners = pd.read_csv(data_dir() / "owners.csv", dtype=str).set_index("id")["name"]
    events = pd.read_csv(data_dir() / "stage_events.csv", dtype=str).fillna("")
    sites = pd.read_csv(data_dir() / "sites.csv", dtype=str)
    with_events = 0
    for sid in sites["id"]:
        page = site / "sites" / f"{safe_stem(sid)}.html"
        want = sorted((owners[r.owner_id], f"{float(r.equity_pct):g}%", r.as_of)
                      for r in ownership[ownership["site_id"] == sid].itertuples())
        got = sorted((r[0], r[2], r[4]) for r in table_rows(page, "owners"))
        assert got == want, sid
        want_ev = sorted((r.date, r.event, r.stage) for r in events[events["site_id"] == sid].itertuples())
        got_ev = sorted((r[0], r[1], r[2]) for r in table_rows(page, "events"))
        assert got_ev == want_ev, sid
        with_events += bool(want_ev)
        stage = sites.set_index("id").loc[sid, "stage"]
        assert f'<th scope="row">Stage</th><td>{html.escape(stage)}</td>' in page.read_text(encoding="utf-8")
    assert with_events >= 10


def test_every_cited_source_is_listed_with_its_link(site):
    sources = pd.read_csv(data_dir() / "sources.csv", dtype=str).set_index("id")
    sites = pd.read_csv(data_dir() / "sites.csv", dtype=str).set_index("id")
    for sid in ("resolution", "morenci", "pebble"):
        hrefs = parse(site / "sites" / f"{sid}.html").hrefs
        text = (site / "sites" / f"{sid}.html").read_text(encoding="utf-8")
        for src in sites.loc[sid, "sources"].split(";"):
            url = sources.loc[src, "url"]
            if url.startswith(("http://", "https://")):
                assert url in hrefs, (sid, src)
            else:  # a reference that is not a URL (a report number) is shown as text
                assert html.escape(url) in text or html.escape(sources.loc[src, "title"]) in text


HOSTILE = '<img src=x onerror="window.__pwned=1">&amp; `${x}` {{7*7}}'


def test_hostile_name_and_id_are_escaped_and_made_safe(data_copy):
    sites = read(data_copy / "sites.csv")
    sources = read(data_copy / "sources.csv")
    sites.loc[0, "name"] = HOSTILE
    sites.loc[0, "notes"] = "</table><script>window.__pwned=2</script>"
    write(sites, data_copy / "sites.csv")
    sources.loc[sources["id"] == sites.loc[0, "sources"].split(";")[0], "url"] = "javascript:alert(1)"
    write(sources, data_copy / "sources.csv")
    facts = Facts.from_dir(data_copy)
    facts.sites.loc[facts.sites.index[1], "id"] = "../../etc/<evil> id"
    pages = profile_pages(facts, [("world-copper.html", HOSTILE)],
                          {i: "world-copper.html" for i in facts.sites["id"]})
    assert all(re.fullmatch(r"sites/[A-Za-z0-9_-]+\.html", k) for k in pages if k != "index.html")
    assert len(pages) == len(facts.sites) + 1
    everything = "\n".join(pages.values())
    assert "<img" not in everything and "window.__pwned=2</script>" not in everything
    hrefs = [h for text in pages.values() for h in (lambda p: (p.feed(text), p.hrefs)[1])(_Page())]
    assert hrefs and not [h for h in hrefs if h.strip().lower().startswith("javascript")]
    hostile_page = pages[f"sites/{safe_stem(sites.loc[0, 'id'])}.html"]
    h1 = re.search(r"<h1>(.*?)</h1>", hostile_page)[1]
    assert html.unescape(h1) == HOSTILE  # shown literally
    assert safe_stem("../../etc/<evil> id") != safe_stem("../../etc/<evil>  id")


chromium_only = pytest.mark.skipif(not chromium_available(), reason="Debian chromium is not installed")



def _visible(page, col: int) -> list[str]:
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('#sites tbody tr'))
        .filter(r => !r.hidden).map(r => r.cells[{col}].dataset.sort)""")


@chromium_only
def test_index_table_searches_and_sorts_in_chromium(chromium, site):
    page = chromium.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto((site / "index.html").as_uri())
    total = len(pd.read_csv(data_dir() / "sites.csv"))
    assert len(_visible(page, 0)) == total
    page.fill("#site-search", "Resol")
    names = _visible(page, 0)
    assert 0 < len(names) < total and "resolution copper" in names
    assert page.locator("#site-count").inner_text().strip() == f"{len(names)} of {total} sites"
    page.fill("#site-search", "")
    page.click("#sites thead th:nth-child(7) button")  # Capacity, numeric
    caps = _visible(page, 6)
    nums = [float(c) for c in caps if c]
    assert nums == sorted(nums) and len(nums) > 50
    assert all(c == "" for c in caps[len(nums):])  # no figure: last
    assert page.get_attribute("#sites thead th:nth-child(7)", "aria-sort") == "ascending"
    page.click("#sites thead th:nth-child(7) button")
    nums = [float(c) for c in _visible(page, 6) if c]
    assert nums == sorted(nums, reverse=True)
    page.click("#sites thead th:nth-child(1) button")
    names = _visible(page, 0)
    assert names == sorted(names)
    assert errors == []
    page.close()
    # Without JavaScript the full table is there, just not sortable.
    ctx = chromium.new_context(java_script_enabled=False)
    p2 = ctx.new_page()
    p2.goto((site / "index.html").as_uri())
    assert p2.locator("#sites tbody tr").count() == total
    assert p2.locator("#site-search").count() == 0
    ctx.close()


@chromium_only
def test_map_popup_links_to_the_profile_and_back(chromium, site):
    page, log = open_page(chromium, (site / "world-copper.html").as_uri())
    assert page.evaluate(f"() => {APP}.find('Morenci')")
    link = page.locator(".leaflet-popup-content a.mt-profile, .leaflet-popup-content .mt-profile a")
    link.wait_for()
    assert link.get_attribute("href") == "sites/morenci.html"
    link.click()
    page.wait_for_url("**/sites/morenci.html")
    assert page.locator("h1").inner_text() == "Morenci"
    page.click("a.map-link")
    page.wait_for_function("() => location.pathname.endsWith('/world-copper.html') && window.minetrack"
                           " && document.querySelector('.mt-legend')")
    assert "site=morenci" in page.url
    page.locator(".leaflet-popup-content h3").wait_for()
    assert page.locator(".leaflet-popup-content h3").inner_text() == "Morenci"
    assert log.blocked == []
    page.close()


def test_the_link_checker_catches_a_missing_profile(site, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    (copy / "sites" / "morenci.html").unlink()
    with pytest.raises(AssertionError, match=r"morenci\.html"):
        check_links(copy)
