"""The import formats: their names, detection from a file's content, and dispatch to parsers."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path

from nasdiag.ingest.ecnas import is_ecnas_folder, parse_ecnas
from nasdiag.ingest.errors import ImportFormatError
from nasdiag.ingest.finalize import RawImport, build_parsed
from nasdiag.ingest.model import DUPLICATE_RULES, ParsedImport
from nasdiag.ingest.nas_benchmarks import (
    NATS_ARCH_COLUMN,
    parse_nasbench_macro,
    parse_natsbench,
    parse_zero_cost,
)
from nasdiag.ingest.nni_db import is_nni_db, parse_nni
from nasdiag.ingest.optuna_db import is_optuna_db, parse_optuna
from nasdiag.ingest.readers import table_kind
from nasdiag.ingest.safety import MAX_IMPORT_BYTES, check_input_size
from nasdiag.ingest.table import parse_table
from nasdiag.ingest.tensorboard import is_tensorboard_csv, parse_tensorboard, tensorboard_files
from nasdiag.ingest.tuning import connect_readonly, is_sqlite_file, table_names

# name -> (parser, one-line description shown in errors and help)
FORMATS: dict[str, tuple[Callable[..., RawImport], str]] = {
    "table": (parse_table, "long or wide table (CSV, Parquet, JSON Lines) with arch, seed, fidelity, metric"),
    "natsbench": (parse_natsbench, "NATS-Bench / NAS-Bench-201 landscape CSV (needs metric_column)"),
    "nasbench_macro": (parse_nasbench_macro, "NAS-Bench-Macro JSON (3 seeds per 8-digit architecture code)"),
    "zero_cost": (parse_zero_cost, "NAS-Bench-Suite-Zero JSON (zero-cost proxies vs trained accuracy)"),
    "ecnas": (parse_ecnas, "EC-NAS-Bench folder of <md5>/repeat_<k>/results.json runs"),
    "optuna": (parse_optuna, "Optuna SQLite storage"),
    "nni": (parse_nni, "NNI experiment database (nni.sqlite)"),
    "tensorboard": (parse_tensorboard, "TensorBoard scalar CSV export (Wall time,Step,Value), or a folder of them"),
}

_SNIFF_BYTES = 65536
_MACRO_HEAD = re.compile(r'^\s*\{\s*"[0-2]{8}"\s*:\s*\{')
_ZERO_COST_HEAD = re.compile(r'^\s*\{\s*"[^"]+"\s*:\s*\{\s*"(\(|\[\[)')


def format_list() -> str:
    return "; ".join(f"{name}: {description}" for name, (_, description) in FORMATS.items())


def detect_format(path: Path) -> str:
    """Return the format name of the file or folder at `path`, judged from its content.

    Raises:
        ImportFormatError: no format matches; the message lists the formats.
    """
    detected = _detect(path)
    if detected is None:
        raise ImportFormatError(
            "the input matches no import format", path=str(path),
            fix=f"Pass --format with one of: {format_list()}",
        )
    return detected


def _detect(path: Path) -> str | None:
    if path.is_dir():
        if is_ecnas_folder(path):
            return "ecnas"
        return "tensorboard" if tensorboard_files(path) else None
    if is_sqlite_file(path):
        connection = connect_readonly(path)
        try:
            tables = table_names(connection)
        finally:
            connection.close()
        if is_optuna_db(tables):
            return "optuna"
        return "nni" if is_nni_db(tables) else None
    kind = table_kind(path)
    if kind == "csv":
        if is_tensorboard_csv(path):
            return "tensorboard"
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            header = handle.readline()
        columns = [column.strip() for column in header.split(",")]
        return "natsbench" if NATS_ARCH_COLUMN in columns else "table"
    if kind is not None:
        return "table"
    if path.suffix.lower() == ".json":
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            head = handle.read(_SNIFF_BYTES)
        if _MACRO_HEAD.match(head):
            return "nasbench_macro"
        if _ZERO_COST_HEAD.match(head):
            return "zero_cost"
    return None


def format_options(name: str) -> dict[str, str]:
    """Return the keyword options of a format's parser with their annotations, as text."""
    parser = FORMATS[name][0]
    return {
        key: str(parameter.annotation)
        for key, parameter in inspect.signature(parser).parameters.items()
        if key != "path"
    }


def _coerce_option(key: str, value, annotation: str):
    """Convert an option given as text (command line, UI) to the type its parser expects."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        if annotation.startswith("bool"):
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError("expected true or false")
            return text.lower() in ("true", "1", "yes")
        if annotation.startswith("int"):
            return int(text)
        if annotation.startswith("list[str]"):
            return [item.strip() for item in text.split(",") if item.strip()]
        if annotation.startswith("Path"):
            return Path(text)
    except ValueError as error:
        raise ImportFormatError(
            f"invalid value for option {key!r} ({error})", value=value,
            fix=f"The option expects {annotation.replace(' | None', '')}",
        ) from error
    return text


def parse_path(
    path: str | Path,
    *,
    format: str | None = None,
    on_duplicate: str = "keep_last",
    max_bytes: int | str = MAX_IMPORT_BYTES,
    **options,
) -> ParsedImport:
    """Check the size, detect or check the format, parse and validate; nothing is stored.

    `options` are the chosen format's keyword options (see each parser); options set to None
    are ignored, so a CLI can pass every flag it has.

    Raises:
        ImportFormatError: the input is too large, matches no format, takes no such option, or
            cannot be parsed.
    """
    path = Path(path)
    check_input_size(path, int(_coerce_option("max_bytes", max_bytes, "int")))
    if on_duplicate not in DUPLICATE_RULES:
        raise ImportFormatError(
            "unknown duplicate rule", value=on_duplicate, fix=f"Use one of {DUPLICATE_RULES}"
        )
    name = format or detect_format(path)
    if name not in FORMATS:
        raise ImportFormatError("unknown format", value=name, fix=f"Use one of: {', '.join(FORMATS)}")
    parameters = format_options(name)
    chosen = {key: value for key, value in options.items() if value is not None}
    unknown = sorted(set(chosen) - set(parameters))
    if unknown:
        raise ImportFormatError(
            f"format {name!r} takes no option {unknown}", path=str(path),
            fix=f"Options of {name}: {sorted(parameters) or 'none'}",
        )
    chosen = {key: _coerce_option(key, value, parameters[key]) for key, value in chosen.items()}
    if "on_duplicate" in parameters:
        chosen["on_duplicate"] = on_duplicate
    raw = FORMATS[name][0](path, **chosen)
    return build_parsed(raw, on_duplicate=on_duplicate)
