"""run_diagnose on files written to disk, as the CLI calls it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nasdiag.diagnose_cmd import DiagnoseInputError, run_diagnose
from tests.diagnostics.synthetic import make_trials


@pytest.fixture()
def csv_path(tmp_path):
    trials = make_trials(np.random.default_rng(0), n_archs=40, baseline_offset=-0.05)
    path = tmp_path / "trials.csv"
    trials.to_csv(path, index=False)
    return path


def test_json_output_has_required_keys(csv_path):
    text, status = run_diagnose(csv_path, json_out=True, n_resamples=100)
    payload = json.loads(text)
    assert status == 0
    assert set(payload) == {"summary", "noise", "proxy", "coverage"}
    for mode in ("noise", "proxy", "coverage"):
        assert payload[mode]["verdict"] in ("ok", "warn", "fail", "insufficient data")
    assert isinstance(payload["proxy"]["kendall_tau"], float)
    assert isinstance(payload["proxy"]["spearman_rho"], float)
    assert isinstance(payload["noise"]["noise_floor"], float)


def test_parquet_input(tmp_path):
    trials = make_trials(np.random.default_rng(1), n_archs=20)
    path = tmp_path / "trials.parquet"
    trials.to_parquet(path)
    text, status = run_diagnose(path, json_out=True, n_resamples=50)
    assert json.loads(text)["summary"]["target"] == "target"


def test_text_output_names_verdicts(csv_path):
    text, status = run_diagnose(csv_path, n_resamples=50)
    assert "Evaluation noise:" in text
    assert "Proxy vs target:" in text
    assert str(csv_path) in text


def test_fail_on_levels(tmp_path):
    noisy = make_trials(np.random.default_rng(2), n_archs=60, noise_sd=0.05, baseline_offset=-0.05)
    path = tmp_path / "noisy.csv"
    noisy.to_csv(path, index=False)
    assert run_diagnose(path, fail_on="fail", n_resamples=50)[1] == 1
    assert run_diagnose(path, fail_on=None, n_resamples=50)[1] == 0


def test_fail_on_warn_passes_clean_run(tmp_path):
    clean = make_trials(np.random.default_rng(0), n_archs=200, baseline_offset=-0.05)
    path = tmp_path / "clean.csv"
    clean.to_csv(path, index=False)
    assert run_diagnose(path, fail_on="warn", n_resamples=100)[1] == 0


def test_dataframe_source():
    trials = make_trials(np.random.default_rng(3), n_archs=20)
    text, _ = run_diagnose(trials, json_out=True, n_resamples=50)
    assert json.loads(text)["summary"]["trials"]["n_rows"] == len(trials)


@pytest.mark.parametrize(("content", "message"), [
    ("arch,seed,metric\na,0,0.5\n", r"missing column\(s\) \['fidelity'\]"),
    ("", "is empty"),
    ("arch,seed,fidelity,metric\n", "header but no rows"),
    ("arch,seed,fidelity,metric\na,0,target,high\n", "column 'metric' must be numeric.*'high'"),
    ("arch,seed,fidelity,metric\na,first,target,0.5\n", "column 'seed' must contain whole numbers.*'first'"),
    ("arch,seed,fidelity,metric,is_baseline\na,0,target,0.5,perhaps\n", "is_baseline"),
])
def test_bad_csv_raises_named_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DiagnoseInputError, match=message):
        run_diagnose(path)


def test_missing_file_and_bad_fail_on(tmp_path, csv_path):
    with pytest.raises(DiagnoseInputError, match="not found"):
        run_diagnose(tmp_path / "nope.csv")
    with pytest.raises(DiagnoseInputError, match="--fail-on"):
        run_diagnose(csv_path, fail_on="error")


def test_error_is_value_error():
    assert issubclass(DiagnoseInputError, ValueError)


def test_store_context_passed_through():
    trials = make_trials(np.random.default_rng(4), n_archs=20, baseline_offset=0.0,
                         baseline_ops="conv_3x3;dil_conv_3x3")
    curves = pd.DataFrame([{"arch": f"a{i:04d}", "seed": 0, "fidelity": "target", "epoch": e, "val_metric": 0.1 * e + i}
                           for i in range(20) for e in range(1, 4)])
    membership = pd.DataFrame({"baseline": ["resnet_like"], "in_space": [False], "distance": [2]})
    text, _ = run_diagnose(trials, json_out=True, n_resamples=50, space_ops=("conv_3x3", "conv_5x5"),
                           cardinality=400, input_size=28, baseline_membership=membership, curves=curves)
    payload = json.loads(text)
    assert payload["coverage"]["share_evaluated"] == pytest.approx(20 / 400)
    assert payload["coverage"]["lacking_ops"] == ["dil_conv_3x3"]
    assert payload["coverage"]["baselines"][0]["in_space"] is False
    assert payload["proxy"]["epoch_matrix"]["labels"] == ["epoch 1", "epoch 2", "epoch 3"]
