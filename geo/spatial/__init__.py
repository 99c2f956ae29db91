"""Spatial questions: point-in-polygon index, country join, geodesic nearest features,
federal land and infrastructure distances. Reads no files (see :mod:`geo.io`)."""
