"""Colour checks for map palettes: WCAG contrast, CIEDE2000 differences and a
simulation of colour-vision deficiency, so that a palette's legibility is tested
rather than asserted.

- Contrast ratio as WCAG 2.x defines it: (L1 + 0.05) / (L2 + 0.05) of the relative
  luminances of sRGB colours.
- CIEDE2000 colour difference (Sharma, Wu and Dalal 2005) between CIELAB (D65)
  colours; about 2 is just noticeable, above 10 two colours read as different.
- Dichromacy simulated with the Machado, Oliveira and Fernandes (2009) matrices at
  severity 1.0 (protanopia, deuteranopia, tritanopia), applied in linear RGB.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np

BASEMAP_LAND = "#f4f1ea"
"""Fill of the offline basemap's countries (:func:`geo.maps.page.offline_basemap`)."""
BASEMAP_SEA = "#cfe3ef"
"""The map background under the countries (``.mt-map`` in minetrack.css)."""
POINT_OUTLINE = "#1e1e1e"
"""The outline every point circle gets (``circleSprite`` in minetrack.js)."""

CATEGORICAL = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#666666", "#000000")
"""Eight categories for maps of any file: Okabe and Ito's hues (not their yellow, too
pale on the basemap) and two greys; tested like the site palettes."""

CVD_MATRICES: dict[str, np.ndarray] = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
"""Machado et al. (2009) simulation matrices at severity 1.0, on linear RGB."""

_XYZ_FROM_LINEAR = np.array([[0.4124564, 0.3575761, 0.1804375],
                             [0.2126729, 0.7151522, 0.0721750],
                             [0.0193339, 0.1191920, 0.9503041]])
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def rgb(colour: str) -> np.ndarray:
    """'#rrggbb' (or '#rgb') as sRGB components in 0-1."""
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) != 6:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=float) / 255.0


def linear(srgb: np.ndarray) -> np.ndarray:
    """sRGB components (0-1) to linear light."""
    srgb = np.asarray(srgb, float)
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _encode(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def over(colour: str, alpha: float, background: str) -> str:
    """The colour seen when ``colour`` at opacity ``alpha`` is drawn over ``background``
    (canvas compositing happens on the sRGB values)."""
    mixed = alpha * rgb(colour) + (1 - alpha) * rgb(background)
    return "#" + "".join(f"{round(v * 255):02x}" for v in mixed)


def luminance(colour: str) -> float:
    """WCAG relative luminance of an sRGB colour."""
    return float(linear(rgb(colour)) @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def lab(colour: str, cvd: str | None = None) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour, as seen with the dichromacy ``cvd`` if given."""
    lin = linear(rgb(colour))
    if cvd is not None:
        lin = linear(_encode(CVD_MATRICES[cvd] @ lin))  # the simulated colour, clipped to sRGB
    xyz = (_XYZ_FROM_LINEAR @ lin) / _WHITE_D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1: Sequence[float], lab2: Sequence[float]) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        if dh > 180:
            dh -= 360
        elif dh < -180:
            dh += 360
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    h_mean = h1p + h2p
    if c1p * c2p:
        if abs(h1p - h2p) <= 180:
            h_mean = (h1p + h2p) / 2
        else:
            h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_mean - 30)) + 0.24 * np.cos(np.radians(2 * h_mean))
         + 0.32 * np.cos(np.radians(3 * h_mean + 6)) - 0.20 * np.cos(np.radians(4 * h_mean - 63)))
    d_theta = 30 * np.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return float(np.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_h / s_h) ** 2
                         + r_t * (dc / s_c) * (d_h / s_h)))


def difference(a: str, b: str, cvd: str | None = None) -> float:
    """CIEDE2000 difference of two sRGB colours, for normal vision or a dichromacy."""
    return ciede2000(lab(a, cvd), lab(b, cvd))


def closest_pair(colours: Iterable[str], cvd: str | None = None) -> tuple[float, str, str]:
    """The least CIEDE2000 difference within a palette, and the two colours."""
    return min((difference(a, b, cvd), a, b) for a, b in itertools.combinations(list(colours), 2))
