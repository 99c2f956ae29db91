"""Files in and out: one vector reader, source readers (federal land, infrastructure,
user site files), downloads and their catalogue, atomic writes, and the store seam."""
