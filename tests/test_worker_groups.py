"""Tests that share a dear fixture stay on one worker (`--dist loadgroup`, tests/conftest.py).

pytest-xdist groups a test by renaming it `<id>@<group>` on the worker; a pytest that no
longer reads that name (9.2, with xdist 3.8) leaves every group split over both workers,
each setting up the group's fixture again, and nothing else says so.
"""

import os

import pytest


@pytest.mark.xdist_group("worker_groups")
def test_a_grouped_test_carries_its_group(request):
    if not (os.environ.get("PYTEST_XDIST_WORKER") and request.config.getoption("loadgroup")):
        pytest.skip("not on a worker of --dist loadgroup")
    assert request.node.nodeid.endswith("@worker_groups"), (
        f"{request.node.nodeid}: pytest and pytest-xdist disagree on a test's id"
        " (pyproject.toml pins pytest below 9.2 for this)"
    )
