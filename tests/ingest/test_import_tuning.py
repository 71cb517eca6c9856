"""Tuning-tool logs: a real Optuna storage, an NNI database in NNI's layout, TensorBoard CSVs."""

from __future__ import annotations

import math

import optuna
import pytest
from ingest_helpers import build_nni_db, write_csv
from optuna.trial import TrialState

from nasdiag.ingest import ImportFormatError, detect_format, parse_path

OPS = ["conv_3x3", "skip_connect", "max_pool_3x3"]


def _optuna_storage(tmp_path, *, second_direction: str | None = None):
    """Create a real Optuna SQLite storage with every trial state the importer handles."""
    path = tmp_path / "optuna.db"
    storage = f"sqlite:///{path}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        storage=storage, study_name="cells", direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    plan = [
        ({"op": "conv_3x3", "width": 16}, TrialState.COMPLETE, [0.50, 0.70, 0.80]),
        ({"op": "skip_connect", "width": 8}, TrialState.COMPLETE, [0.40, 0.45, 0.50]),
        ({"op": "conv_3x3", "width": 16}, TrialState.COMPLETE, [0.52, 0.71, 0.82]),  # a repeat
        ({"op": "max_pool_3x3", "width": 8}, TrialState.PRUNED, [0.20, 0.25]),
        ({"op": "skip_connect", "width": 24}, TrialState.FAIL, []),
    ]
    for params, state, curve in plan:
        study.enqueue_trial(params)
        trial = study.ask()
        trial.suggest_categorical("op", OPS)
        trial.suggest_int("width", 8, 32, step=8)
        for step, value in enumerate(curve):
            trial.report(value, step)
        if state == TrialState.COMPLETE:
            study.tell(trial, curve[-1])
        else:
            study.tell(trial, state=state)
    study.enqueue_trial({"op": "conv_3x3", "width": 32})
    running = study.ask()  # no tell(): the trial stays RUNNING, as after a crash
    running.suggest_categorical("op", OPS)
    running.suggest_int("width", 8, 32, step=8)
    if second_direction is not None:
        other = optuna.create_study(storage=storage, study_name="other", direction=second_direction)
        other.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    return path


@pytest.fixture(scope="module")
def optuna_db(tmp_path_factory):
    """One storage shared by the tests that only read it (building one takes about 2 s)."""
    return _optuna_storage(tmp_path_factory.mktemp("optuna"))


def test_optuna_statuses_and_values(optuna_db):
    path = optuna_db
    assert detect_format(path) == "optuna"
    parsed = parse_path(path)
    trials = parsed.trials.set_index("trial_id")
    assert parsed.report.status_counts == {"ok": 3, "pruned": 1, "failed": 1, "running": 1}
    assert parsed.report.n_stale_running == 1
    assert any("stale" in message and "cells#5" in message for message in parsed.report.messages)
    assert parsed.maximize is True
    assert trials.loc["cells#0", "metric"] == 0.80
    assert trials.loc["cells#0", "arch"] == "op=conv_3x3 width=16"


def test_optuna_pruned_value_not_a_result(optuna_db):
    parsed = parse_path(optuna_db)
    pruned = parsed.trials.set_index("trial_id").loc["cells#3"]
    assert pruned["status"] == "pruned"
    assert math.isnan(pruned["metric"])
    assert pruned["epochs"] == 1  # the last step it reported
    curve = parsed.curves.loc[parsed.curves["trial_id"] == "cells#3"]
    assert curve["val_metric"].tolist() == [0.20, 0.25]
    assert any("pruned" in message for message in parsed.report.messages)


def test_optuna_repeats_become_seeds(optuna_db):
    parsed = parse_path(optuna_db)
    repeats = parsed.trials.loc[parsed.trials["arch"] == "op=conv_3x3 width=16"].sort_values("trial_id")
    assert repeats["seed"].tolist() == [0, 1]
    # Configurations run once are not reported as missing seeds.
    assert parsed.report.n_archs_missing_seeds == 0


def test_optuna_categorical_choices_are_ops(optuna_db):
    archs = parse_path(optuna_db).archs.set_index("arch")
    assert archs.loc["op=max_pool_3x3 width=8", "ops"] == "op=max_pool_3x3"


def test_optuna_step_fidelities_on_request(optuna_db):
    path = optuna_db
    assert parse_path(path).report.fidelities == ("target",)
    parsed = parse_path(path, step_fidelities=True)
    assert parsed.report.fidelities == ("step_0", "step_1", "step_2", "target")
    step_1 = parsed.trials.loc[parsed.trials["fidelity"] == "step_1"].set_index("trial_id")
    assert step_1.loc["cells#3/step_1", "metric"] == 0.25


def test_optuna_arch_params_subset(optuna_db):
    parsed = parse_path(optuna_db, arch_params=["op"])
    assert set(parsed.trials["arch"]) == {"op=conv_3x3", "op=skip_connect", "op=max_pool_3x3"}
    with pytest.raises(ImportFormatError, match="depth"):
        parse_path(optuna_db, arch_params=["depth"])


def test_optuna_mixed_directions_need_study(tmp_path):
    path = _optuna_storage(tmp_path, second_direction="minimize")
    with pytest.raises(ImportFormatError) as error:
        parse_path(path)
    assert "--option study=NAME" in str(error.value)
    parsed = parse_path(path, study="cells")
    assert parsed.config["studies"] == ["cells"]


def test_optuna_same_direction_studies_import_together(tmp_path):
    parsed = parse_path(_optuna_storage(tmp_path, second_direction="maximize"))
    assert parsed.config["studies"] == ["cells", "other"]
    assert {"cells#0", "other#0", "other#1"} <= set(parsed.trials["trial_id"])


def test_optuna_file_opened_read_only(optuna_db):
    path = optuna_db
    before = path.read_bytes()
    parse_path(path)
    assert path.read_bytes() == before


def test_truncated_sqlite_is_rejected(optuna_db, tmp_path):
    path = optuna_db
    cut = tmp_path / "cut.db"
    cut.write_bytes(path.read_bytes()[:6000])
    with pytest.raises(ImportFormatError):
        parse_path(cut, format="optuna")


NNI_CONFIG = {"experimentName": "demo", "tuner": {"name": "TPE", "classArgs": {"optimize_mode": "maximize"}}}


def _nni_db(tmp_path):
    trials = [
        {"id": "AAAAA", "params": {"lr": 0.1, "layers": 2}, "events": ["WAITING", "RUNNING", "SUCCEEDED"],
         "periodical": [40.0, 55.5, 60.25], "final": 61.5},
        {"id": "BBBBB", "params": {"lr": 0.01, "layers": 3}, "events": ["WAITING", "RUNNING", "SUCCEEDED"],
         "periodical": [30.0, 35.0], "final": {"default": 36.0, "loss": 1.2}},
        {"id": "CCCCC", "params": {"lr": 0.1, "layers": 2}, "events": ["WAITING", "RUNNING"],
         "periodical": [41.0]},
        {"id": "DDDDD", "params": {"lr": 0.5, "layers": 1}, "events": ["WAITING", "RUNNING", "FAILED"],
         "periodical": []},
    ]
    older = {**NNI_CONFIG, "tuner": {"name": "TPE", "classArgs": {"optimize_mode": "minimize"}}}
    return build_nni_db(tmp_path / "nni.sqlite", trials=trials, revisions=[older, NNI_CONFIG])


def test_nni_final_and_curves(tmp_path):
    path = _nni_db(tmp_path)
    assert detect_format(path) == "nni"
    parsed = parse_path(path)
    trials = parsed.trials.set_index("trial_id")
    assert trials.loc["AAAAA", "metric"] == 61.5
    assert trials.loc["BBBBB", "metric"] == 36.0  # the "default" key of a dict result
    curve = parsed.curves.loc[parsed.curves["trial_id"] == "AAAAA"]
    assert curve["val_metric"].tolist() == [40.0, 55.5, 60.25]
    assert curve["epoch"].tolist() == [0, 1, 2]


def test_nni_latest_revision_sets_direction(tmp_path):
    assert parse_path(_nni_db(tmp_path)).maximize is True


def test_nni_unfinished_trial_flagged(tmp_path):
    parsed = parse_path(_nni_db(tmp_path))
    trials = parsed.trials.set_index("trial_id")
    assert trials.loc["CCCCC", "status"] == "running"
    assert math.isnan(trials.loc["CCCCC", "metric"])
    assert trials.loc["DDDDD", "status"] == "failed"
    assert parsed.report.n_stale_running == 1
    assert any("CCCCC" in message for message in parsed.report.messages)
    # CCCCC repeats AAAAA's configuration, so it is that configuration's second run.
    assert trials.loc["CCCCC", "seed"] == 1


def test_nni_metric_not_number_names_trial(tmp_path):
    trials = [{"id": "EEEEE", "params": {"lr": 0.1}, "events": ["WAITING", "RUNNING", "SUCCEEDED"],
               "periodical": ["oops"], "final": 1.0}]
    path = build_nni_db(tmp_path / "nni.sqlite", trials=trials, revisions=[NNI_CONFIG])
    with pytest.raises(ImportFormatError) as error:
        parse_path(path)
    assert "EEEEE" in str(error.value)


TB_CSV = """
Wall time,Step,Value
1700000000.0,0,0.30
1700000010.0,1,0.55
1700000020.0,2,0.61
"""


def test_tensorboard_requires_fidelity(tmp_path):
    path = write_csv(tmp_path / "run-convnet_seed1-tag-val_acc.csv", TB_CSV)
    assert detect_format(path) == "tensorboard"
    with pytest.raises(ImportFormatError, match="--option fidelity=target"):
        parse_path(path)


def test_tensorboard_run_name_gives_arch_and_seed(tmp_path):
    path = write_csv(tmp_path / "run-convnet_seed1-tag-val_acc.csv", TB_CSV)
    parsed = parse_path(path, fidelity="target")
    trial = parsed.trials.iloc[0]
    assert trial["arch"] == "convnet"
    assert trial["seed"] == 1
    assert trial["metric"] == 0.61
    assert trial["epochs"] == 2
    assert trial["wall_time_s"] == 20.0
    assert parsed.curves["val_metric"].tolist() == [0.30, 0.55, 0.61]
    assert parsed.metric_name == "val_acc"


def test_tensorboard_folder_of_runs(tmp_path):
    for seed in (0, 1):
        write_csv(tmp_path / f"run-convnet_seed{seed}-tag-val_acc.csv", TB_CSV.replace("0.61", f"0.6{seed}"))
    write_csv(tmp_path / "run-mlp_seed0-tag-val_acc.csv", TB_CSV)
    parsed = parse_path(tmp_path, fidelity="target")
    assert parsed.format == "tensorboard"
    assert parsed.report.n_archs == 2
    assert parsed.report.n_archs_missing_seeds == 1  # mlp lacks seed 1


def test_tensorboard_arch_flag_for_single_file(tmp_path):
    path = write_csv(tmp_path / "scalars.csv", TB_CSV)
    parsed = parse_path(path, fidelity="target", arch="resnet18")
    assert parsed.trials["arch"].tolist() == ["resnet18"]


def test_tensorboard_bad_value_names_line(tmp_path):
    path = write_csv(tmp_path / "scalars.csv", TB_CSV.replace("0.55", "abc"))
    with pytest.raises(ImportFormatError) as error:
        parse_path(path, fidelity="target")
    assert error.value.location == "line 3"
    assert error.value.column == "Value"
