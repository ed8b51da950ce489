"""File permissions for files written through ``tempfile.mkstemp`` and a rename."""

from __future__ import annotations

import os


def default_mode(path: str | os.PathLike[str]) -> None:
    """Give ``path`` the permissions of a newly created file (0666 less the umask).

    ``mkstemp`` creates files readable by their owner only (0600); a model, noise model
    or manifest written that way and then renamed into place would be unreadable to
    colleagues and to other users of an installed package.
    """
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)
