"""The ground floor: errors, paths, vocabularies, column schemas and the CSV parser.

Nothing in ``geo.core`` imports another part of minetrack; every other wing may
import it.
"""
