"""Fewer glibc malloc arenas in the embedded AWS's processes.

The embedded AWS serves each open connection in a thread of its own, and the render-report worker
runs each invocation in one. glibc gives threads that meet in malloc arenas of their own (up to
eight per core), and each arena keeps the memory freed into it: on the ordinary usv day, two
arenas took the embedded AWS's peak from 2.7-2.8 GB to 2.4 GB with no more CPU
(bench/README.md). A Lambda container runs one invocation at a time, so this is the offline
runtime's setting, not a handler's. ``MALLOC_ARENA_MAX`` in the environment wins over it.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


def limit_arenas(arenas: int = ARENAS) -> bool:
    """At most ``arenas`` malloc arenas for this process from now on (arenas already made stay).
    False where the C library has no glibc ``mallopt`` (musl, macOS) or the environment sets
    ``MALLOC_ARENA_MAX`` (glibc then read it at start)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(_M_ARENA_MAX, arenas) == 1
