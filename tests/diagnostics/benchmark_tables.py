"""Convert the public NAS benchmarks in the shared data folder beside the repository (or the fixture copies) to the
long trials format the diagnostics take: one row per arch x seed x fidelity.

These converters exist for the diagnostics tests only; the importers in nasdiag/ingest
are the product's way in.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from tests.shared_data import SHARED_DATA as _SHARED_DATA

SHARED = _SHARED_DATA
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "diagnostics"

MACRO_OPS = {"0": "identity", "1": "mb3_k3", "2": "mb6_k5"}
NB201_OPS = {0: "skip_connect", 1: "none", 2: "nor_conv_3x3", 3: "nor_conv_1x1", 4: "avg_pool_3x3"}
NB101_OPS = {0: "conv3x3-bn-relu", 1: "conv1x1-bn-relu", 2: "maxpool3x3"}


def macro_long(records: dict) -> pd.DataFrame:
    """NAS-Bench-Macro JSON (code -> test_acc[3], params, flops) to long format, fidelity 'target'."""
    rows = []
    for code, record in records.items():
        ops = ";".join(sorted({MACRO_OPS[d] for d in code}))
        for seed, accuracy in enumerate(record["test_acc"]):
            rows.append({"arch": code, "seed": seed, "fidelity": "target", "metric": float(accuracy),
                         "status": "ok", "ops": ops, "params": record["params"], "flops": record["flops"]})
    return pd.DataFrame(rows)


def load_macro(path: Path | None = None) -> pd.DataFrame:
    path = path or SHARED / "nasbench-macro" / "nas-bench-macro_cifar10.json"
    return macro_long(json.loads(path.read_text()))


def naslib_zc_long(records: dict, dataset: str = "cifar10") -> pd.DataFrame:
    """NAS-Bench-Suite-Zero NB201 records to long format.

    Every zero-cost proxy becomes a fidelity named after it (metric = its score) and the
    trained validation accuracy becomes fidelity 'target'; one seed each.
    """
    rows = []
    for key, record in records[dataset].items():
        indices = [int(i) for i in key.strip("()").split(",")]
        ops = ";".join(sorted({NB201_OPS[i] for i in indices}))
        common = {"arch": key, "seed": 0, "status": "ok", "ops": ops,
                  "params": record["params"]["score"], "flops": record["flops"]["score"]}
        rows.append(common | {"fidelity": "target", "metric": float(record["val_accuracy"])})
        for name, value in record.items():
            if isinstance(value, dict) and "score" in value:
                score = float(value["score"])
                rows.append(common | {"fidelity": name, "metric": score if math.isfinite(score) else math.nan})
    return pd.DataFrame(rows)


def load_naslib_zc(path: Path | None = None, dataset: str = "cifar10") -> pd.DataFrame:
    path = path or SHARED / "naslib-zc" / "zc_nasbench201.json"
    # The file holds the non-standard token -Infinity, which Python's json accepts.
    return naslib_zc_long(json.loads(path.read_text()), dataset)


def load_ecnas(root: Path | None = None) -> pd.DataFrame:
    """EC-NAS-Bench 4V9E logs to long format: fidelities 'epoch_1' and 'epoch_4', 3 repeats as seeds."""
    root = root or SHARED / "ecnas-4v9e"
    graphs = json.loads((root / "graphs" / "generated_graphs_4V9E.json").read_text())
    rows = []
    for result in sorted(root.glob("train_model_results/**/repeat_*/results.json")):
        arch = result.parent.parent.name
        seed = int(result.parent.name.split("_")[1])
        data = json.loads(result.read_text())
        labels = graphs.get(arch, [None, []])[1]
        ops = ";".join(sorted({NB101_OPS[label] for label in labels if label >= 0}))
        for checkpoint in data["evaluation_results"]:
            epochs = int(checkpoint["epochs"])
            if epochs == 0:
                continue
            rows.append({"arch": arch, "seed": seed, "fidelity": f"epoch_{epochs}", "epochs": epochs,
                         "metric": float(checkpoint["validation_accuracy"]), "status": "ok", "ops": ops,
                         "params": data["trainable_params"]})
    return pd.DataFrame(rows)


def load_natsbench(path: Path | None = None) -> pd.DataFrame:
    """NATS-Bench landscape CSV: fidelities are the three datasets, one (seed-averaged) value each."""
    path = path or SHARED / "natsbench-landscape" / "nats_bench.csv"
    wide = pd.read_csv(path).drop_duplicates("UniqueString")
    columns = {"CIFAR10TestAccuracy200Epochs": "cifar10", "CIFAR100TestAccuracy200Epochs": "cifar100",
               "ImageNetTestAccuracy200Epochs": "imagenet16"}
    long = wide.melt(id_vars=["ArchitectureString"], value_vars=list(columns), var_name="column", value_name="metric")
    return pd.DataFrame({"arch": long["ArchitectureString"], "seed": 0, "fidelity": long["column"].map(columns),
                         "metric": long["metric"], "status": "ok"})


def fixture_macro() -> pd.DataFrame:
    return load_macro(FIXTURES / "nasbench_macro_2000.json")


def fixture_naslib_zc() -> pd.DataFrame:
    return load_naslib_zc(FIXTURES / "naslib_zc_nb201_cifar10.json")


def fixture_ecnas() -> pd.DataFrame:
    # Two-vertex graphs have no ops; CSV turns their empty cell into NaN.
    return pd.read_csv(FIXTURES / "ecnas_4v9e_long.csv", dtype={"arch": str}).fillna({"ops": ""})
