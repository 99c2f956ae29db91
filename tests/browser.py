"""Drive Debian's Chromium with Playwright, offline: every non-local request is blocked and recorded."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def chromium_available() -> bool:
    return shutil.which(CHROMIUM) is not None


@dataclass
class PageLog:
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def open_page(b, url: str, *, width: int = 1200, height: int = 800, allow_prefix: str | None = None):
    """A new page at ``url`` with network access limited to file:, data:, about: (and allow_prefix)."""
    page = b.new_page(viewport={"width": width, "height": height})
    log = PageLog()
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(str(e)))
    page.on("requestfailed", lambda r: log.failed.append(r.url))

    def route(r):
        u = r.request.url
        local = u.startswith(("file:", "data:", "about:", "blob:"))
        if local or (allow_prefix and u.startswith(allow_prefix)):
            r.continue_()
        else:
            log.blocked.append(u)
            r.abort()

    page.route("**/*", route)
    page.goto(url)
    page.wait_for_function("() => window.minetrack && document.querySelector('.mt-legend')")
    return page, log


APP = "(() => Object.values(window).find(v => v instanceof window.minetrack.App))()"


def drawn(page) -> dict[str, int]:
    """Points drawn per layer title, as the runtime counts them."""
    return page.evaluate(f"(() => {{ const a = {APP}; const o = {{}};"
                         " a.layers.forEach(l => { if (l._map) o[l.spec.title] = l.drawn; }); return o; })()")
