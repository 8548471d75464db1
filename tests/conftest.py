"""Shared fixtures: every numeric test runs with the graph passes on and off."""

import pytest


@pytest.fixture(params=["FAST_RUN", "FAST_COMPILE"], ids=["passes-on", "passes-off"])
def mode(request):
    return request.param
