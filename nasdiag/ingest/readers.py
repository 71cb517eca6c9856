"""Readers of plain tabular files (CSV, Parquet, JSON Lines) with errors that name the line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pyarrow

from nasdiag.ingest.errors import ImportFormatError

TABLE_SUFFIXES = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
}


def table_kind(path: Path) -> str | None:
    """Return "csv", "parquet" or "jsonl" from the file suffix, or None."""
    return TABLE_SUFFIXES.get(path.suffix.lower())


def read_table(path: Path) -> tuple[pd.DataFrame, int]:
    """Read a CSV, Parquet or JSON Lines file.

    Returns the frame and the file line number of its first data row (2 for a CSV with a
    header, 1 for JSON Lines, 0 for Parquet, which has no lines), so errors can name lines.

    Raises:
        ImportFormatError: the file cannot be read or looks truncated.
    """
    kind = table_kind(path)
    if kind == "parquet":
        try:
            return pd.read_parquet(path), 0
        except (pyarrow.ArrowException, OSError) as error:
            raise ImportFormatError(
                f"cannot read Parquet file ({error})", path=str(path),
                fix="Check that the file is complete; re-export it if it was cut short",
            ) from error
    if kind == "jsonl":
        return _read_json_lines(path), 1
    return _read_csv(path), 2


def _read_csv(path: Path) -> pd.DataFrame:
    separator = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        frame = pd.read_csv(path, sep=separator, skipinitialspace=True)
    except pd.errors.EmptyDataError as error:
        raise ImportFormatError("file is empty", path=str(path), fix="Export the table again") from error
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ImportFormatError(
            f"cannot parse CSV ({error})", path=str(path),
            fix="Check the line named above for extra separators or unbalanced quotes",
        ) from error
    _check_last_csv_line(path, separator, n_columns=len(frame.columns), n_rows=len(frame))
    return frame


def _check_last_csv_line(path: Path, separator: str, *, n_columns: int, n_rows: int) -> None:
    """Raise when the last line has fewer fields than the header and no final newline.

    pandas pads a short last line with NaN, so a file cut off mid-row would otherwise import
    its last trial with a missing metric instead of failing.
    """
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 65536))
        tail = handle.read()
    if not tail or tail.endswith(b"\n") or n_rows == 0:
        return
    last_line = tail.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")
    fields = next(csv.reader([last_line], delimiter=separator), [])
    if len(fields) < n_columns:
        raise ImportFormatError(
            f"the last line has {len(fields)} of {n_columns} fields and no line end, so the file "
            "looks truncated",
            path=str(path),
            location=f"line {n_rows + 1}",
            value=last_line[:80],
            fix="Copy or export the file again in full",
        )


def _read_json_lines(path: Path) -> pd.DataFrame:
    records = []
    with path.open("r", encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ImportFormatError(
                    f"invalid JSON ({error.msg} at character {error.pos})",
                    path=str(path), location=f"line {line_number}", value=line.strip()[:80],
                    fix="Each line must be one complete JSON object; re-export the file if it was cut short",
                ) from error
            if not isinstance(record, dict):
                raise ImportFormatError(
                    "line is not a JSON object", path=str(path), location=f"line {line_number}",
                    value=line.strip()[:80], fix="Write one {\"column\": value} object per line",
                )
            records.append(record)
    if not records:
        raise ImportFormatError("file holds no records", path=str(path), fix="Export the table again")
    return pd.DataFrame.from_records(records)


def load_json(path: Path):
    """Parse a JSON file, accepting the NaN/Infinity/-Infinity tokens Python's json writes.

    Raises:
        ImportFormatError: invalid or truncated JSON; names the line and column.
    """
    try:
        with path.open("r", encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as error:
        raise ImportFormatError(
            f"invalid JSON ({error.msg})", path=str(path),
            location=f"line {error.lineno}, character {error.colno}",
            fix="The file may be truncated or hand-edited; copy it again from its source",
        ) from error
    except UnicodeDecodeError as error:
        raise ImportFormatError(
            "file is not UTF-8 text", path=str(path), fix="Check that this is the JSON file you meant"
        ) from error
