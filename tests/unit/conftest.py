"""The unit suite's fixtures: the committed stacks evaluated once per session under Pulumi's
mocks (infra/mocks.py), and the harness's names for the tests to import from here.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable

import pytest

from infra.mocks import (  # noqa: F401 (the tests import these from conftest)
    ACCOUNT,
    CERTIFICATE_ARN,
    CUT_OVER,
    PROJECT,
    REGION,
    ROOT,
    ProgramRun,
    committed_stacks,
    config_for_pulumi,
    evaluate,
    evaluate_program,
    make_site_dir,
    resolve,
    stack_config,
    test_config,
)


@lru_cache(maxsize=None)
def _cached_program(stack: str, site_dir: str, cut_over: bool = False) -> ProgramRun:
    return evaluate_program(stack, test_config(stack, Path(site_dir), **(CUT_OVER if cut_over else {})))


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    return make_site_dir(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def program(site_dir) -> Callable[[str], ProgramRun]:
    """`program("prod")` / `program("dev")`: the committed stack evaluated once per session."""
    return lambda stack: _cached_program(stack, str(site_dir))


@pytest.fixture(scope="session")
def prod(program) -> ProgramRun:
    return program("prod")


@pytest.fixture(scope="session")
def dev(program) -> ProgramRun:
    return program("dev")


@pytest.fixture(scope="session")
def prod_after_cut_over(site_dir) -> ProgramRun:
    """The prod stack once the cut-over gave it the newsroom's names (CUT_OVER)."""
    return _cached_program("prod", str(site_dir), cut_over=True)
