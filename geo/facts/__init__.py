"""minetrack's own tables: sites, sources, owners and stakes, permitting history,
control spheres, USGS statistics and supply shares; each read and checked once
(:mod:`geo.facts.bundle`)."""
