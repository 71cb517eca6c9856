"""Input size limit and upload file names."""

from __future__ import annotations

import pytest
from ingest_helpers import FIXTURES

from nasdiag.ingest import (
    MAX_IMPORT_BYTES,
    ImportFormatError,
    check_upload_size,
    parse_path,
    safe_upload_path,
)


def test_default_limit_is_200_mib():
    assert MAX_IMPORT_BYTES == 200 * 1024 * 1024


def test_size_checked_before_reading(tmp_path):
    path = tmp_path / "big.json"
    path.write_text("{" * 5000)  # invalid JSON: a parse would fail differently
    with pytest.raises(ImportFormatError, match="larger than the import limit") as error:
        parse_path(path, max_bytes=1000)
    assert "max_bytes" in str(error.value)


def test_folder_size_is_summed(tmp_path):
    with pytest.raises(ImportFormatError, match="larger than the import limit"):
        parse_path(FIXTURES / "ecnas_subset", max_bytes=10_000)


def test_missing_input_is_reported(tmp_path):
    with pytest.raises(ImportFormatError, match="not found"):
        parse_path(tmp_path / "absent.csv")


@pytest.mark.parametrize("name, expected", [
    ("runs.csv", "runs.csv"),
    ("folder/runs.csv", "runs.csv"),
    ("folder\\sub\\runs.csv", "runs.csv"),
    ("my runs (1).csv", "my runs (1).csv"),
])
def test_upload_name_keeps_base_name(tmp_path, name, expected):
    target = safe_upload_path(tmp_path, name)
    assert target == (tmp_path / expected).resolve()
    assert target.parent == tmp_path.resolve()


@pytest.mark.parametrize("name", [
    "../runs.csv", "a/../../runs.csv", "..\\runs.csv", "..", ".", "", "/etc/passwd",
    "\\\\server\\share\\runs.csv", "C:\\runs.csv", "c:runs.csv", "runs\x00.csv", "runs\n.csv",
    ".bashrc", "folder/",
])
def test_upload_name_rejected(tmp_path, name):
    with pytest.raises(ImportFormatError):
        safe_upload_path(tmp_path, name)


def test_upload_name_through_symlink_rejected(tmp_path):
    upload_dir = tmp_path / "uploads"
    upload_dir.mkdir()
    outside = tmp_path / "outside.csv"
    outside.write_text("x")
    (upload_dir / "runs.csv").symlink_to(outside)
    with pytest.raises(ImportFormatError, match="outside the upload folder"):
        safe_upload_path(upload_dir, "runs.csv")


def test_upload_size_limit():
    check_upload_size("runs.csv", 1000, max_bytes=1000)
    with pytest.raises(ImportFormatError, match="larger than the import limit") as error:
        check_upload_size("runs.csv", 1001, max_bytes=1000)
    assert "runs.csv" in str(error.value)
