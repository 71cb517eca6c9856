"""The DuckDB store against real database files."""

from __future__ import annotations

import math
import multiprocessing
import time

import duckdb
import pandas as pd
import pytest

from nasdiag.store import (
    SCHEMA_VERSION,
    Store,
    StoreError,
    StoreLockedError,
    TrialRecord,
    export_bundle,
    load_bundle,
)


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "db.duckdb")


def _search_experiment(store: Store) -> str:
    experiment_id = store.create_experiment(
        name="exp", kind="search", proxy_fidelities=["proxy"], target_fidelity="target",
        fidelity_specs={"proxy": ("proxy", {"epochs": 2}), "target": ("target", {"epochs": 10})},
    )
    store.upsert_architectures(experiment_id, pd.DataFrame({
        "arch_hash": ["h1", "h2"], "arch": ["A1", "A2"], "ops": ["conv_3x3;skip_connect", "conv_3x3"],
        "params": [100, 200], "flops": [1000, 2000], "receptive_field": [5, 7],
        "is_baseline": [False, True],
    }))
    return experiment_id


def _trial(trial_id: str, arch_hash: str = "h1", metric: float = 0.9, status: str = "ok") -> TrialRecord:
    return TrialRecord(trial_id=trial_id, arch_hash=arch_hash, seed=0, data_seed=0, fidelity="target",
                       metric=metric, test_metric=0.8, status=status, epochs=10, wall_time_s=0.5,
                       curve=((0, 2.0, 0.5), (1, 1.0, 0.9)))


def test_new_file_gets_current_schema(tmp_path):
    path = tmp_path / "fresh.duckdb"
    Store(path)
    con = duckdb.connect(str(path))
    version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0]
    con.close()
    assert int(version) == SCHEMA_VERSION


def test_reopening_keeps_data(tmp_path):
    path = tmp_path / "db.duckdb"
    experiment_id = _search_experiment(Store(path))
    assert Store(path).get_experiment(experiment_id)["name"] == "exp"


def test_trial_round_trip_with_curve(store):
    experiment_id = _search_experiment(store)
    assert store.add_trial(experiment_id, _trial("t1"))
    trials = store.load_trials(experiment_id)
    assert trials.loc[0, "arch"] == "A1"
    assert trials.loc[0, "metric"] == pytest.approx(0.9)
    assert trials.loc[0, "ops"] == "conv_3x3;skip_connect"
    curves = store.load_curves(experiment_id)
    assert curves["epoch"].tolist() == [0, 1]
    assert curves["val_metric"].tolist() == [0.5, 0.9]


def test_same_trial_twice_is_stored_once(store):
    experiment_id = _search_experiment(store)
    assert store.add_trial(experiment_id, _trial("t1"))
    assert not store.add_trial(experiment_id, _trial("t1", metric=0.1))
    trials = store.load_trials(experiment_id)
    assert len(trials) == 1
    assert trials.loc[0, "metric"] == pytest.approx(0.9)
    assert len(store.load_curves(experiment_id)) == 2


def test_diverged_trial_keeps_nan_metric(store):
    experiment_id = _search_experiment(store)
    store.add_trial(experiment_id, _trial("t1", metric=math.nan, status="diverged"))
    trials = store.load_trials(experiment_id)
    assert trials.loc[0, "status"] == "diverged"
    assert pd.isna(trials.loc[0, "metric"])


def test_unknown_trial_status_rejected(store):
    experiment_id = _search_experiment(store)
    with pytest.raises(StoreError, match="status 'done'"):
        store.add_trial(experiment_id, _trial("t1", status="done"))


def test_trial_for_missing_experiment_rejected(store):
    with pytest.raises(StoreError, match="not found"):
        store.add_trial("nope", _trial("t1"))


def test_list_experiments_counts_and_best(store):
    experiment_id = _search_experiment(store)
    store.add_trial(experiment_id, _trial("t1", "h1", 0.7))
    store.add_trial(experiment_id, _trial("t2", "h2", 0.95))
    row = store.list_experiments().set_index("experiment_id").loc[experiment_id]
    assert row["n_trials"] == 2
    assert row["n_archs"] == 2
    assert row["best_target_metric"] == pytest.approx(0.95)


def test_best_target_ignores_failed_trials(store):
    experiment_id = _search_experiment(store)
    store.add_trial(experiment_id, _trial("t1", "h1", 0.7))
    store.add_trial(experiment_id, _trial("t2", "h2", 0.99, status="failed"))
    row = store.list_experiments().set_index("experiment_id").loc[experiment_id]
    assert row["best_target_metric"] == pytest.approx(0.7)


def _import_frames(seed_values=(0, 1)):
    trials = pd.DataFrame({
        "trial_id": [f"t{i}" for i in range(len(seed_values))], "arch_hash": ["a"] * len(seed_values),
        "seed": list(seed_values), "fidelity": ["target"] * len(seed_values),
        "metric": [0.5, float("nan")][: len(seed_values)], "status": ["ok"] * len(seed_values),
    })
    archs = pd.DataFrame({"arch_hash": ["a"], "arch": ["A"], "ops": ["conv_3x3"]})
    return trials, archs


def test_import_is_one_transaction(store):
    trials, archs = _import_frames()
    experiment_id = store.import_experiment(name="ok", source="f.csv", source_format="csv",
                                            metric_name="acc", maximize=True, trials=trials, archs=archs)
    stored = store.load_trials(experiment_id)
    assert len(stored) == 2
    assert stored["metric"].isna().sum() == 1


def test_failed_import_leaves_database_unchanged(store):
    trials, archs = _import_frames()
    store.import_experiment(name="first", source="f.csv", source_format="csv", metric_name="acc",
                            maximize=True, trials=trials, archs=archs)
    before = store.list_experiments()
    bad = trials.assign(seed=["x", "y"])
    with pytest.raises(StoreError, match="nothing was written"):
        store.import_experiment(name="second", source="g.csv", source_format="csv", metric_name="acc",
                                maximize=True, trials=bad, archs=archs)
    after = store.list_experiments()
    assert after["experiment_id"].tolist() == before["experiment_id"].tolist()


def test_import_rejects_trials_without_architecture(store):
    trials, archs = _import_frames()
    with pytest.raises(StoreError, match="not in the architectures table"):
        store.import_experiment(name="x", source="f", source_format="csv", metric_name="acc",
                                maximize=True, trials=trials.assign(arch_hash="zzz"), archs=archs)
    assert store.list_experiments().empty


def test_quotes_in_names_are_data(store):
    name = "x'); DROP TABLE trials; --"
    experiment_id = store.create_experiment(name=name, kind="search")
    assert store.get_experiment(experiment_id)["name"] == name
    assert store.find_experiment(name) == experiment_id


def test_delete_experiment_removes_rows(store):
    experiment_id = _search_experiment(store)
    store.add_trial(experiment_id, _trial("t1"))
    store.delete_experiment(experiment_id)
    assert store.list_experiments().empty
    assert store.load_curves(experiment_id).empty


def test_cancel_request_round_trip(store):
    experiment_id = _search_experiment(store)
    assert not store.cancel_requested(experiment_id)
    store.request_cancel(experiment_id)
    assert store.cancel_requested(experiment_id)


def test_bundle_round_trip(store, tmp_path):
    experiment_id = _search_experiment(store)
    store.add_trial(experiment_id, _trial("t1"))
    export_bundle(store, experiment_id, tmp_path / "bundle")
    other = Store(tmp_path / "other.duckdb")
    assert load_bundle(other, tmp_path / "bundle") == experiment_id
    pd.testing.assert_frame_equal(other.load_trials(experiment_id), store.load_trials(experiment_id))
    pd.testing.assert_frame_equal(other.load_curves(experiment_id), store.load_curves(experiment_id))
    assert other.get_experiment(experiment_id) == store.get_experiment(experiment_id)


def _hold_lock(path: str, seconds: float, ready) -> None:
    con = duckdb.connect(path)
    ready.set()
    time.sleep(seconds)
    con.close()


def test_reader_waits_for_other_process_lock(tmp_path):
    path = tmp_path / "db.duckdb"
    store = Store(path, lock_timeout_s=30)
    experiment_id = _search_experiment(store)
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    holder = context.Process(target=_hold_lock, args=(str(path), 1.5, ready))
    holder.start()
    try:
        assert ready.wait(30)
        start = time.monotonic()
        assert store.trial_count(experiment_id) == 0
        assert time.monotonic() - start > 0.3
    finally:
        holder.join()


def test_lock_timeout_raises_clear_error(tmp_path):
    path = tmp_path / "db.duckdb"
    Store(path)
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    holder = context.Process(target=_hold_lock, args=(str(path), 3.0, ready))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(StoreLockedError, match="stayed locked"):
            Store(path, lock_timeout_s=0.3).list_experiments()
    finally:
        holder.join()
