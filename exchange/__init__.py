"""Machinery shared by every import and export: file limits, formats, formula escaping, pending imports.

It imports no feature app; `articles.resources` and `landscape.resources` build on it.
"""
