"""Fixtures of the importer tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from nasdiag.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A real DuckDB store in a fresh file."""
    return Store(tmp_path / "test.duckdb")
