"""Make text from data safe to place in HTML, attributes and JS template literals.

folium places popup and tooltip HTML inside JavaScript template literals
(backticks), and branca compiles element output as a Jinja template, so besides
the HTML specials the characters that end or interpolate such a literal (backtick,
``$``, backslash) and Jinja's braces are turned into character references.
"""

from __future__ import annotations

import html

# Braces too: branca re-renders macro output as a Jinja template ("{{ }}" would run).
_JS_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute, safe inside a JS template literal."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True).translate(_JS_LITERAL)
