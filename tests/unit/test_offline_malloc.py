"""The embedded AWS's processes ask glibc for fewer malloc arenas (saleslens.offline.malloc)."""
from __future__ import annotations

import platform

from saleslens.offline.malloc import limit_arenas

GLIBC = platform.libc_ver()[0] == "glibc"


def test_glibc_takes_the_limit_and_an_environment_setting_wins(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_arenas() is GLIBC
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_arenas() is False

