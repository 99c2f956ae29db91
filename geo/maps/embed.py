"""Put a built map into other documents: iframe snippets and PNG pictures."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from geo.core.errors import ArgumentError, FileError, MinetrackError, display_path
from geo.io.write import atomic_path

CHROMIUM = os.environ.get("MINETRACK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]

# Controls that make no sense on paper; legend, scale bar, title and attribution stay.
PRINT_HIDE = (".mt-filters, .mt-search, .mt-fullscreen, .leaflet-control-zoom, "
              ".leaflet-control-layers { display: none !important; }")


def page_title(path: Path | str) -> str:
    """The <title> of a built map (already HTML-escaped in the file), unescaped."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    m = re.search(r"<title>(.*?)</title>", text, flags=re.S)
    return html.unescape(m.group(1).strip()) if m else "minetrack map"


def _size(value: str) -> str:
    value = value.strip()
    if re.fullmatch(r"\d+", value):
        return f"{value}px"
    if re.fullmatch(r"\d+(\.\d+)?(px|%|vw|vh|em|rem)", value):
        return value
    raise ArgumentError(f"invalid size {value!r}: use a number of pixels or a CSS length like 100%")


def _check_src(src: str) -> None:
    """Only http(s) URLs and relative paths go into a snippet: ``javascript:``, ``data:``
    and other schemes would run or smuggle content in the reader's page."""
    scheme = re.match(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*):", src)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        raise ArgumentError(f"--src {src[:60]!r}: only http(s) URLs and relative paths are allowed")
    if any(ord(c) < 32 for c in src):
        raise ArgumentError("--src holds control characters")


_VIEW_CHARS = re.compile(r"[A-Za-z0-9=&/.,;:%_~!*()+\-]*")


def check_view(view: str | None) -> str | None:
    """A view as in a map's URL hash (``map=7/33/-111&site=morenci&layers=0,2&filters=
    stage:production``), without the leading ``#``; refused if it holds characters a hash
    the map writes never does (quotes, spaces, angle brackets)."""
    if view is None:
        return None
    view = view.strip().removeprefix("#")
    if not _VIEW_CHARS.fullmatch(view):
        raise ArgumentError(f"--view {view[:60]!r}: use the map's URL hash, "
                            "e.g. 'map=7/33/-111&site=morenci'")
    return view or None


MAP_MARK = "window.minetrack"
"""Text every map page minetrack writes holds (its runtime); ``png`` checks for it first."""


def iframe_snippet(
    path: Path | str,
    *,
    src: str | None = None,
    width: str = "100%",
    height: str | None = None,
    aspect: str = "16:9",
    srcdoc: bool = False,
    view: str | None = None,
) -> str:
    """An ``<iframe>`` showing the map at ``path``.

    By default the frame is ``width`` wide with the given ``aspect`` ratio; give
    ``height`` for a fixed height instead. ``srcdoc`` embeds the whole page in the
    snippet (one self-contained block, no second file to ship). ``src`` overrides
    the URL written in the snippet (default: the path as given). ``view`` opens the
    map on a view of its URL hash (:func:`check_view`): appended to the URL as ``#``,
    or, with ``srcdoc``, written into the embedded page, which reads it the same way.
    """
    view = check_view(view)
    title = html.escape(page_title(path), quote=True)
    style = [f"width:{_size(width)}", "border:0", "display:block"]
    if height:
        style.append(f"height:{_size(height)}")
    else:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)[:/](\d+(?:\.\d+)?)", aspect.strip())
        if not m or float(m.group(2)) == 0:
            raise ArgumentError(f"invalid aspect {aspect!r}: use W:H, e.g. 16:9")
        style.append(f"aspect-ratio:{m.group(1)}/{m.group(2)}")
    attrs = f'title="{title}" style="{";".join(style)}" loading="lazy" referrerpolicy="no-referrer"'
    if srcdoc:
        text = Path(path).read_text(encoding="utf-8")
        if view:
            # A srcdoc frame has no URL hash of its own: the page's runtime reads this
            # attribute instead (view holds no quote or bracket, see check_view).
            text = re.sub(r"<html\b", f'<html data-mt-view="{view}"', text, count=1, flags=re.I)
        doc = html.escape(text, quote=True)
        return f'<iframe {attrs} srcdoc="{doc}"></iframe>'
    if src is not None:
        _check_src(src)
    target = src or str(path)
    if view:
        target = target.split("#")[0] + f"#{view}"
    target = html.escape(target, quote=True)
    return f'<iframe {attrs} src="{target}"></iframe>'


def snapshot(
    map_path: Path | str,
    output: Path | str,
    *,
    width: int = 1200,
    height: int = 800,
    scale: float = 1.0,
    hash: str | None = None,
) -> tuple[Path, str]:
    """Render a built map to PNG in headless Chromium, offline, written atomically.

    The view is the one the page opens with (or ``hash``); interactive controls
    are hidden, the legend, scale bar, title and attribution stay. Returns the
    PNG's path and the map's text summary, to use as the picture's alt text.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise MinetrackError("minetrack png needs Playwright: pip install playwright") from exc

    map_path = Path(map_path).resolve()
    if not map_path.is_file():
        raise FileError(f"{display_path(map_path)}: no such map")
    try:
        text = map_path.read_bytes()
    except OSError as exc:
        raise FileError.wrap(exc, map_path, "cannot read") from exc
    if b"<html" not in text[:4096].lower() or MAP_MARK.encode() not in text:
        raise FileError(f"{display_path(map_path)}: not a map minetrack built (no map runtime in it)")
    if width < 100 or height < 100 or not 0.5 <= scale <= 4:
        raise ArgumentError("width and height must be at least 100 px and scale within 0.5-4")
    hash = check_view(hash)
    url = map_path.as_uri() + (f"#{hash}" if hash else "")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": width, "height": height},
                                        device_scale_factor=scale)
                page.route("**/*", lambda r: r.continue_()
                           if r.request.url.startswith(("file:", "data:", "about:", "blob:")) else r.abort())
                page.goto(url)
                try:
                    page.wait_for_function("() => window.minetrack && document.querySelector('.mt-legend')",
                                           timeout=15_000)
                except Exception as exc:
                    if "Timeout" in type(exc).__name__ or "Timeout" in str(exc):
                        raise MinetrackError(f"{display_path(map_path)}: not a minetrack map (no map "
                                             "runtime started within 15 s)") from exc
                    raise
                page.add_style_tag(content=PRINT_HIDE)
                # On paper the legend is always open (the page keeps it within its budget).
                page.evaluate("(() => { const d = document.querySelector('details.mt-legend');"
                              " if (d) d.open = true; })()")
                page.wait_for_timeout(150)  # one frame for the canvas redraw after layout
                summary = page.locator("#mt-summary")
                alt = summary.inner_text() if summary.count() else page_title(map_path)
                with atomic_path(output) as tmp:
                    page.screenshot(path=str(tmp), type="png")
            finally:
                browser.close()
    except Exception as exc:
        # Playwright's errors (no Chromium, a page that never loads) are the user's to fix.
        if type(exc).__module__.startswith("playwright"):
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise MinetrackError(f"{display_path(map_path)}: Chromium failed: {first}") from exc
        raise
    return Path(output), alt
