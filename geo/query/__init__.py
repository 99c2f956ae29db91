"""Site queries: a :class:`~geo.query.conditions.Query` of conditions, run as steps.

Each step takes a sites GeoDataFrame and returns the sites that pass with the
columns it used, so an engine may run the steps over partitions of the sites.
"""
