"""The Import page: upload or path, preview, column mapping, validation report, commit."""

from __future__ import annotations

import pandas as pd

from nasdiag.store import Store
from tests.ui.conftest import open_app

LONG_CSV = (
    "model,run,acc,budget\n"
    "a,0,0.90,target\na,1,0.91,target\nb,0,0.80,target\nb,1,0.82,target\nc,0,0.85,target\nc,1,0.84,target\n"
)


def _upload(app, name: str, payload: bytes):
    app.get("file_uploader")[0].set_value((name, payload, "text/csv"))
    return app.run()


def test_user_uploads_long_csv_with_own_column_names(db_path, user_dirs):
    app = open_app("import")
    _upload(app, "runs.csv", LONG_CSV.encode())
    assert not app.exception
    assert app.selectbox(key="map_arch").value == "model"
    assert app.selectbox(key="map_metric").value == "acc"
    app.button(key="import_validate").click().run()
    assert [metric.value for metric in app.metric][:3] == ["6", "3", "2"]
    app.button(key="import_commit").click().run()
    assert not app.exception
    experiments = Store(db_path).list_experiments()
    assert experiments["name"].tolist() == ["mapped-runs.parquet"]
    assert app.query_params["experiment"] == experiments["experiment_id"][0]


def test_user_imports_wide_table_by_seed(db_path, user_dirs, tmp_path):
    path = tmp_path / "wide.csv"
    pd.DataFrame({"arch": ["a", "b", "c"], "acc_s0": [0.9, 0.8, 0.85], "acc_s1": [0.91, 0.82, 0.84]}).to_csv(
        path, index=False)
    app = open_app("import")
    app.radio(key="import_source").set_value("Path on this machine").run()
    app.text_input(key="import_path").input(str(path)).run()
    app.radio(key="import_shape").set_value("wide: one column per seed").run()
    app.multiselect(key="import_value_columns").set_value(["acc_s0", "acc_s1"]).run()
    app.button(key="import_validate").click().run()
    assert not app.exception
    assert not app.error
    app.button(key="import_commit").click().run()
    trials = Store(db_path).load_trials(app.query_params["experiment"])
    assert sorted(trials["seed"].unique().tolist()) == [0, 1]
    assert len(trials) == 6


def test_hidden_upload_name_is_rejected(db_path, user_dirs):
    app = open_app("import")
    _upload(app, ".env", LONG_CSV.encode())
    assert not app.exception
    assert any("upload was rejected" in error.value for error in app.error)


def test_non_numeric_metric_shows_line_and_fix(db_path, user_dirs):
    app = open_app("import")
    _upload(app, "bad.csv", b"arch,seed,fidelity,metric\na,0,target,0.9\nb,0,target,high\n")
    app.button(key="import_validate").click().run()
    assert not app.exception
    errors = " ".join(error.value for error in app.error)
    assert "cannot be imported" in errors
    assert "high" in errors
    assert Store(db_path).list_experiments().empty


def test_missing_path_is_reported(db_path, user_dirs, tmp_path):
    app = open_app("import")
    app.radio(key="import_source").set_value("Path on this machine").run()
    app.text_input(key="import_path").input(str(tmp_path / "nope.csv")).run()
    assert any("does not exist" in error.value for error in app.error)
