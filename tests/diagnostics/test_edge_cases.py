"""Degenerate tables: disjoint fidelities, only baselines, constant metrics, tiny samples."""

from __future__ import annotations

import json
import math

import pandas as pd

from nasdiag.diagnostics import INSUFFICIENT, diagnose


def _rows(specs):
    return pd.DataFrame([dict(zip(("arch", "seed", "fidelity", "metric"), spec, strict=True)) for spec in specs])


def test_disjoint_fidelities_give_insufficient_proxy():
    trials = _rows([(f"a{i}", s, "proxy", 0.1 * i) for i in range(5) for s in range(2)]
                   + [(f"b{i}", s, "target", 0.1 * i) for i in range(5) for s in range(2)])
    diagnosis = diagnose(trials, proxy="proxy", target="target", n_resamples=50)
    assert diagnosis.proxy.n_common == 0
    assert diagnosis.proxy.n_proxy_only == 5
    assert math.isnan(diagnosis.proxy.correlation.kendall_tau)
    assert diagnosis.verdicts["proxy"].level == INSUFFICIENT
    json.dumps(diagnosis.to_dict(), allow_nan=False)


def test_only_baselines_does_not_raise():
    trials = _rows([("resnet", s, "target", 0.9 + 0.01 * s) for s in range(3)]).assign(is_baseline=1)
    diagnosis = diagnose(trials, n_resamples=50)
    assert diagnosis.coverage.n_sampled_archs == 0
    assert diagnosis.noise.top.empty
    assert diagnosis.verdicts["coverage"].level == INSUFFICIENT
    json.dumps(diagnosis.to_dict(), allow_nan=False)


def test_constant_metric_gives_nan_not_error():
    trials = _rows([(f"a{i}", s, f, 0.5) for i in range(12) for s in range(3) for f in ("proxy", "target")])
    diagnosis = diagnose(trials, n_resamples=50)
    assert diagnosis.noise.noise_floor.sd == 0
    assert math.isnan(diagnosis.noise.icc.icc)
    assert math.isnan(diagnosis.proxy.correlation.kendall_tau)
    assert diagnosis.verdicts["proxy"].level == INSUFFICIENT
    payload = json.loads(json.dumps(diagnosis.to_dict(), allow_nan=False))
    assert payload["proxy"]["kendall_tau"] is None


def test_single_architecture():
    diagnosis = diagnose(_rows([("a", s, "target", 0.5 + 0.01 * s) for s in range(3)]), n_resamples=50)
    assert diagnosis.noise.n_archs == 1
    assert math.isnan(diagnosis.noise.top_gap)
    assert diagnosis.verdicts["noise"].level == INSUFFICIENT
