"""Import throughput: `nasdiag import` against a plain pandas read and row-by-row DuckDB insert.

Measures, on the machine it runs on, for the largest real table in the shared data (the
15,625-row NATS-Bench landscape CSV by default):
  * nasdiag: `run_import` into a fresh DuckDB file (parse, canonicalise every NB201 cell,
    validate, write architectures and trials in one transaction), with its caches cleared
    before every run;
  * baseline: `pandas.read_csv`, then one `INSERT ... VALUES (?, ?, ?, ?)` per row into a fresh
    DuckDB file with a plain table, inside one transaction (committing after every row would be
    far slower, so the baseline gets the faster form);
  * rows per second for both (input rows read / wall seconds) and their ratio.

Each side runs `--repeats` times and the median is reported. The baseline does less work
(no parsing of architecture strings, no validation), so the ratio is the cost or gain of the
import path over the naive loop.

Usage:
    python bench/bench_import.py
    python bench/bench_import.py --path other.csv --metric-column CIFAR10TestAccuracy200Epochs --json bench/out/import.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nasdiag.import_cmd import run_import  # noqa: E402
from nasdiag.ingest import archs  # noqa: E402

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "shared" / "data" / "natsbench-landscape" / "nats_bench.csv"
DEFAULT_COLUMN = "CIFAR10TestAccuracy200Epochs"


def time_nasdiag(path: Path, metric_column: str, workdir: Path, run: int) -> float:
    db_path = workdir / f"nasdiag_{run}.duckdb"
    # Start cold every run: the NB201 space and the parsed cells are cached per process.
    archs.nb201_arch.cache_clear()
    archs._nb201_space.cache_clear()
    started = time.perf_counter()
    run_import(path, db_path=db_path, metric_column=metric_column)
    return time.perf_counter() - started


def time_baseline(path: Path, metric_column: str, workdir: Path, run: int) -> float:
    db_path = workdir / f"baseline_{run}.duckdb"
    started = time.perf_counter()
    frame = pd.read_csv(path)
    connection = duckdb.connect(str(db_path))
    connection.execute(
        "CREATE TABLE trials (trial_id VARCHAR, arch VARCHAR, seed INTEGER, metric DOUBLE)"
    )
    connection.execute("BEGIN TRANSACTION")
    for index, row in frame.iterrows():
        connection.execute(
            "INSERT INTO trials VALUES (?, ?, ?, ?)",
            [f"cell_{index}", row["ArchitectureString"], 0, float(row[metric_column]) / 100.0],
        )
    connection.execute("COMMIT")
    connection.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH, help="NATS-format CSV to import")
    parser.add_argument("--metric-column", default=DEFAULT_COLUMN, help="accuracy column to import")
    parser.add_argument("--repeats", type=int, default=3, help="runs per side; the median is reported")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args()
    if not args.path.exists():
        sys.exit(f"{args.path} not found; pass --path to a NATS landscape CSV")
    logging.basicConfig(level=logging.WARNING)

    n_rows = len(pd.read_csv(args.path))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        nasdiag_s = [time_nasdiag(args.path, args.metric_column, workdir, run) for run in range(args.repeats)]
        baseline_s = [time_baseline(args.path, args.metric_column, workdir, run) for run in range(args.repeats)]

    nasdiag_median = statistics.median(nasdiag_s)
    baseline_median = statistics.median(baseline_s)
    result = {
        "file": str(args.path),
        "rows": n_rows,
        "nasdiag_s": nasdiag_s,
        "baseline_s": baseline_s,
        "nasdiag_rows_per_s": n_rows / nasdiag_median,
        "baseline_rows_per_s": n_rows / baseline_median,
        "speedup": baseline_median / nasdiag_median,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, duckdb {duckdb.__version__}, pandas {pd.__version__}",
    }
    print("| path | median s | rows/s |\n|---|---|---|")
    print(f"| nasdiag run_import | {nasdiag_median:.2f} | {result['nasdiag_rows_per_s']:,.0f} |")
    print(f"| pandas + row-by-row INSERT | {baseline_median:.2f} | {result['baseline_rows_per_s']:,.0f} |")
    print(f"\n{n_rows} rows; nasdiag is {result['speedup']:.1f}x the baseline's rows/s. {result['machine']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
