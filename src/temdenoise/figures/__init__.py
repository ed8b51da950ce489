"""Figures (PNG): the only package that imports matplotlib, lazily and with the Agg backend.

A leaf: nothing here imports the stage packages; callers pass arrays, dicts and result
objects, which the figures read through the protocols they declare.
"""
