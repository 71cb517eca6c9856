"""`run_import` end to end against a real DuckDB file, and the all-or-nothing rule."""

from __future__ import annotations

import dataclasses
import json

import pytest
from ingest_helpers import FIXTURES, write_csv

from nasdiag.import_cmd import run_import
from nasdiag.ingest import ImportFormatError, commit_import, parse_path
from nasdiag.store import Store, StoreError

MACRO = FIXTURES / "nasbench_macro_subset.json"


def _snapshot(store: Store) -> tuple:
    """Experiments and their stored row counts, to compare before and after a failed import."""
    experiments = store.list_experiments()
    counts = []
    for experiment_id in sorted(experiments["experiment_id"]):
        counts.append((
            experiment_id,
            store.trial_count(experiment_id),
            len(store.load_architectures(experiment_id)),
            len(store.load_curves(experiment_id)),
        ))
    return tuple(counts)


def test_run_import_stores_experiment(tmp_path):
    text, experiment_id = run_import(MACRO, db_path=tmp_path / "test.duckdb")
    assert "format: nasbench_macro (detected)" in text
    assert f"experiment: {experiment_id}" in text
    experiments = Store(tmp_path / "test.duckdb").list_experiments().set_index("experiment_id")
    assert experiments.loc[experiment_id, "n_trials"] == 36
    assert experiments.loc[experiment_id, "source_format"] == "nasbench_macro"
    assert experiments.loc[experiment_id, "target_fidelity"] == "target"


def test_stored_trials_match_file(tmp_path):
    db = tmp_path / "test.duckdb"
    _, experiment_id = run_import(MACRO, db_path=db, name="macro")
    trials = Store(db).load_trials(experiment_id)
    raw = json.loads(MACRO.read_text())
    stored = trials.loc[trials["arch"] == "02012100"].sort_values("seed")["metric"].tolist()
    assert stored == pytest.approx([value / 100 for value in raw["02012100"]["test_acc"]])
    assert set(trials["ops"].dropna()) >= {"mb3_k3;mb6_k5;skip_connect"}


def test_curves_and_statuses_stored(tmp_path):
    db = tmp_path / "test.duckdb"
    _, experiment_id = run_import(FIXTURES / "ecnas_subset", db_path=db)
    store = Store(db)
    assert len(store.load_curves(experiment_id)) == 36  # 12 runs x 3 checkpoints
    fidelities = store.load_fidelities(experiment_id).set_index("name")["role"].to_dict()
    assert fidelities == {"epoch_1": "proxy", "epoch_4": "target"}


def test_warnings_stored_with_experiment(tmp_path):
    db = tmp_path / "test.duckdb"
    path = write_csv(tmp_path / "runs.csv", "arch,seed,fidelity,metric\na,0,t,0.1\na,0,t,0.2\nb,0,t,\n")
    _, experiment_id = run_import(path, db_path=db)
    warnings = Store(db).get_experiment(experiment_id)["warnings"]
    assert any("duplicate" in warning for warning in warnings)
    assert any("no metric" in warning for warning in warnings)


def test_parse_error_leaves_database_unchanged(tmp_path):
    db = tmp_path / "test.duckdb"
    run_import(MACRO, db_path=db)
    before = _snapshot(Store(db))
    broken = tmp_path / "broken.json"
    broken.write_text(MACRO.read_text()[:300])
    with pytest.raises(ImportFormatError):
        run_import(broken, db_path=db, format="nasbench_macro")
    assert _snapshot(Store(db)) == before


def test_store_error_rolls_back_everything(store):
    run_import(MACRO, db_path=store.path)
    before = _snapshot(store)
    parsed = parse_path(FIXTURES / "ecnas_subset")
    # An epoch beyond INTEGER fails the curves insert, after the experiment, architecture and
    # trial rows were written in the same transaction.
    curves = parsed.curves.copy()
    curves.loc[0, "epoch"] = 2**40
    with pytest.raises(StoreError):
        commit_import(dataclasses.replace(parsed, curves=curves), store)
    assert _snapshot(store) == before


def test_unknown_input_lists_formats(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("hello")
    with pytest.raises(ImportFormatError) as error:
        run_import(path, db_path=tmp_path / "test.duckdb")
    for name in ("table", "natsbench", "nasbench_macro", "zero_cost", "ecnas", "optuna", "nni", "tensorboard"):
        assert name in str(error.value)


def test_option_of_other_format_rejected(tmp_path):
    with pytest.raises(ImportFormatError, match="metric_column"):
        run_import(MACRO, db_path=tmp_path / "test.duckdb", metric_column="x")


def test_none_options_are_ignored(tmp_path):
    _, experiment_id = run_import(MACRO, db_path=tmp_path / "test.duckdb", metric_column=None, fidelity=None)
    assert experiment_id


def test_text_options_are_converted(tmp_path):
    path = write_csv(tmp_path / "wide.csv", "arch,acc_s0,acc_s1\na,0.5,0.51\nb,0.6,0.62\n")
    text, experiment_id = run_import(
        path, db_path=tmp_path / "test.duckdb", wide="seed=acc_s0:0,acc_s1:1", fidelity="target",
        maximize="false", on_duplicate="error", max_bytes="100000",
    )
    trials = Store(tmp_path / "test.duckdb").load_trials(experiment_id)
    assert sorted(trials["seed"].unique()) == [0, 1]
    assert set(trials["fidelity"]) == {"target"}
    assert "(minimize)" in text


def test_invalid_option_value_rejected(tmp_path):
    path = write_csv(tmp_path / "runs.csv", "arch,seed,fidelity,metric\na,0,t,0.5\n")
    with pytest.raises(ImportFormatError, match="maximize"):
        run_import(path, db_path=tmp_path / "test.duckdb", maximize="perhaps")
    with pytest.raises(ImportFormatError, match="duplicate rule"):
        run_import(path, db_path=tmp_path / "test.duckdb", on_duplicate="drop")


def test_cli_import_error_exits_2(tmp_path, capsys):
    from nasdiag.cli import main

    path = write_csv(tmp_path / "runs.csv", "arch,seed,metric\na,0,0.5\n")
    code = main(["import", str(path), "--db", str(tmp_path / "test.duckdb")])
    assert code == 2
    assert "--option fidelity=target" in capsys.readouterr().err
    code = main(["import", str(path), "--db", str(tmp_path / "test.duckdb"), "--option", "fidelity=target"])
    assert code == 0
    assert "format: table (detected)" in capsys.readouterr().out


def test_long_table_gets_the_target_diagnose_chooses(tmp_path):
    """With no target recorded, the best value in the list is a target mean, not a mean over proxy and target."""
    rows = ["arch,seed,fidelity,metric"]
    for arch, proxy, target in (("a", 0.95, 0.80), ("b", 0.60, 0.90)):
        for seed in (0, 1):
            rows += [f"{arch},{seed},proxy,{proxy}", f"{arch},{seed},target,{target}"]
    path = tmp_path / "runs.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _, experiment_id = run_import(path, db_path=tmp_path / "test.duckdb")
    experiments = Store(tmp_path / "test.duckdb").list_experiments().set_index("experiment_id")
    assert experiments.loc[experiment_id, "target_fidelity"] == "target"
    assert experiments.loc[experiment_id, "best_target_metric"] == pytest.approx(0.90)
