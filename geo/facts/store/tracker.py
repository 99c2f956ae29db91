"""The GeoPackage store: sites and their facts, every change logged, releases kept.

One GeoPackage (SQLite) file holds

- ``sites``: a point layer (spatial index, EPSG:4326) in minetrack's site columns;
- ``sources``, ``owners``, ``ownership``, ``stage_events``, ``production`` (output and
  capacity by year): as the data folder has them;
- ``changes``: the append-only log (who, when, which field, old and new value, source);
- ``releases`` and, per release, its frozen rows (``release_sites``, ``release_ownership``,
  ``release_stage_events``...) with one view ``release_<tag>`` that QGIS opens as a layer.

Every edit or batch is one transaction (``BEGIN IMMEDIATE``: a second writer waits up to
the busy timeout, then fails with a message), and is checked with the rules of the
bundled data (:func:`~geo.facts.checks.check_sites`,
:func:`~geo.facts.checks.check_ownership`) before it commits.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from geo.core.columns import OWNERSHIP_COLUMNS, SITE_COLUMNS, SOURCE_COLUMNS
from geo.core.errors import ArgumentError, DataError, FileError, Problem, display_path
from geo.core.paths import bundled_data_dir, data_dir
from geo.core.tables import ROW, line_numbers, parse_table, read_table
from geo.facts.checks import check_ownership, check_sites, refused_citation
from geo.facts.countries import load_countries, load_us_states
from geo.facts.permits import EVENT_COLUMNS
from geo.facts.production import BASES, PRODUCTION_COLUMNS, UNITS, check_production
from geo.facts.store.backends import backend_for
from geo.facts.store.schema import MIGRATIONS, SCHEMA_VERSION, TABLES

_SITE_NAMES = [c.name for c in SITE_COLUMNS]
_EDITABLE = set(_SITE_NAMES) - {"id"}
TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,40}")
"""What a release tag may be."""
_PRODUCTION_FIELD = re.compile(r"production:(\d{4}):([^:]+):([^:]+)")
_AMOUNT = re.compile(r"(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*([A-Za-z]+)")


# --- values as the CSV tables hold them ---------------------------------------------------

def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _sql_value(value: str, kind: str) -> object:
    """A parsed cell's text as the SQL value stored (numbers as numbers, empty as NULL)."""
    if value == "":
        return None
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(float(value))
    return value


def citation_row(text: str) -> dict[str, object]:
    """A ``"publisher, title, year, url"`` citation as a sources row (id from its text).

    Raises ArgumentError when the publisher, title or a four-digit year is missing, or
    when the citation is not a primary document (an encyclopedia, a bare home page, a
    privacy page: the rule of the bundled ``sources.csv``).
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    url = next((p for p in parts if re.match(r"(https?|ftp)://|doi:", p)), "")
    year = next((p for p in reversed(parts) if re.fullmatch(r"(1[89]|20)\d\d", p)), "")
    rest = [p for p in parts if p not in (url, year)]
    if len(rest) < 2 or not year:
        raise ArgumentError(f"source {text!r}: give 'publisher, title, year, url' "
                            "(publisher, title and a four-digit year at least)")
    refused = refused_citation(url, rest[0], ", ".join(rest[1:]))
    if refused:
        raise ArgumentError(f"source {text!r}: {refused}")
    digest = hashlib.sha1(text.strip().encode()).hexdigest()[:10]
    return {"id": f"store-{digest}", "publisher": rest[0], "title": ", ".join(rest[1:]),
            "url": url or "(no URL given)", "year": int(year)}


@dataclass(frozen=True)
class Change:
    """One requested change: ``field`` of ``site`` becomes ``value``.

    ``field`` is a site column, ``stake:OWNER_ID`` (equity %, empty or 0 removes it) or
    ``production:YEAR:COMMODITY:BASIS`` (``"QUANTITY UNIT"``, e.g. ``"437061 t"``, at
    100 % of the site; empty removes the figure; basis ``capacity`` records a capacity).
    ``row`` is the line of a changes file (0 for the command line).
    """

    site: str
    field: str
    value: str
    source: str
    note: str = ""
    row: int = 0


def read_changes(path: Path | str) -> list[Change]:
    """A changes CSV (columns ``site, field, value, source`` and optional ``note``)."""
    path = Path(path)
    name = display_path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in ("site", "field", "value", "source") if c not in header]
            if missing:
                raise DataError([Problem(name, 1, c, "required column is missing") for c in missing])
            rows = [(reader.line_num, r) for r in reader]
    except FileNotFoundError:
        raise DataError([Problem(name, 0, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise DataError([Problem(name, 0, "", f"not UTF-8 text ({exc.reason})")]) from None
    return [Change(r["site"].strip(), r["field"].strip(), (r["value"] or "").strip(),
                   (r["source"] or "").strip(), (r.get("note") or "").strip(), line)
            for line, r in rows]


def open_store(url: Path | str, *, readonly: bool = False) -> Store:
    """The store at ``url`` (a GeoPackage path or a ``postgresql://`` URL); FileError when
    it is not a minetrack store."""
    return Store(url, readonly=readonly)


class Store:
    """A minetrack tracker store in a GeoPackage file or a PostGIS database (see the
    module docstring)."""

    def __init__(self, url: Path | str, *, readonly: bool = False):
        self._db = backend_for(url)
        self.url = str(url)
        self.name = self._db.name
        self.readonly = readonly
        self.unmatched_owners: list[str] = []
        """After :meth:`import_file`: owner names whose stakes were left out."""
        with self._connect() as conn:
            self._check_schema(conn)

    @property
    def path(self) -> Path:
        """The GeoPackage file (GeoPackage stores only)."""
        return self._db.path

    # -- connections and transactions -------------------------------------------------------

    def _connect(self):
        return self._db.connect(self.readonly)

    @contextmanager
    def _write(self):
        if self.readonly:
            raise ArgumentError(f"{self.name}: the store is open read-only")
        with self._connect() as conn, self._db.transaction(conn):
            yield conn

    def _check_schema(self, conn) -> None:
        row = None
        if self._db.relation_exists(conn, "minetrack_meta"):
            row = conn.execute("SELECT value FROM minetrack_meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            raise FileError(f"{self.name}: not a minetrack store (no minetrack_meta table)")
        version = int(row[0])
        if version > SCHEMA_VERSION:
            raise FileError(f"{self.name}: store schema {version} is newer than this minetrack "
                            f"({SCHEMA_VERSION}); upgrade minetrack")
        if version < SCHEMA_VERSION and not self.readonly:
            with self._db.transaction(conn):
                for v in range(version + 1, SCHEMA_VERSION + 1):
                    for table in MIGRATIONS.get(v, ()):
                        self._db.create_fact_table(conn, table)
                conn.execute("UPDATE minetrack_meta SET value = ? WHERE key = 'schema_version'",
                             (str(SCHEMA_VERSION),))

    # -- creation ---------------------------------------------------------------------------

    @classmethod
    def init(cls, url: Path | str, *, from_bundled: bool = False,
             data: Path | str | None = None) -> Store:
        """Create a store at ``url`` (a GeoPackage path that must not exist, or a
        ``postgresql://`` URL of a database without a store), empty or holding the bundled
        data (or the data folder ``data``). One transaction (a GeoPackage is built in a
        temporary file and moved into place), so a failed init leaves nothing behind."""
        db = backend_for(url)
        if db.exists():
            raise FileError(f"{db.name}: already exists; a store is created only once")
        with db.create() as conn:
            db.create_tables(conn)
            if from_bundled or data:
                cls._load_folder(db, conn, Path(data) if data else data_dir())
            conn.execute("INSERT INTO minetrack_meta VALUES ('schema_version', ?), ('created', ?)",
                         (str(SCHEMA_VERSION), _now()))
        return cls(url)

    @staticmethod
    def _load_folder(db, conn, folder: Path) -> None:
        """Copy a data folder's tables in, after the full checks of the bundled data."""
        from geo.facts.bundle import read_facts

        facts, problems = read_facts(folder)
        if problems or facts is None:
            raise DataError(problems)
        sites, _ = read_table(folder / "sites.csv", SITE_COLUMNS)
        _insert_sites(db, conn, _as_text(sites[_SITE_NAMES]))
        for table, columns in TABLES.items():
            if table == "production" and not (folder / "production.csv").exists():
                continue  # an optional table of the data folder
            frame, p = read_table(folder / f"{table}.csv", columns)
            if p:
                raise DataError(p)
            _insert(conn, table, columns, _as_text(frame[[c.name for c in columns]]))

    # -- reading ----------------------------------------------------------------------------

    def sites(self, release: str | None = None) -> pd.DataFrame:
        """Sites as text cells in minetrack's site columns (a release's, or the current)."""
        cols = ", ".join(f'"{c}"' for c in _SITE_NAMES)
        with self._connect() as conn:
            if release is None:
                return _read(conn, f"SELECT {cols} FROM sites ORDER BY id")
            self._known_release(conn, release)
            return _read(conn, f"SELECT {cols} FROM release_sites WHERE release = ? ORDER BY id",
                         (release,))

    def table(self, name: str, release: str | None = None) -> pd.DataFrame:
        """One of the non-spatial tables (``sources``, ``owners``, ``ownership``,
        ``stage_events``, ``production``) as text cells."""
        if name not in TABLES:
            raise ArgumentError(f"unknown store table {name!r}; one of: {', '.join(TABLES)}")
        cols = ", ".join(f'"{c.name}"' for c in TABLES[name])
        with self._connect() as conn:
            if release is not None:
                self._known_release(conn, release)
                return _read(conn, f'SELECT {cols} FROM "release_{name}" WHERE release = ? '
                             f"ORDER BY {self._db.order_key}", (release,))
            return _read(conn, f'SELECT {cols} FROM "{name}" ORDER BY {self._db.order_key}')

    def releases(self) -> pd.DataFrame:
        """Tags, times, notes and the last change each release includes."""
        with self._connect() as conn:
            return _read(conn, "SELECT tag, at, note, last_change FROM releases ORDER BY at, tag")

    def _known_release(self, conn, tag: str) -> None:
        if conn.execute("SELECT 1 FROM releases WHERE tag = ?", (tag,)).fetchone() is None:
            known = [r[0] for r in conn.execute("SELECT tag FROM releases ORDER BY at")]
            raise ArgumentError(f"{self.name}: no release {tag!r}"
                                + (f" (releases: {', '.join(known)})" if known else " (none yet)"))

    # -- writing ----------------------------------------------------------------------------

    def edit(self, site_id: str, values: Mapping[str, str], *, source: str, note: str = "",
             author: str | None = None, on: str | None = None) -> int:
        """Set fields of one site in one transaction; returns the number of changes logged.

        ``values``: site column -> new text value, ``stake:OWNER_ID`` -> equity % (empty
        or 0 removes the stake), or ``production:YEAR:COMMODITY:BASIS`` -> ``"QUANTITY
        UNIT"`` (empty removes the figure). A ``stage`` change also adds a dated stage
        event (``on``, ISO date, default today). ``source``: ``"publisher, title, year, url"``.
        """
        changes = [Change(site_id, f, str(v), source, note) for f, v in values.items()]
        return self.apply(changes, author=author, on=on)

    def apply(self, changes: Iterable[Change] | Path | str, *, author: str | None = None,
              on: str | None = None) -> int:
        """Apply a batch (Changes, or a changes CSV: site, field, value, source, note) in one
        transaction; nothing is written if any change fails its checks."""
        file = self.name
        if isinstance(changes, (str, Path)):
            file = display_path(Path(changes))
            changes = read_changes(changes)
        changes = list(changes)
        if not changes:
            return 0
        author = author or _user()
        when = on or datetime.now(timezone.utc).date().isoformat()
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", when):
            raise ArgumentError(f"date {when!r}: give YYYY-MM-DD")
        with self._write() as conn:
            return self._apply(conn, changes, file, author, when)

    def _apply(self, conn, changes: list[Change], file: str, author: str, when: str) -> int:
        problems: list[Problem] = []
        wanted = sorted({c.site for c in changes})
        marks = ",".join("?" * len(wanted))
        sites = _read(conn, f'SELECT {", ".join(chr(34) + c + chr(34) for c in _SITE_NAMES)} '
                      f"FROM sites WHERE id IN ({marks})", wanted).set_index("id", drop=False)
        own = ", ".join(f'"{c.name}"' for c in OWNERSHIP_COLUMNS)
        stakes = _read(conn, f"SELECT {own} FROM ownership WHERE site_id IN ({marks}) "
                       f"ORDER BY {self._db.order_key}", wanted)
        prod_cols = ", ".join(f'"{c.name}"' for c in PRODUCTION_COLUMNS)
        output = _read(conn, f"SELECT {prod_cols} FROM production WHERE site IN ({marks}) "
                       f"ORDER BY {self._db.order_key}", wanted)
        owner_ids = {r[0] for r in conn.execute("SELECT id FROM owners")}
        source_ids = {r[0] for r in conn.execute("SELECT id FROM sources")}
        new_sources: dict[str, dict] = {}
        output_touched: set[str] = set()
        logged: list[tuple] = []
        events: list[dict] = []
        last_row: dict[str, int] = {}

        for ch in changes:
            def bad(field: str, message: str, ch=ch) -> None:
                problems.append(Problem(file, ch.row, field, f"{ch.site}: {message}"))

            if ch.site not in sites.index:
                bad("site", f"unknown site id {ch.site!r}")
                continue
            try:
                cite = citation_row(ch.source)
            except ArgumentError as exc:
                bad("source", str(exc))
                continue
            new_sources.setdefault(cite["id"], cite)
            last_row[ch.site] = ch.row
            if ch.field.startswith("stake:"):
                owner = ch.field.split(":", 1)[1]
                if owner not in owner_ids:
                    bad("field", f"unknown owner id {owner!r}")
                    continue
                mine = (stakes["site_id"] == ch.site) & (stakes["owner_id"] == owner)
                old = stakes.loc[mine, "equity_pct"].iloc[0] if mine.any() else ""
                operator = stakes.loc[mine, "operator"].iloc[0] if mine.any() else "false"
                stakes = stakes[~mine]
                if ch.value not in ("", "0", "0.0"):
                    row = {"site_id": ch.site, "owner_id": owner, "equity_pct": ch.value,
                           "operator": operator, "as_of": when[:4], "sources": cite["id"]}
                    stakes = pd.concat([stakes, pd.DataFrame([row])], ignore_index=True)
            elif ch.field.startswith("production:"):
                try:
                    output, old, new = _set_production(output, ch, cite["id"])
                except ValueError as exc:
                    bad("field" if "field" in str(exc) else "value", str(exc))
                    continue
                output_touched.add(ch.site)
                if old == new:
                    continue
                logged.append((ch.site, ch.field, old, new, cite["id"], ch.note))
                continue
            elif ch.field in _EDITABLE:
                old = sites.at[ch.site, ch.field]
                sites.at[ch.site, ch.field] = ch.value
                if ch.field == "sources":
                    pass
                elif cite["id"] not in sites.at[ch.site, "sources"].split(";"):
                    sites.at[ch.site, "sources"] = ";".join(
                        [s for s in sites.at[ch.site, "sources"].split(";") if s] + [cite["id"]])
                if ch.field == "stage":
                    events.append({"site_id": ch.site, "date": when, "date_precision": "day",
                                   "event": "stage", "stage": ch.value,
                                   "detail": ch.note or "recorded in the store",
                                   "sources": cite["id"]})
            else:
                bad("field", f"unknown field {ch.field!r} (a site column, stake:OWNER_ID or "
                             "production:YEAR:COMMODITY:BASIS)")
                continue
            if str(old) == ch.value:
                continue
            logged.append((ch.site, ch.field, str(old), ch.value, cite["id"], ch.note))

        if not problems:
            problems += self._check(sites, stakes, file, last_row, source_ids | set(new_sources),
                                    owner_ids)
            problems += _check_output(output[output["site"].isin(output_touched)], file, last_row,
                                      source_ids | set(new_sources))
        if problems:
            raise DataError(problems)
        if not logged:
            return 0
        touched = sorted({s for s, *_ in logged})
        _update_sites(self._db, conn, _as_text(sites.loc[touched].reset_index(drop=True)))
        conn.execute(f"DELETE FROM ownership WHERE site_id IN ({','.join('?' * len(touched))})", touched)
        _insert(conn, "ownership", OWNERSHIP_COLUMNS,
                _as_text(stakes[stakes["site_id"].isin(touched)][[c.name for c in OWNERSHIP_COLUMNS]]))
        fresh = [s for k, s in new_sources.items() if k not in source_ids]
        if fresh:
            _insert(conn, "sources", SOURCE_COLUMNS, _as_text(pd.DataFrame(fresh)))
        if output_touched:
            done = sorted(output_touched)
            conn.execute(f"DELETE FROM production WHERE site IN ({','.join('?' * len(done))})", done)
            _insert(conn, "production", PRODUCTION_COLUMNS,
                    _as_text(output[output["site"].isin(done)][[c.name for c in PRODUCTION_COLUMNS]]))
        if events:
            _insert(conn, "stage_events", EVENT_COLUMNS,
                    pd.DataFrame(events).reindex(columns=[c.name for c in EVENT_COLUMNS]))
        batch = conn.execute("SELECT coalesce(max(batch), 0) + 1 FROM changes").fetchone()[0]
        at = _now()
        conn.executemany("INSERT INTO changes (batch, at, author, site_id, field, old_value, "
                         "new_value, source, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [(batch, at, author, *row) for row in logged])
        return len(logged)

    def _check(self, sites, stakes, file, last_row, source_ids, owner_ids) -> list[Problem]:
        """The bundled data's rules on the edited rows; problems name the change's row."""
        frame = sites.reset_index(drop=True)
        frame[ROW] = frame["id"].map(last_row).fillna(0).astype(int)
        # Values obey the bundled rules; completeness is the importer's (an imported site
        # need not carry every curated column the bundled table does).
        parsed, problems = parse_table(frame, SITE_COLUMNS, file, curated=False)
        if not problems:
            problems = check_sites(parsed, file, source_ids=source_ids, countries=load_countries(),
                                   states=load_us_states())
        if not stakes.empty:
            st = stakes.reset_index(drop=True)
            st[ROW] = st["site_id"].map(last_row).fillna(0).astype(int)
            keep = {ROW, *(c.name for c in OWNERSHIP_COLUMNS)}
            st = st.drop(columns=[c for c in st.columns if c not in keep])
            parsed_st, p = parse_table(_as_text(st, keep_row=True), OWNERSHIP_COLUMNS, file)
            problems += p or check_ownership(parsed_st, file, site_ids=set(sites.index),
                                             owner_ids=owner_ids, source_ids=source_ids)
        return problems

    def import_file(self, path: Path | str, *, preset: str | None = None,
                    mapping: Path | str | None = None, author: str | None = None, **options) -> int:
        """Add the sites of any file ``minetrack import`` reads (one transaction); a site
        whose id is already in the store is refused. Each row's citation becomes a source.
        Returns the number of sites added."""
        from geo.facts.importing import import_sites

        imported = import_sites(path, preset=preset, mapping=mapping, **options)
        frame = _as_text(pd.DataFrame(imported.sites.drop(columns="geometry")))
        name = display_path(Path(path))
        cites: dict[str, dict] = {}
        ids: list[str] = []
        for cell in frame.get("citation", pd.Series([""] * len(frame))):
            if not cell:
                ids.append("")
                continue
            row = citation_row(cell) if re.search(r"\b(1[89]|20)\d\d\b", cell) else None
            if row is None:
                raise DataError([Problem(name, 0, "citation", f"citation {cell!r} has no year")])
            cites.setdefault(row["id"], row)
            ids.append(row["id"])
        frame["sources"] = [";".join(x for x in (s, c) if x)
                            for s, c in zip(frame["sources"], ids, strict=True)]
        owners_text = frame["owners"] if "owners" in frame else pd.Series([""] * len(frame))
        frame = frame.reindex(columns=_SITE_NAMES, fill_value="")
        with self._write() as conn:
            have = {r[0] for r in conn.execute("SELECT id FROM sites")}
            clash = frame["id"][frame["id"].isin(have)]
            if len(clash):
                raise DataError([Problem(name, 0, "id", f"site {clash.iloc[0]!r} is already in the "
                                         f"store ({len(clash)} ids clash); edit it instead")])
            known = {r[0] for r in conn.execute("SELECT id FROM sources")}
            fresh = [c for k, c in cites.items() if k not in known]
            if fresh:
                _insert(conn, "sources", SOURCE_COLUMNS, _as_text(pd.DataFrame(fresh)))
            _insert_sites(self._db, conn, frame)
            years = {k: str(c["year"]) for k, c in cites.items()}
            stakes, self.unmatched_owners = _imported_stakes(conn, frame, owners_text, ids, years)
            if not stakes.empty:
                owner_ids = {r[0] for r in conn.execute("SELECT id FROM owners")}
                parsed, p = parse_table(stakes.assign(**{ROW: 0}), OWNERSHIP_COLUMNS, name)
                p = p or check_ownership(parsed, name, site_ids=set(frame["id"]), owner_ids=owner_ids,
                                         source_ids=known | set(cites))
                if p:
                    raise DataError(p)
                _insert(conn, "ownership", OWNERSHIP_COLUMNS, stakes)
            at = _now()
            batch = conn.execute("SELECT coalesce(max(batch), 0) + 1 FROM changes").fetchone()[0]
            conn.executemany(
                "INSERT INTO changes (batch, at, author, site_id, field, old_value, new_value, "
                "source, note) VALUES (?, ?, ?, ?, '*', '', 'added', ?, ?)",
                [(batch, at, author or _user(), sid, src, f"imported from {Path(path).name}")
                 for sid, src in zip(frame["id"], frame["sources"], strict=True)])
        return len(frame)

    def release(self, tag: str, *, note: str = "") -> None:
        """Freeze the current sites and stakes as release ``tag``, with a view
        ``release_<tag>`` that GIS programs open as a point layer."""
        if not TAG.fullmatch(tag):
            raise ArgumentError(f"release tag {tag!r}: letters, digits, '.', '_' or '-' (up to 41)")
        view = "release_" + re.sub(r"[^A-Za-z0-9_]", "_", tag)
        cols = ", ".join(f'"{c}"' for c in _SITE_NAMES)
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM releases WHERE tag = ?", (tag,)).fetchone():
                raise ArgumentError(f"{self.name}: release {tag!r} exists; releases are never rewritten")
            if self._db.relation_exists(conn, view):
                raise ArgumentError(f"{self.name}: tag {tag!r} maps to view {view}, which exists")
            last = conn.execute("SELECT coalesce(max(change_id), 0) FROM changes").fetchone()[0]
            conn.execute("INSERT INTO releases VALUES (?, ?, ?, ?)", (tag, _now(), note, last))
            conn.execute(f"INSERT INTO release_sites (release, {cols}, geom) "
                         f"SELECT ?, {cols}, geom FROM sites", (tag,))
            for table, columns in TABLES.items():
                names = ", ".join(f'"{c.name}"' for c in columns)
                conn.execute(f'INSERT INTO "release_{table}" (release, {names}) '
                             f'SELECT ?, {names} FROM "{table}" ORDER BY {self._db.order_key}', (tag,))
            self._db.create_release_view(conn, view, tag, cols)

    def remove(self, site_id: str, *, source: str, note: str = "", author: str | None = None) -> None:
        """Take a site out of the store (a closed duplicate, a site that never existed),
        with its stakes, stage events and production, in one transaction. The change log keeps the
        removal with its source, and earlier releases keep the site."""
        cite = citation_row(source)
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM sites WHERE id = ?", (site_id,)).fetchone() is None:
                raise ArgumentError(f"{self.name}: unknown site id {site_id!r}")
            for table, key in (("ownership", "site_id"), ("stage_events", "site_id"),
                               ("production", "site"), ("sites", "id")):
                conn.execute(f'DELETE FROM "{table}" WHERE "{key}" = ?', (site_id,))
            if conn.execute("SELECT 1 FROM sources WHERE id = ?", (cite["id"],)).fetchone() is None:
                _insert(conn, "sources", SOURCE_COLUMNS, _as_text(pd.DataFrame([cite])))
            batch = conn.execute("SELECT coalesce(max(batch), 0) + 1 FROM changes").fetchone()[0]
            conn.execute("INSERT INTO changes (batch, at, author, site_id, field, old_value, new_value, "
                         "source, note) VALUES (?, ?, ?, ?, '*', 'present', 'removed', ?, ?)",
                         (batch, _now(), author or _user(), site_id, cite["id"], note))

    def load_land(self, path: Path | str, *, layer: str | None = None) -> int:
        """Put a federal-land file in the store as its ``federal_land`` layer (replacing
        any), for queries that read the store (see :mod:`geo.facts.store.land`)."""
        from geo.facts.store.land import load_land

        return load_land(self, path, layer)

    def federal_land(self):
        """The store's federal-land layer for a query: a GeoDataFrame (GeoPackage), a
        :class:`~geo.facts.store.land.PostgisLand` answering in SQL (PostGIS), or None."""
        from geo.facts.store.land import LAND_TABLE, PostgisLand, read_land

        if self.url.startswith(("postgresql://", "postgres://")):
            with self._connect() as conn:
                return PostgisLand(self.url) if self._db.relation_exists(conn, LAND_TABLE) else None
        return read_land(self)

    def log(self, site_id: str | None = None) -> pd.DataFrame:
        """The change log (all, or one site's): when, who, field, old and new value, source."""
        sql = ("SELECT c.change_id, c.at, c.author, c.site_id, c.field, c.old_value, c.new_value, "
               "c.source, s.publisher || ', ' || s.title || ', ' || s.year AS citation, c.note "
               "FROM changes c LEFT JOIN sources s ON s.id = c.source")
        with self._connect() as conn:
            if site_id is None:
                return _read(conn, sql + " ORDER BY c.change_id")
            if conn.execute("SELECT 1 FROM sites WHERE id = ? UNION SELECT 1 FROM changes "
                            "WHERE site_id = ?", (site_id, site_id)).fetchone() is None:
                raise ArgumentError(f"{self.name}: unknown site id {site_id!r}")
            return _read(conn, sql + " WHERE c.site_id = ? ORDER BY c.change_id", (site_id,))

    def diff(self, tag_a: str, tag_b: str, *, moved_over_m: float = 500.0):
        """What changed from release ``tag_a`` to ``tag_b``
        (see :func:`~geo.facts.store.diff.diff_releases`)."""
        from geo.facts.store.diff import diff_releases

        return diff_releases(self.sites(tag_a), self.sites(tag_b), self.table("ownership", tag_a),
                             self.table("ownership", tag_b), moved_over_m=moved_over_m,
                             output_a=self.table("production", tag_a),
                             output_b=self.table("production", tag_b))

    @contextmanager
    def folder(self, release: str | None = None) -> Iterator[Path]:
        """A temporary data folder holding the store's tables (a release's, or the
        current) beside links to every other bundled file; gone after the block."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="minetrack-store-") as tmp:
            here = Path(tmp)
            for item in bundled_data_dir().iterdir():
                (here / item.name).symlink_to(item.resolve())
            (here / "sites.csv").unlink()
            (here / "sites.csv").write_text(_csv(self.sites(release)), encoding="utf-8")
            for name in TABLES:
                (here / f"{name}.csv").unlink(missing_ok=True)
                table = self.table(name, release)
                (here / f"{name}.csv").write_text(_csv(table), encoding="utf-8")
            yield here

    def export(self, output: Path | str, *, release: str | None = None) -> list[Path]:
        """Write the sites (a release's or the current) to a GIS file (.gpkg, .geojson,
        .parquet, .csv), or, when ``output`` is a folder, every table as the data folder's
        CSV files (which ``minetrack validate`` checks like the bundled data)."""
        from geo.facts.sites import to_geodataframe
        from geo.io.write import write_layer, write_tree

        output = Path(output)
        sites = self.sites(release)
        if output.suffix:
            parsed, problems = parse_table(sites, SITE_COLUMNS, self.name)
            if problems:
                raise DataError(problems)
            return [write_layer(to_geodataframe(parsed), output)]
        files = {"sites.csv": _csv(sites)}
        for name in TABLES:
            files[f"{name}.csv"] = _csv(self.table(name, release))
        return write_tree(output, files)


def _imported_stakes(conn, frame: pd.DataFrame, owners: pd.Series, cites: list[str],
                     years: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """Ownership rows from an imported ``owners`` column ("A 60%;B 40%"), as of the year
    of the row's citation: owners matched to the store's owners by id or name
    (case-insensitive). Names it does not know, and stakes of rows without a citation,
    are returned as messages, not guessed (an owner row needs a headquarters country,
    a stake a source)."""
    known: dict[str, str] = {}
    for oid, name in conn.execute("SELECT id, name FROM owners"):
        known[oid.lower()] = oid
        known[" ".join(name.lower().split())] = oid
    rows, unmatched = [], []
    for sid, cell, cite in zip(frame["id"], owners.fillna(""), cites, strict=True):
        for entry in [e.strip() for e in str(cell).split(";") if e.strip()]:
            m = re.fullmatch(r"(.*?)\s+(\d+(?:\.\d+)?)%", entry)
            name, pct = (m.group(1), m.group(2)) if m else (entry, "")
            oid = known.get(" ".join(name.lower().split()))
            if oid is None:
                unmatched.append(name)
                continue
            if not pct:
                continue  # an owner without a stake is not an ownership row
            if not cite:
                unmatched.append(f"{name} (site {sid} has no citation for its stake)")
                continue
            rows.append({"site_id": sid, "owner_id": oid, "equity_pct": pct, "operator": "false",
                         "as_of": years[cite], "sources": cite})
    cols = [c.name for c in OWNERSHIP_COLUMNS]
    return pd.DataFrame(rows, columns=cols), sorted(set(unmatched))


def _amount(quantity: str, unit: str) -> str:
    """A production figure as the log and the diff show it (``"437061.0 t"``)."""
    return f"{_text(float(quantity))} {unit}" if quantity != "" else ""


def _set_production(output: pd.DataFrame, ch: Change, source: str
                    ) -> tuple[pd.DataFrame, str, str]:
    """``output`` (text cells) with the figure ``ch.field`` names set to ``ch.value``;
    also the old and new figure as text. ValueError names what is wrong."""
    m = _PRODUCTION_FIELD.fullmatch(ch.field)
    if m is None:
        raise ValueError(f"field {ch.field!r}: give production:YEAR:COMMODITY:BASIS, "
                         "e.g. production:2024:copper:payable")
    year, commodity, basis = m.group(1), m.group(2).strip().lower(), m.group(3).strip()
    if basis not in BASES:
        raise ValueError(f"field {ch.field!r}: unknown basis {basis!r} (one of: {', '.join(BASES)})")
    here = ((output["site"] == ch.site) & (output["year"].map(lambda y: y[:4]) == year)
            & (output["commodity"].str.lower() == commodity) & (output["basis"] == basis))
    old = _amount(output.loc[here, "quantity"].iloc[0], output.loc[here, "unit"].iloc[0]) \
        if here.any() else ""
    if ch.value == "":
        return output[~here], old, ""
    amount = _AMOUNT.fullmatch(ch.value)
    if amount is None or amount.group(2) not in UNITS:
        raise ValueError(f"value {ch.value!r}: give QUANTITY UNIT (unit one of: {', '.join(UNITS)}), "
                         "e.g. '437061 t'")
    new = _amount(amount.group(1), amount.group(2))
    if new == old:
        return output, old, new
    row = {"site": ch.site, "year": year, "commodity": commodity, "quantity": amount.group(1),
           "unit": amount.group(2), "basis": basis, "source": source, "note": ch.note}
    return pd.concat([output[~here], pd.DataFrame([row])], ignore_index=True), old, new


def _check_output(output: pd.DataFrame, file: str, last_row: dict[str, int],
                  source_ids: set[str]) -> list[Problem]:
    """The production table's rules on the edited sites' figures."""
    if output.empty:
        return []
    frame = output.reset_index(drop=True)
    frame[ROW] = frame["site"].map(last_row).fillna(0).astype(int)
    parsed, problems = parse_table(frame, PRODUCTION_COLUMNS, file)
    if problems:
        return problems
    return check_production(parsed, file, line_numbers(parsed), source_ids=source_ids)[1]


# --- SQL plumbing -------------------------------------------------------------------------

def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _read(conn, sql: str, params: Iterable = ()) -> pd.DataFrame:
    cur = conn.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    return pd.DataFrame([[_text(v) for v in r] for r in rows], columns=names, dtype=object)


def _as_text(frame: pd.DataFrame, keep_row: bool = False) -> pd.DataFrame:
    out = frame.astype(object).map(_text)
    if keep_row and ROW in frame.columns:
        out[ROW] = frame[ROW].astype(int)
    return out


def _values(frame: pd.DataFrame, columns) -> list[tuple]:
    kinds = [c.kind for c in columns]
    return [tuple(_sql_value(v, k) for v, k in zip(row, kinds, strict=True))
            for row in frame[[c.name for c in columns]].itertuples(index=False, name=None)]


def _insert(conn, table: str, columns, frame: pd.DataFrame) -> None:
    names = ", ".join(f'"{c.name}"' for c in columns)
    conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})',
                     _values(frame, columns))


def _insert_sites(db, conn, frame: pd.DataFrame) -> None:
    lon = pd.to_numeric(frame["longitude"]).to_numpy(float)
    lat = pd.to_numeric(frame["latitude"]).to_numpy(float)
    names = ", ".join(f'"{c}"' for c in _SITE_NAMES)
    marks = ", ".join("?" * len(_SITE_NAMES))
    conn.executemany(f"INSERT INTO sites ({names}, geom) VALUES ({marks}, {db.point_sql()})",
                     [(*r, *p) for r, p in zip(_values(frame, SITE_COLUMNS),
                                               db.point_params(lon, lat), strict=True)])


def _update_sites(db, conn, frame: pd.DataFrame) -> None:
    lon = pd.to_numeric(frame["longitude"]).to_numpy(float)
    lat = pd.to_numeric(frame["latitude"]).to_numpy(float)
    sets = ", ".join(f'"{c}" = ?' for c in _SITE_NAMES if c != "id")
    conn.executemany(f"UPDATE sites SET {sets}, geom = {db.point_sql()} WHERE id = ?",
                     [(*r[1:], *p, r[0]) for r, p in zip(_values(frame, SITE_COLUMNS),
                                                         db.point_params(lon, lat), strict=True)])


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")
