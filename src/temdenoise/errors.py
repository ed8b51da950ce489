"""Exceptions that carry one clear line for the user."""


class TemdenoiseError(Exception):
    """Base class: the message is one line naming the problem and, where there is one, the file."""


class ModelFileError(TemdenoiseError):
    """A model file is missing, corrupt, truncated, foreign or inconsistent."""


class ConfigError(TemdenoiseError):
    """A configuration is invalid."""


class InputError(TemdenoiseError):
    """An input file or array cannot be used (missing, unsupported, corrupt, wrong shape...)."""


class OutputError(TemdenoiseError):
    """An output cannot be written (full disk, no permission...); finished work is kept."""


class ClusterError(TemdenoiseError):
    """A Dask cluster cannot be started or reached, or Dask is not installed."""
