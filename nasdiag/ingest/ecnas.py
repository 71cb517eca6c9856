"""EC-NAS-Bench run folders: `<hash[:2]>/<md5>/repeat_<k>/results.json` per run.

Each run trained a NAS-Bench-101-style cell for 4 epochs and evaluated it at epochs 0, 1 and
4. Repeats become seeds and the evaluations at epochs 1 and 4 become fidelities `epoch_1` and
`epoch_4`; all three checkpoints are stored as the run's curve.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd

from nasdiag.ingest.archs import join_ops, plain_arch
from nasdiag.ingest.errors import ImportFormatError
from nasdiag.ingest.finalize import RawImport
from nasdiag.ingest.readers import load_json

# NAS-Bench-101 op labels in the graphs file: -1 input, -2 output.
ECNAS_OPS = {0: "conv_3x3", 1: "conv_1x1", 2: "max_pool_3x3"}
FIDELITY_EPOCHS = (1, 4)
_REPEAT = re.compile(r"^repeat_(\d+)$")
_MD5 = re.compile(r"^[0-9a-f]{32}$")


def is_ecnas_folder(path: Path) -> bool:
    """Return whether the folder holds at least one `repeat_<k>/results.json` run."""
    return path.is_dir() and next(path.rglob("repeat_*/results.json"), None) is not None


def parse_ecnas(path: Path, *, graphs: Path | None = None) -> RawImport:
    """Parse an EC-NAS-Bench results folder.

    `graphs` is the `generated_graphs_*.json` file mapping each md5 to `[adjacency, op labels]`;
    when not given, the first such file found under `path` is used, and without one the ops
    column stays empty.

    Raises:
        ImportFormatError: a results.json is invalid or lacks its evaluation fields.
    """
    graph_file = graphs or next(iter(sorted(path.rglob("generated_graphs*.json"))), None)
    graph_table = load_json(graph_file) if graph_file is not None else {}

    trial_rows, curve_rows, archs = [], [], {}
    n_skipped = n_runs = 0
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        if file.name != "results.json" or not _REPEAT.match(file.parent.name):
            # Resume counters under _recovery/ and stray files carry no results; the graphs file
            # and notes such as SOURCE.md are not counted as skipped.
            if file != graph_file and file.suffix.lower() != ".md":
                n_skipped += 1
            continue
        n_runs += 1
        arch_md5 = file.parent.parent.name
        seed = int(_REPEAT.match(file.parent.name).group(1))
        record = load_json(file)
        key = archs.get(arch_md5) or _arch_entry(arch_md5, graph_table.get(arch_md5), file)
        archs[arch_md5] = key
        key.setdefault("params", record.get("trainable_params"))
        checkpoints = _checkpoints(record, file)
        run_id = f"{arch_md5}/repeat_{seed}"
        for checkpoint in checkpoints:
            epoch = checkpoint["epochs"]
            curve_rows.append((f"{run_id}/epoch_{FIDELITY_EPOCHS[-1]}", epoch, checkpoint["validation_accuracy"]))
            if epoch in FIDELITY_EPOCHS:
                trial_rows.append({
                    "trial_id": f"{run_id}/epoch_{epoch}",
                    "arch": key["arch"], "arch_hash": key["arch_hash"], "seed": seed,
                    "fidelity": f"epoch_{epoch}", "metric": checkpoint["validation_accuracy"],
                    "test_metric": checkpoint.get("test_accuracy", math.nan), "status": "ok",
                    "epochs": epoch, "wall_time_s": checkpoint.get("training_time"),
                })
    if not trial_rows:
        raise ImportFormatError(
            "no repeat_<k>/results.json runs found", path=str(path),
            fix="Point the import at an EC-NAS-Bench train_model_results folder",
        )
    trials = pd.DataFrame(trial_rows)
    # The curve hangs on the epoch_4 trial; a run that lacks it keeps no curve.
    curves = pd.DataFrame(curve_rows, columns=["trial_id", "epoch", "val_metric"])
    messages = [
        "metric is validation accuracy, test_metric test accuracy (fractions, as in the files)",
        "epoch_1 is the checkpoint after 1 epoch of the 4-epoch schedule, not a separate 1-epoch run",
    ]
    if n_skipped:
        messages.append(f"skipped {n_skipped} files that hold no run results (for example _recovery counters)")
    if graph_file is None:
        messages.append("no generated_graphs_*.json found, so architectures have no ops")
    return RawImport(
        format="ecnas", source=str(path), trials=trials, archs=pd.DataFrame(list(archs.values())),
        curves=curves, metric_name="validation_accuracy", maximize=True,
        n_records=n_runs, n_skipped=n_skipped,
        messages=messages, config={"graphs": None if graph_file is None else str(graph_file)},
        proxy_fidelities=("epoch_1",), target_fidelity="epoch_4",
    )


def _arch_entry(arch_md5: str, graph, file: Path) -> dict:
    if not _MD5.match(arch_md5):
        raise ImportFormatError(
            "run folder is not named by an md5 architecture hash", path=str(file), value=arch_md5,
            fix="Keep the <md5>/repeat_<k>/results.json layout",
        )
    ops: list[str] = []
    spec = None
    if graph is not None:
        matrix, labels = graph
        ops = [ECNAS_OPS[label] for label in labels if label in ECNAS_OPS]
        spec = json.dumps({"matrix": matrix, "labels": labels})
    # NAS-Bench-101's md5 is already isomorphism-invariant, so it serves as the canonical string.
    key = plain_arch(arch_md5, ops)
    return {"arch": key.arch, "arch_hash": arch_md5, "ops": join_ops(ops), "spec_json": spec}


def _checkpoints(record, file: Path) -> list[dict]:
    checkpoints = record.get("evaluation_results") if isinstance(record, dict) else None
    if not isinstance(checkpoints, list):
        raise ImportFormatError(
            "evaluation_results is missing", path=str(file), column="evaluation_results",
            fix="Check that this is an EC-NAS-Bench results.json",
        )
    cleaned = []
    for position, checkpoint in enumerate(checkpoints):
        try:
            epoch = float(checkpoint["epochs"])
            accuracy = float(checkpoint["validation_accuracy"])
        except (KeyError, TypeError, ValueError) as error:
            raise ImportFormatError(
                f"checkpoint lacks a numeric epochs or validation_accuracy ({error})", path=str(file),
                location=f"evaluation_results[{position}]", fix="Re-copy the run folder",
            ) from error
        if epoch != int(epoch):
            raise ImportFormatError(
                "checkpoint epoch is not a whole number", path=str(file),
                location=f"evaluation_results[{position}]", column="epochs", value=epoch,
                fix="Only whole-epoch checkpoints are supported",
            )
        cleaned.append({**checkpoint, "epochs": int(epoch), "validation_accuracy": accuracy})
    return cleaned
