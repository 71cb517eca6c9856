"""The importers on the real files of the shared data folder (skipped where it is absent)."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from ingest_helpers import shared_file
from scipy.stats import spearmanr

from nasdiag.import_cmd import run_import
from nasdiag.ingest import detect_format, parse_path
from nasdiag.ingest.archs import naslib_nb201_string
from nasdiag.store import Store

pytestmark = pytest.mark.shared_data

NATS = "natsbench-landscape/nats_bench.csv"


def test_nats_table_imports_in_seconds(tmp_path):
    path = shared_file(NATS)
    started = time.perf_counter()
    _, experiment_id = run_import(path, db_path=tmp_path / "db.duckdb", metric_column="CIFAR10TestAccuracy200Epochs")
    elapsed = time.perf_counter() - started
    assert elapsed < 10.0
    trials = Store(tmp_path / "db.duckdb").load_trials(experiment_id)
    # NATS-Bench reports 6,466 unique topologies among its 15,625 cells.
    assert len(trials) == 6466
    assert trials["arch_hash"].nunique() == 6466


def test_naslib_keys_found_in_nats_table():
    nats = pd.read_csv(shared_file(NATS))
    parsed = parse_path(shared_file("naslib-zc/zc_nasbench201.json"))
    strings = set(nats["ArchitectureString"])
    keys = [trial_id.rsplit("/", 1)[0] for trial_id in parsed.trials["trial_id"]]
    mapped = {naslib_nb201_string(key) for key in keys}
    assert mapped <= strings


def test_naslib_accuracy_agrees_with_nats():
    """The key mapping is right only if NASLib's val accuracy tracks NATS test accuracy.

    The shared data's SOURCE.md reports Spearman 0.978 on cifar10 for the correct mapping.
    """
    nats = pd.read_csv(shared_file(NATS)).set_index("ArchitectureString")
    parsed = parse_path(shared_file("naslib-zc/zc_nasbench201.json"), on_duplicate="keep_last")
    target = parsed.trials.loc[parsed.trials["fidelity"] == "target"]
    strings = [naslib_nb201_string(trial_id.rsplit("/", 1)[0]) for trial_id in target["trial_id"]]
    rho = spearmanr(target["metric"], nats.loc[strings, "CIFAR10TestAccuracy200Epochs"]).statistic
    assert rho > 0.95


def test_zero_cost_negative_infinity_counted():
    parsed = parse_path(shared_file("naslib-zc/zc_nasbench201.json"), dataset="ImageNet16-120")
    assert parsed.report.n_infinite_metric >= 1


def test_macro_full_file():
    parsed = parse_path(shared_file("nasbench-macro/nas-bench-macro_cifar10.json"))
    assert parsed.report.n_archs == 6561
    assert len(parsed.trials) == 3 * 6561
    assert parsed.report.copied_seeds == ()


def test_ecnas_full_folder():
    parsed = parse_path(shared_file("ecnas-4v9e"))
    assert parsed.report.n_records == 273
    assert parsed.report.n_archs == 91
    assert parsed.report.n_skipped == 8


def test_optuna_flow_matching_pruned_trials():
    path = shared_file("optuna-flow-matching-mnist/optuna.db")
    assert detect_format(path) == "optuna"
    parsed = parse_path(path)
    assert parsed.report.status_counts == {"ok": 22, "pruned": 79, "failed": 5}
    assert parsed.maximize is False
    pruned = parsed.trials.loc[parsed.trials["status"] == "pruned"]
    assert pruned["metric"].isna().all()
    assert len(parsed.curves) == 170


def test_optuna_lightning_stale_running():
    parsed = parse_path(shared_file("optuna-lightning-hydra-mnist/optuna.db"))
    assert parsed.report.status_counts == {"ok": 6, "running": 1}
    assert parsed.report.n_stale_running == 1
    ok = parsed.trials.loc[parsed.trials["status"] == "ok", "metric"]
    assert ok.min() == pytest.approx(0.9718, abs=1e-4)
    assert ok.max() == pytest.approx(0.9818, abs=1e-4)


def test_nni_real_database():
    path = shared_file("nni-lava-dl-anneal/nni.sqlite")
    assert detect_format(path) == "nni"
    parsed = parse_path(path)
    assert parsed.report.status_counts == {"ok": 76, "running": 1}
    assert len(parsed.curves) == 1737
    assert parsed.maximize is True
    assert parsed.config["experiment_name"] == "experiment_11"
