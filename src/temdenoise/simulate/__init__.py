"""Simulated HRTEM training data: structures (ASE), multislice (abTEM), movies, datasets.

The modules load lazily and separately: ``particle`` and ``specimen`` need ASE, ``hrtem``
is the only one that imports abTEM, ``dataset`` writes Zarr. Nothing heavy is imported here.
"""
