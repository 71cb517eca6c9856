"""diagnose(): input handling, fidelity choice, JSON form."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nasdiag.diagnostics import DiagnoseInputError, choose_fidelities, clean_trials, diagnose
from tests.diagnostics.synthetic import make_trials


def _trials():
    return make_trials(np.random.default_rng(0), n_archs=40, baseline_offset=-0.05)


def test_to_dict_is_strict_json():
    trials = _trials()
    trials["receptive_field"] = np.nan  # unknown values must become null, not NaN
    payload = diagnose(trials, n_resamples=100).to_dict()
    text = json.dumps(payload, allow_nan=False)
    assert set(json.loads(text)) == {"summary", "noise", "proxy", "coverage"}
    assert payload["proxy"]["kendall_tau"] is not None
    assert payload["noise"]["noise_floor"] > 0
    assert payload["coverage"]["receptive_field"]["rho_with_metric"] is None
    assert payload["summary"]["verdicts"]["noise"] in ("ok", "warn", "fail", "insufficient data")


def test_failed_and_missing_trials_counted_not_averaged():
    trials = _trials()
    trials.loc[0, "status"] = "diverged"
    trials.loc[0, "metric"] = 1e9  # must not leak into any mean
    trials.loc[1, "metric"] = np.nan
    trials["status"] = trials["status"].fillna("ok")
    diagnosis = diagnose(trials, n_resamples=100)
    assert diagnosis.excluded.by_status == {"diverged": 1}
    assert diagnosis.excluded.n_missing_metric == 1
    assert diagnosis.excluded.n_used == len(trials) - 2
    assert diagnosis.noise.per_arch["mean"].max() < 2
    assert any("left out" in note for note in diagnosis.notes)


def test_same_seed_same_result_other_seed_differs():
    trials = _trials()
    first = diagnose(trials, seed=1, n_resamples=100).to_dict()
    again = diagnose(trials, seed=1, n_resamples=100).to_dict()
    other = diagnose(trials, seed=2, n_resamples=100).to_dict()
    assert first == again
    assert first["proxy"]["kendall_tau_ci"] != other["proxy"]["kendall_tau_ci"]


def test_maximize_false_mirrors_negated_metric():
    trials = _trials()
    errors = trials.assign(metric=1 - trials["metric"])
    up = diagnose(trials, n_resamples=100)
    down = diagnose(errors, maximize=False, n_resamples=100)
    assert down.proxy.correlation.kendall_tau == pytest.approx(up.proxy.correlation.kendall_tau)
    assert down.proxy.proxy_pick == up.proxy.proxy_pick
    assert down.noise.noise_floor.sd == pytest.approx(up.noise.noise_floor.sd)
    assert down.coverage.baseline_gap.gap == pytest.approx(up.coverage.baseline_gap.gap)


@pytest.mark.parametrize(("fidelities", "epochs", "expected"), [
    (["proxy", "target"], None, ("proxy", "target")),
    (["epoch_12", "epoch_200", "epoch_1"], None, ("epoch_1", "epoch_200")),
    (["short", "long"], {"short": 5, "long": 50}, ("short", "long")),
])
def test_choose_fidelities(fidelities, epochs, expected):
    rows = pd.DataFrame({"arch": "a", "seed": 0, "fidelity": fidelities, "metric": 0.5})
    if epochs:
        rows["epochs"] = rows["fidelity"].map(epochs)
    table, _ = clean_trials(rows)
    proxy, target, notes = choose_fidelities(table, None, None)
    assert (proxy, target) == expected
    assert any("--target" in note for note in notes)


def test_unknown_fidelity_rejected():
    with pytest.raises(DiagnoseInputError, match="'epoch_9' is not in the table"):
        diagnose(_trials(), target="epoch_9")


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.drop(columns="seed"), r"missing column\(s\) \['seed'\]"),
    (lambda t: t.iloc[0:0], "empty"),
    (lambda t: t.assign(metric="high"), "column 'metric' must be numeric"),
    (lambda t: t.assign(is_baseline="maybe"), "is_baseline"),
    (lambda t: t.assign(status="failed"), "no usable trials"),
])
def test_bad_tables_raise_named_errors(change, message):
    with pytest.raises(DiagnoseInputError, match=message):
        diagnose(change(_trials()))


def test_single_fidelity_has_no_proxy():
    trials = _trials()
    diagnosis = diagnose(trials.loc[trials["fidelity"] == "target"], n_resamples=100)
    assert diagnosis.proxy is None
    assert diagnosis.to_dict()["proxy"]["kendall_tau"] is None


def test_duplicate_rows_noted():
    from tests.diagnostics.synthetic import make_trials

    trials = make_trials(np.random.default_rng(0), n_archs=20)
    doubled = pd.concat([trials, trials.head(10)], ignore_index=True)
    notes = diagnose(doubled, n_resamples=50).notes
    assert any("10 rows repeat" in note for note in notes)
