"""Tabular NAS benchmarks: the NATS-Bench landscape CSV, NAS-Bench-Macro and NAS-Bench-Suite-Zero.

These files report accuracy in percent; the importers divide by 100 so that every metric in
the store is a fraction, as our own searches write it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from nasdiag.ingest.archs import (
    ArchKey,
    darts_arch,
    naslib_nb201_string,
    nb201_arch,
    plain_arch,
    require_arch,
)
from nasdiag.ingest.errors import ImportFormatError, option_hint
from nasdiag.ingest.finalize import RawImport
from nasdiag.ingest.readers import load_json, read_table

NATS_ARCH_COLUMN = "ArchitectureString"
MACRO_OPS = ("skip_connect", "mb3_k3", "mb6_k5")  # digit 0 = identity, 1 = MB3_K3, 2 = MB6_K5
ZERO_COST_TARGET = "target"


def parse_natsbench(path: Path, *, metric_column: str | None = None) -> RawImport:
    """Parse the NATS-Bench topology landscape CSV (one row per NB201 cell).

    The file has one accuracy column per dataset. Datasets are different tasks, not cheaper
    or dearer versions of one task, so they cannot be fidelities of one experiment; the
    caller picks one column per import.

    Raises:
        ImportFormatError: `metric_column` is missing or not a numeric column of the file.
    """
    frame, _ = read_table(path)
    numeric = [c for c in frame.columns if c != NATS_ARCH_COLUMN and pd.api.types.is_numeric_dtype(frame[c])]
    if metric_column is None:
        raise ImportFormatError(
            "this NATS-Bench table has one accuracy column per dataset, and datasets are separate "
            f"tasks, not fidelities; choose one of {numeric}",
            path=str(path),
            fix=f"Choose one with {option_hint('metric_column', 'CIFAR10TestAccuracy200Epochs')}",
        )
    if metric_column not in numeric:
        raise ImportFormatError(
            "metric column not found or not numeric", path=str(path), column=metric_column,
            value=metric_column, fix=f"Use one of {numeric}",
        )
    if NATS_ARCH_COLUMN not in frame.columns:
        raise ImportFormatError(
            f"missing column {NATS_ARCH_COLUMN!r}", path=str(path), fix="Check that this is the NATS landscape CSV"
        )

    strings = frame[NATS_ARCH_COLUMN].astype(str).tolist()
    keys = [
        require_arch(nb201_arch, text, path=str(path), location=f"line {line}", column=NATS_ARCH_COLUMN)
        for line, text in enumerate(strings, start=2)
    ]
    trials = pd.DataFrame({
        # The row order is the benchmark's architecture index, so the id keeps it.
        "trial_id": [f"cell_{index}" for index in range(len(frame))],
        "arch": [key.arch for key in keys],
        "arch_hash": [key.arch_hash for key in keys],
        "seed": 0,
        "fidelity": "target",
        "metric": frame[metric_column].to_numpy(dtype="float64") / 100.0,
        "status": "ok",
        "epochs": 200,
    })
    n_cells = len(set(strings))
    n_archs = trials["arch_hash"].nunique()
    messages = [
        f"metric is {metric_column} divided by 100 (the file gives percent)",
        "each value is the benchmark's average over its training seeds; seed 0 stands for that average",
    ]
    if n_archs < n_cells:
        messages.append(
            f"{n_cells} cells describe {n_archs} distinct architectures (isomorphic cells share one); "
            "the duplicate rule chose one value per architecture"
        )
    return RawImport(
        format="natsbench", source=str(path), trials=trials, archs=_arch_frame(keys),
        metric_name=metric_column, maximize=True, n_records=len(frame), messages=messages,
        config={"metric_column": metric_column}, target_fidelity="target",
    )


def parse_nasbench_macro(path: Path) -> RawImport:
    """Parse NAS-Bench-Macro JSON: per 8-digit architecture code, three test accuracies (seeds).

    Raises:
        ImportFormatError: a key is not 8 digits in 0..2 or `test_acc` is not a list of numbers.
    """
    data = load_json(path)
    if not isinstance(data, dict):
        raise ImportFormatError("expected a JSON object keyed by architecture code", path=str(path))
    rows, archs = [], []
    for code, record in data.items():
        if len(code) != 8 or any(digit not in "012" for digit in code):
            raise ImportFormatError(
                "architecture code is not 8 digits in 0..2", path=str(path), location=f"key {code!r}",
                value=code, fix="Use NAS-Bench-Macro codes such as 02012100",
            )
        accuracies = record.get("test_acc") if isinstance(record, dict) else None
        if not isinstance(accuracies, list) or not all(_is_number(a) for a in accuracies):
            raise ImportFormatError(
                "test_acc is not a list of numbers", path=str(path), location=f"key {code!r}",
                column="test_acc", value=accuracies, fix="Each record needs test_acc: [acc_seed0, acc_seed1, ...]",
            )
        ops = [MACRO_OPS[int(digit)] for digit in code]
        key = plain_arch(code, ops)
        archs.append({
            "arch": key.arch, "arch_hash": key.arch_hash, "ops": key.ops,
            "params": record.get("params"), "flops": record.get("flops"),
            "spec_json": json.dumps({"layers": ops}),
        })
        for seed, accuracy in enumerate(accuracies):
            rows.append((f"{code}/s{seed}", key.arch, key.arch_hash, seed, float(accuracy) / 100.0))
    trials = pd.DataFrame(rows, columns=["trial_id", "arch", "arch_hash", "seed", "metric"])
    trials = trials.assign(fidelity="target", status="ok")
    return RawImport(
        format="nasbench_macro", source=str(path), trials=trials, archs=pd.DataFrame(archs),
        metric_name="test_accuracy", maximize=True, n_records=len(data),
        messages=["metric is CIFAR-10 test accuracy divided by 100 (the file has no validation accuracy)"],
        target_fidelity="target",
    )


def parse_zero_cost(path: Path, *, dataset: str = "cifar10") -> RawImport:
    """Parse NAS-Bench-Suite-Zero JSON: zero-cost proxy scores next to the trained accuracy.

    Each proxy score becomes the metric at fidelity `zc_<proxy>`; `val_accuracy` / 100 is the
    metric at fidelity "target". NB201 keys (op-index tuples) are mapped to NB201 strings;
    NB301 keys are DARTS genotypes.

    Raises:
        ImportFormatError: the dataset is not in the file, or a record lacks val_accuracy.
    """
    data = load_json(path)
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ImportFormatError("expected {dataset: {architecture: record}}", path=str(path))
    if dataset not in data:
        raise ImportFormatError(
            "dataset not in file", path=str(path), value=dataset, fix=f"Choose one of {list(data)} with {option_hint('dataset', 'NAME')}"
        )
    records = data[dataset]
    trial_rows, archs, proxies = [], {}, set()
    for arch_key, record in records.items():
        key = _zero_cost_key(arch_key, path)
        archs.setdefault(key.arch_hash, {"arch": key.arch, "arch_hash": key.arch_hash, "ops": key.ops,
                                         "spec_json": json.dumps({"source_key": arch_key})})
        accuracy = record.get("val_accuracy") if isinstance(record, dict) else None
        if not _is_number(accuracy):
            raise ImportFormatError(
                "val_accuracy is missing or not a number", path=str(path),
                location=f"{dataset} key {arch_key!r}", column="val_accuracy", value=accuracy,
                fix="Remove this architecture or fill in its accuracy",
            )
        trial_rows.append((f"{arch_key}/{ZERO_COST_TARGET}", key, ZERO_COST_TARGET, float(accuracy) / 100.0))
        for name, value in record.items():
            if isinstance(value, dict) and "score" in value:
                proxies.add(name)
                score = value["score"]
                trial_rows.append((f"{arch_key}/zc_{name}", key, f"zc_{name}",
                                   float(score) if _is_number(score) else math.nan))
    trials = pd.DataFrame({
        "trial_id": [row[0] for row in trial_rows],
        "arch": [row[1].arch for row in trial_rows],
        "arch_hash": [row[1].arch_hash for row in trial_rows],
        "seed": 0,
        "fidelity": [row[2] for row in trial_rows],
        "metric": np.array([row[3] for row in trial_rows], dtype="float64"),
        "status": "ok",
    })
    proxy_fidelities = tuple(f"zc_{name}" for name in sorted(proxies))
    messages = [
        f"dataset {dataset}: target is val_accuracy / 100; proxies are the raw zero-cost scores "
        f"({', '.join(sorted(proxies))})",
    ]
    n_archs = trials["arch_hash"].nunique()
    if n_archs < len(records):
        messages.append(
            f"{len(records)} keys describe {n_archs} distinct architectures (isomorphic cells share one); "
            "the duplicate rule chose one value per architecture"
        )
    return RawImport(
        format="zero_cost", source=str(path), trials=trials, archs=pd.DataFrame(list(archs.values())),
        metric_name="val_accuracy", maximize=True, n_records=len(records), messages=messages,
        config={"dataset": dataset}, proxy_fidelities=proxy_fidelities, target_fidelity=ZERO_COST_TARGET,
    )


def _zero_cost_key(arch_key: str, path: Path) -> ArchKey:
    location = f"key {arch_key!r}"
    if arch_key.startswith("[["):
        return require_arch(darts_arch, arch_key, path=str(path), location=location)
    nb201_string = require_arch(naslib_nb201_string, arch_key, path=str(path), location=location)
    return require_arch(nb201_arch, nb201_string, path=str(path), location=location)


def _arch_frame(keys: list[ArchKey]) -> pd.DataFrame:
    frame = pd.DataFrame({
        "arch": [key.arch for key in keys],
        "arch_hash": [key.arch_hash for key in keys],
        "ops": [key.ops for key in keys],
    })
    return frame.drop_duplicates("arch_hash")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)

