"""`nasdiag import PATH`: parse a foreign log, validate it and store it as one experiment."""

from __future__ import annotations

import logging
from pathlib import Path

from nasdiag.ingest import commit_import, parse_path
from nasdiag.ingest.formats import FORMATS, format_options
from nasdiag.ingest.safety import MAX_IMPORT_BYTES
from nasdiag.store import Store

logger = logging.getLogger(__name__)


def run_import(
    path: str | Path,
    *,
    db_path: str | Path,
    format: str | None = None,
    name: str | None = None,
    on_duplicate: str = "keep_last",
    max_bytes: int | str = MAX_IMPORT_BYTES,
    **format_options,
) -> tuple[str, str]:
    """Import `path` into the database at `db_path`; return (report text, experiment id).

    With `format` None the format is detected from the content and named in the report.
    `format_options` go to the format's parser (for example `metric_column` for natsbench,
    `wide` for tables, `fidelity` for TensorBoard). Values may be text, as the command line
    passes them, and are converted to the parser's types; options set to None are ignored.

    Raises:
        ImportFormatError: the input cannot be imported as given (the CLI exits with 2);
            nothing was written.
        StoreError: the database write failed; nothing was written.
    """
    parsed = parse_path(path, format=format, on_duplicate=on_duplicate, max_bytes=max_bytes, **format_options)
    experiment_id = commit_import(parsed, Store(db_path), name=name)
    detected = "" if format else " (detected)"
    lines = [
        f"imported {parsed.source}",
        f"format: {parsed.format}{detected}",
        f"experiment: {experiment_id}",
        f"metric: {parsed.metric_name} ({'maximize' if parsed.maximize else 'minimize'})",
        parsed.report.to_text(),
    ]
    return "\n".join(lines), experiment_id


def describe_formats() -> str:
    """List the import formats with their options, for `nasdiag import --help-formats`."""
    lines = ["formats (detected from the content unless --format is given):"]
    for name, (_, description) in FORMATS.items():
        lines.append(f"  {name}: {description}")
        options = ", ".join(
            f"{key} ({_describe_type(annotation)})"
            for key, annotation in format_options(name).items()
            if key != "on_duplicate"
        )
        lines.append(f"      options: {options or 'none'}")
    lines.append("  every format: on_duplicate (keep_last, keep_first or error), max_bytes (int)")
    lines.append("pass options as --option KEY=VALUE, for example --option metric_column=CIFAR10TestAccuracy200Epochs")
    return "\n".join(lines)


def _describe_type(annotation: str) -> str:
    if "WideMapping" in annotation:
        return "text such as seed=acc_s0:0,acc_s1:1 or fidelity=acc_12:proxy,acc_200:target"
    if annotation.startswith("list[str]"):
        return "comma-separated names"
    return annotation.replace(" | None", "")
