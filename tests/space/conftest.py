from __future__ import annotations

import pytest

from nasdiag.space import SearchSpace


@pytest.fixture(scope="session")
def nb201_space() -> SearchSpace:
    """The NAS-Bench-201 op set in a one-cell-per-stage skeleton."""
    return SearchSpace.from_dict({"schema_version": 1, "family": "cell", "name": "nb201_test"})
