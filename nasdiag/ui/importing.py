"""Helpers of the Import page: saving uploads safely, previewing tables, mapping columns.

The parsing, validation and the one-transaction commit belong to `nasdiag.ingest`; this
module only prepares its input from what the user uploaded and chose.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from nasdiag.ingest import MAX_IMPORT_BYTES, ImportFormatError, safe_upload_path
from nasdiag.ingest.readers import read_table, table_kind

logger = logging.getLogger(__name__)

# The tidy columns a long table maps onto; the first four are required.
LONG_COLUMNS = ("arch", "seed", "fidelity", "metric", "status", "test_metric", "ops", "is_baseline", "epoch")
REQUIRED_LONG_COLUMNS = ("arch", "seed", "fidelity", "metric")


def save_upload(upload_dir: Path, filename: str, payload: bytes, *, max_bytes: int = MAX_IMPORT_BYTES) -> Path:
    """Write an uploaded file into `upload_dir` under a checked name and return its path.

    Raises:
        ImportFormatError: the name is unsafe (see `safe_upload_path`) or the file is larger
            than `max_bytes`; nothing is written.
    """
    if len(payload) > max_bytes:
        raise ImportFormatError(
            f"upload is {len(payload) / 2**20:.1f} MiB, larger than the import limit of "
            f"{max_bytes / 2**20:.1f} MiB", value=filename, fix="Import a smaller subset of the log",
        )
    upload_dir.mkdir(parents=True, exist_ok=True)
    target = safe_upload_path(upload_dir, filename)
    target.write_bytes(payload)
    logger.info("saved upload %s (%d bytes)", target, len(payload))
    return target


def is_table(path: Path) -> bool:
    """Return whether the file is a CSV, Parquet or JSON Lines table."""
    return path.is_file() and table_kind(path) is not None


def preview_table(path: Path, rows: int = 20) -> pd.DataFrame:
    """Return the first `rows` rows of a table file (read as the importer reads it)."""
    frame, _ = read_table(path)
    frame.columns = [str(column).strip() for column in frame.columns]
    return frame.head(rows)


def guess_mapping(columns: list[str]) -> dict[str, str | None]:
    """Guess which input column holds each tidy column, by exact then common alternative names."""
    alternatives = {
        "arch": ("arch", "architecture", "arch_str", "model", "config", "genotype"),
        "seed": ("seed", "init_seed", "run", "repeat", "trial_seed"),
        "fidelity": ("fidelity", "budget", "epochs", "stage"),
        "metric": ("metric", "val_accuracy", "val_acc", "accuracy", "acc", "valid_acc", "score", "value"),
        "status": ("status", "state"),
        "test_metric": ("test_metric", "test_accuracy", "test_acc"),
        "ops": ("ops",),
        "is_baseline": ("is_baseline", "baseline"),
        "epoch": ("epoch", "step"),
    }
    lowered = {column.lower(): column for column in columns}
    guess: dict[str, str | None] = {}
    for target in LONG_COLUMNS:
        guess[target] = next((lowered[name] for name in alternatives[target] if name in lowered), None)
    return guess


def apply_column_mapping(path: Path, mapping: Mapping[str, str | None], out_dir: Path) -> Path:
    """Write a copy of the table with its columns renamed to the tidy names; return its path.

    `mapping` maps a tidy column (`arch`, `seed`, ...) to an input column, or None to leave it
    out. Columns not named in the mapping are kept under their own names, unless a mapped
    column takes their name.

    Raises:
        ImportFormatError: a mapped input column does not exist, or two tidy columns name the
            same input column.
    """
    frame, _ = read_table(path)
    frame.columns = [str(column).strip() for column in frame.columns]
    chosen = {target: source for target, source in mapping.items() if source}
    missing = [source for source in chosen.values() if source not in frame.columns]
    if missing:
        raise ImportFormatError("mapped column not found", value=missing[0], path=str(path),
                                fix=f"Pick one of the table's columns: {', '.join(frame.columns)}")
    sources = list(chosen.values())
    repeated = sorted({source for source in sources if sources.count(source) > 1})
    if repeated:
        raise ImportFormatError("one input column is mapped to two tidy columns", value=repeated[0],
                                fix="Map each input column at most once")
    renamed = frame[[*chosen.values()]].copy()
    renamed.columns = list(chosen.keys())
    for column in frame.columns:
        if column not in chosen.values() and column not in renamed.columns:
            renamed[column] = frame[column]
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"mapped-{path.stem}.parquet"
    renamed.to_parquet(target, index=False)
    return target


def parse_options(text: str) -> dict[str, str]:
    """Parse `KEY=VALUE` lines (the CLI's --option form) into a dict.

    Raises:
        ImportFormatError: a non-empty line is not KEY=VALUE.
    """
    options: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ImportFormatError("format option is not KEY=VALUE", value=line,
                                    fix="Write one option per line, like metric_column=valid_acc")
        options[key.strip().replace("-", "_")] = value.strip()
    return options
