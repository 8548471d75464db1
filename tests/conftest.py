"""Shared fixtures: every numeric test runs with the graph passes on and off.
The benchmark workloads (`tools/bench`, not part of the installed package) are
importable as `bench.*`."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))


@pytest.fixture(params=["FAST_RUN", "FAST_COMPILE"], ids=["passes-on", "passes-off"])
def mode(request):
    return request.param
