"""Freed memory kept in the process while networks run, instead of unmapped after each call.

A network call on a large tile allocates activations of hundreds of MB to GB. glibc serves
every block above 128 KiB with a fresh ``mmap`` and returns it with ``munmap`` when freed, so
each call faults in (and the kernel zeroes) all of that memory again. Measured here (a 5-frame
UNet, bf16, two 4096^2 frames, one thread): 13.9 million page faults, half the wall time in
the kernel, 0.37-0.56 MP/s; with freed blocks kept for reuse 2.7-5.2 million faults and
0.51-0.91 MP/s (docs/performance.md has the runs). Inside :func:`reuse_freed_memory` glibc
keeps them (blocks up to 2 GiB); on leaving the outermost one the default thresholds come
back (glibc's own adjustment of the mmap threshold stays off, as after any ``mallopt``) and
the heap is trimmed, so a Python session gets the memory back once the work is done.
Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import sys
import threading
from collections.abc import Iterator
from typing import Any

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_KEEP = {_M_MMAP_THRESHOLD: 2**31 - 1, _M_TRIM_THRESHOLD: 2**31 - 1}  # mallopt takes a C int
_DEFAULTS = {_M_MMAP_THRESHOLD: 128 * 1024, _M_TRIM_THRESHOLD: 128 * 1024}
_lock = threading.Lock()
_depth = 0


@contextlib.contextmanager
def reuse_freed_memory() -> Iterator[None]:
    """Run the body with freed memory kept for reuse (nestable, thread-safe)."""
    global _depth
    libc = _glibc()
    if libc is None:
        yield
        return
    with _lock:
        if _depth == 0:
            _set(libc, _KEEP)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _set(libc, _DEFAULTS)
                libc.malloc_trim(0)


def _set(libc: Any, options: dict[int, int]) -> None:
    for option, value in options.items():
        libc.mallopt(option, value)


@functools.cache
def _glibc() -> Any:
    """Return the C library when it is glibc (it has ``mallopt`` and ``malloc_trim``)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    return libc
