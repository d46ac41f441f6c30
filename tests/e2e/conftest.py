from __future__ import annotations

import logging

import pytest

from saleslens.offline import OfflineAws


@pytest.fixture()
def aws():
    """A fresh embedded AWS per test, provisioned from config/saleslens.json."""
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    with OfflineAws() as runtime:
        yield runtime
