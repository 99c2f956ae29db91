"""Third-party and own JS/CSS that maps inline, so a map needs no network.

Leaflet 1.9.4 (BSD-2-Clause, (c) Vladimir Agafonkin and CloudMade) is read at
build time from the PyPI package ``django-js-lib-leaflet``, which ships the
upstream ``leaflet.js``/``leaflet.css`` unchanged; nothing third-party is kept in
this repository. The CSS's small images are inlined as data URIs.
minetrack's own JS/CSS live in ``geo/static/``.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

LEAFLET_PACKAGE = "js_lib_leaflet"
LEAFLET_VERSION = "1.9.4"
LEAFLET_LICENSE = "BSD-2-Clause, (c) 2010-2023 Vladimir Agafonkin, (c) 2010-2011 CloudMade"

_STATIC = Path(__file__).resolve().parent / "static"


def _leaflet_dir():
    try:
        return resources.files(LEAFLET_PACKAGE) / "static" / LEAFLET_PACKAGE
    except ModuleNotFoundError as exc:  # pragma: no cover - dependency missing
        raise RuntimeError(
            "Leaflet assets not found: install the 'django-js-lib-leaflet' package "
            "(a minetrack dependency that ships leaflet.js)"
        ) from exc


def _script_safe(js: str) -> str:
    # A literal "</script" would end the inline <script> element early.
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Leaflet's minified JS, safe to place inside a <script> element."""
    return _script_safe((_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """Leaflet's CSS with its images inlined as data URIs."""
    folder = _leaflet_dir()
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        data = (folder / "images" / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)


@lru_cache(maxsize=1)
def own_js() -> str:
    """minetrack's map runtime (point layers, legend, filters, search, hash)."""
    return _script_safe((_STATIC / "minetrack.js").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def own_css() -> str:
    """minetrack's map styles, all scoped under .mt- classes."""
    return (_STATIC / "minetrack.css").read_text(encoding="utf-8")
