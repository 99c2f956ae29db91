"""A k-d tree over 3-D points (ECEF metres or unit vectors) for the nearest searches.

``pykdtree`` rather than ``scipy.spatial.cKDTree``: the queries are the same (k nearest,
an optional distance cut-off, missing neighbours as index ``n`` and distance ``inf``),
but importing ``scipy.spatial`` pulls in ``scipy.linalg`` and ``scipy.sparse`` and costs
about 0.2 s of CPU in every fresh ``minetrack query`` process, a quarter of what a plain
geopandas script spends in all.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from pykdtree.kdtree import KDTree as _PyKDTree


class KDTree:
    """k-d tree over ``points`` (n x 3, float64); queries return Euclidean distances."""

    def __init__(self, points: NDArray):
        self._points = np.ascontiguousarray(points, dtype=np.float64)  # the tree keeps a view
        self.n = len(self._points)
        self._tree = _PyKDTree(self._points) if self.n else None  # pykdtree refuses no points

    def query(self, xs: NDArray, k: int = 1, distance_upper_bound: float | None = None
              ) -> tuple[NDArray, NDArray]:
        """Distances and indices of the ``k`` nearest points to each row of ``xs``,
        nearest first (1-D for ``k == 1``); beyond ``distance_upper_bound`` or past the
        tree's size a neighbour is reported as distance ``inf`` and index ``n``."""
        xs = np.ascontiguousarray(xs, dtype=np.float64).reshape(-1, 3)
        if len(xs) == 0 or self._tree is None:
            shape = (len(xs),) if k == 1 else (len(xs), k)
            return np.full(shape, np.inf), np.full(shape, self.n, np.intp)
        bound = None if distance_upper_bound is None or not np.isfinite(distance_upper_bound) \
            else float(distance_upper_bound)
        d, i = self._tree.query(xs, k=k, distance_upper_bound=bound)
        i = i.astype(np.intp)
        missing = i >= self.n
        if missing.any():  # pykdtree's marker is n too; make the distance inf as scipy does
            d = np.where(missing, np.inf, d)
            i[missing] = self.n
        return d, i
