"""Each verdict fires on data built to trigger it and stays quiet on clean data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nasdiag.diagnostics import FAIL, INSUFFICIENT, OK, WARN, Thresholds, diagnose
from nasdiag.diagnostics.verdicts import at_or_above
from tests.diagnostics.synthetic import make_trials


def _clean(**overrides):
    options = {"n_archs": 200, "arch_sd": 0.05, "noise_sd": 0.002, "proxy_noise_sd": 0.005, "baseline_offset": -0.05}
    return make_trials(np.random.default_rng(0), **(options | overrides))


def _levels(diagnosis):
    return {mode: verdict.level for mode, verdict in diagnosis.verdicts.items()}


def _failing_checks(verdict):
    return {check.name for check in verdict.checks if check.level != OK}


def test_clean_data_all_ok():
    diagnosis = diagnose(_clean(), n_resamples=200)
    assert _levels(diagnosis) == {"noise": OK, "proxy": OK, "coverage": OK}
    assert diagnosis.verdicts["noise"].fix.startswith("No action needed: seed noise is small")
    assert all(check.judged for check in diagnosis.verdicts["noise"].checks)


def test_noise_fires_on_large_seed_noise():
    diagnosis = diagnose(_clean(noise_sd=0.05), n_resamples=200)
    verdict = diagnosis.verdicts["noise"]
    assert verdict.level == FAIL
    assert {"icc", "seed_tau_top"} <= _failing_checks(verdict)
    assert "more seeds" in verdict.fix


def test_mean_of_seeds_is_judged_by_its_reliability():
    """Ranked by the mean of 3 seeds, single-seed agreement is reported but not judged; ICC(3) is."""
    single = diagnose(_clean(noise_sd=0.05), n_resamples=200)
    three = diagnose(_clean(noise_sd=0.05), n_resamples=200, ranking_seeds=3)
    checks = {check.name: check for check in three.verdicts["noise"].checks}
    assert checks["seed_tau_top"].level == OK
    assert "not judged" in checks["seed_tau_top"].message
    assert checks["seed_tau_top"].value == pytest.approx(single.noise.rank_tau_top)
    icc1 = single.noise.icc.icc
    assert checks["icc"].value == pytest.approx(3 * icc1 / (1 + 2 * icc1))
    assert checks["icc"].value > {c.name: c for c in single.verdicts["noise"].checks}["icc"].value
    assert "ICC(3)" in three.verdicts["noise"].summary
    assert "Average more than 3 seeds" in three.verdicts["noise"].fix


def test_ranking_seeds_capped_with_note():
    diagnosis = diagnose(_clean(), n_resamples=100, ranking_seeds=10)
    assert diagnosis.noise.ranking_seeds == 3
    assert any("Ranking seeds 10 is more than the 3 seeds" in note for note in diagnosis.notes)


def test_ranking_seeds_zero_means_all():
    assert diagnose(_clean(), n_resamples=100, ranking_seeds=0).noise.ranking_seeds == 3


@pytest.mark.parametrize("value", [-1, 1.5, True])
def test_ranking_seeds_must_be_a_positive_whole_number(value):
    from nasdiag.diagnostics import DiagnoseInputError

    with pytest.raises(DiagnoseInputError, match="ranking seeds"):
        diagnose(_clean(), n_resamples=100, ranking_seeds=value)


def test_noise_insufficient_with_one_seed():
    diagnosis = diagnose(_clean(n_seeds=1), n_resamples=200)
    assert diagnosis.verdicts["noise"].level == INSUFFICIENT
    assert diagnosis.verdicts["noise"].checks == ()


def test_proxy_fires_on_noisy_proxy():
    diagnosis = diagnose(_clean(proxy_noise_sd=0.2), n_resamples=200)
    verdict = diagnosis.verdicts["proxy"]
    assert verdict.level == FAIL
    assert "kendall_tau" in _failing_checks(verdict)


def test_proxy_fires_on_size_proxy():
    diagnosis = diagnose(_clean(proxy_from_size=True), n_resamples=200)
    verdict = diagnosis.verdicts["proxy"]
    assert "tracks_model_size" in _failing_checks(verdict)
    assert "model size" in verdict.fix


def test_proxy_insufficient_without_second_fidelity():
    diagnosis = diagnose(_clean(proxy_noise_sd=None), n_resamples=200)
    assert diagnosis.proxy is None
    assert diagnosis.verdicts["proxy"].level == INSUFFICIENT


def test_coverage_fails_when_baseline_clearly_better():
    diagnosis = diagnose(_clean(baseline_offset=0.05), n_resamples=200)
    verdict = diagnosis.verdicts["coverage"]
    assert verdict.level == FAIL
    assert "best_found_minus_best_baseline" in _failing_checks(verdict)


def test_coverage_warns_on_lacking_op():
    diagnosis = diagnose(_clean(baseline_ops="conv_3x3;dil_conv_5x5"), n_resamples=200)
    verdict = diagnosis.verdicts["coverage"]
    assert verdict.level == WARN
    assert _failing_checks(verdict) == {"lacking_ops"}
    assert "dil_conv_5x5" in verdict.fix


def test_coverage_warns_on_small_receptive_field():
    trials = _clean()
    trials["receptive_field"] = 7
    diagnosis = diagnose(trials, input_size=28, n_resamples=200)
    assert "rf_share_below_input" in _failing_checks(diagnosis.verdicts["coverage"])


def test_coverage_insufficient_without_baselines():
    diagnosis = diagnose(_clean(baseline_offset=None), n_resamples=200)
    assert diagnosis.verdicts["coverage"].level == INSUFFICIENT


def test_thresholds_change_the_verdict():
    strict = Thresholds(proxy_tau_warn=0.99, proxy_tau_fail=0.98)
    diagnosis = diagnose(_clean(), thresholds=strict, n_resamples=200)
    assert diagnosis.verdicts["proxy"].level == FAIL


def test_thresholds_reject_inverted_limits():
    with pytest.raises(ValueError, match="proxy_tau_fail"):
        Thresholds(proxy_tau_warn=0.3, proxy_tau_fail=0.5)
    with pytest.raises(ValueError, match="icc_warn"):
        Thresholds(icc_warn=1.5)


def test_thresholds_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Thresholds().icc_warn = 0.1  # type: ignore[misc]


@pytest.mark.parametrize(("level", "limit", "expected"), [
    (OK, WARN, False), (WARN, WARN, True), (FAIL, WARN, True), (INSUFFICIENT, WARN, True),
    (WARN, FAIL, False), (INSUFFICIENT, FAIL, False), (FAIL, FAIL, True),
])
def test_at_or_above(level, limit, expected):
    assert at_or_above(level, limit) is expected


def test_coverage_gap_within_noise_floor_is_tie():
    # The baseline leads the best architecture by a quarter of the 0.01 noise floor.
    diagnosis = diagnose(_clean(noise_sd=0.01, arch_sd=0.2, baseline_offset=0.0025), n_resamples=200)
    check = next(c for c in diagnosis.verdicts["coverage"].checks if c.name == "best_found_minus_best_baseline")
    assert check.value < 0
    assert check.level == OK
    assert "tie" in check.message


def test_coverage_gap_beyond_noise_floor_warns():
    diagnosis = diagnose(_clean(noise_sd=0.01, n_seeds=2, baseline_offset=0.03), n_resamples=200)
    check = next(c for c in diagnosis.verdicts["coverage"].checks if c.name == "best_found_minus_best_baseline")
    assert check.value < -0.01
    assert check.level in (WARN, FAIL)


def test_proxy_top_checks_skip_tied_top():
    # 200 archs of equal true quality: the target's top 10% differ by seed noise only.
    diagnosis = diagnose(_clean(arch_sd=0.0, noise_sd=0.01, proxy_noise_sd=0.01), n_resamples=200)
    checks = {c.name: c for c in diagnosis.verdicts["proxy"].checks}
    assert checks["top_kendall_tau"].level == OK
    assert "not judged" in checks["top_kendall_tau"].message
    assert "not judged" in checks["top_share_precision"].message


def test_proxy_top_checks_judged_when_spread():
    diagnosis = diagnose(_clean(proxy_noise_sd=0.2), n_resamples=200)
    checks = {c.name: c for c in diagnosis.verdicts["proxy"].checks}
    assert "not judged" not in checks["top_kendall_tau"].message


def test_fix_calls_an_expensive_difference_a_tie():
    verdict = diagnose(_clean(noise_sd=0.05), n_resamples=100).verdicts["noise"]
    assert "better reported as a tie" in verdict.fix
    assert "more than 1,000 seeds per architecture would be needed" in verdict.fix  # 3,164 by the t test
    cheap = diagnose(_clean(noise_sd=0.05), n_resamples=100, delta=0.2).noise
    assert cheap.seeds_needed <= 10
    from nasdiag.diagnostics.verdicts import noise_verdict

    assert "tie" not in noise_verdict(cheap, Thresholds()).fix


def test_coverage_insufficient_names_the_cause():
    few = diagnose(_clean(n_archs=4), n_resamples=100).verdicts["coverage"]
    assert few.level == INSUFFICIENT
    assert few.fix.startswith("Evaluate at least 5 sampled architectures")
    assert "hand-designed baseline" not in few.fix
    no_reference = diagnose(_clean(n_archs=20, baseline_offset=None), n_resamples=100).verdicts["coverage"]
    assert no_reference.level == INSUFFICIENT
    assert no_reference.fix.startswith("Add at least one hand-designed baseline")
