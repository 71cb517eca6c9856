"""The JSON form of a Diagnosis (documented field by field in docs/diagnose-json.md)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from nasdiag.diagnostics.rank import RankCorrelation

if TYPE_CHECKING:
    from nasdiag.diagnostics.diagnosis import Diagnosis

SCHEMA_VERSION = 1
# Architectures listed per table in the JSON; the full tables stay on the Python objects.
MAX_LISTED = 10


def json_safe(value: Any) -> Any:
    """Convert numpy and pandas values to JSON types; NaN and infinities become None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return value if isinstance(value, str) else str(value)


def _records(frame: pd.DataFrame, index_name: str, limit: int | None = MAX_LISTED) -> list[dict]:
    rows = frame if limit is None else frame.head(limit)
    out = rows.reset_index().rename(columns={rows.index.name or "index": index_name})
    return [json_safe(r) for r in out.to_dict(orient="records")]


def _correlation(result: RankCorrelation) -> dict:
    return result.to_dict()


def _noise(d: Diagnosis) -> dict:
    noise = d.noise
    verdict = d.verdicts["noise"]
    return {
        "verdict": verdict.level,
        "summary": verdict.summary,
        "fix": verdict.fix,
        "checks": [c.to_dict() for c in verdict.checks],
        "fidelity": noise.fidelity,
        "n_archs": noise.n_archs,
        "n_multi_seed_archs": noise.n_multi_seed_archs,
        "max_seeds": noise.max_seeds,
        "noise_floor": noise.noise_floor.sd,
        "noise_floor_ci": list(noise.noise_floor.ci),
        "noise_floor_df": noise.noise_floor.df,
        "between_arch_sd": noise.between_arch_sd,
        "icc": noise.icc.icc,
        "icc_ci": list(noise.icc.ci),
        "rank_stability": {
            "kendall_tau_all": noise.rank_tau_all,
            "kendall_tau_top": noise.rank_tau_top,
            "top_quantile": noise.top_quantile,
            "top_label": noise.top_label,
            "pairs": [vars(p) for p in noise.rank_stability],
        },
        "winners_curse": noise.winners_curse,
        "winners_curse_per_seed": list(noise.winners_curse_per_seed),
        "winners_curse_archs": list(noise.winners_curse_archs),
        "ranking_seeds": noise.ranking_seeds,
        "icc_ranking": noise.icc_ranking,
        "icc_ranking_ci": list(noise.icc_ranking_ci),
        "winners_curse_ranking": noise.winners_curse_ranking,
        "top_gap": noise.top_gap,
        "seeds_needed": {
            "delta": noise.delta,
            "delta_source": noise.delta_source,
            "seeds": noise.seeds_needed,
            "alpha": 0.05,
            "power": 0.8,
            "curve": _records(noise.seeds_curve.set_index("effect_size"), "effect_size", None),
        },
        "top": _records(noise.top.drop(columns="seeds"), "arch"),
        "prob_best_resamples": noise.prob_best_resamples,
    }


def _proxy(d: Diagnosis) -> dict:
    verdict = d.verdicts["proxy"]
    base = {"verdict": verdict.level, "summary": verdict.summary, "fix": verdict.fix,
            "checks": [c.to_dict() for c in verdict.checks]}
    proxy = d.proxy
    if proxy is None:
        return base | {"proxy": None, "target": d.target, "kendall_tau": None, "spearman_rho": None}
    corr = proxy.correlation
    return base | {
        "proxy": proxy.proxy,
        "target": proxy.target,
        "n_common": proxy.n_common,
        "n_proxy_only": proxy.n_proxy_only,
        "n_target_only": proxy.n_target_only,
        "kendall_tau": corr.kendall_tau,
        "kendall_tau_ci": list(corr.kendall_tau_ci),
        "spearman_rho": corr.spearman_rho,
        "spearman_rho_ci": list(corr.spearman_rho_ci),
        "n_resamples": corr.n_resamples,
        "top": _correlation(proxy.top_correlation) | {"quantile": proxy.top_quantile, "label": proxy.top_label},
        "top_k": [vars(o) for o in proxy.top_k],
        "proxy_pick": proxy.proxy_pick,
        "target_best": proxy.target_best,
        "regret": proxy.regret,
        "proxy_pick_target_rank": proxy.proxy_pick_target_rank,
        "best_baseline": proxy.best_baseline,
        "best_baseline_target": proxy.best_baseline_target,
        "proxy_top_beats_baseline": {str(k): v for k, v in proxy.proxy_top_beats_baseline.items()},
        "model_size": vars(proxy.model_size),
        "fidelity_matrix": proxy.fidelity_matrix.to_dict(),
        "epoch_matrix": proxy.epoch_matrix.to_dict() if proxy.epoch_matrix is not None else None,
    }


def _coverage(d: Diagnosis) -> dict:
    coverage = d.coverage
    verdict = d.verdicts["coverage"]
    gap = coverage.baseline_gap
    rf = coverage.receptive_field
    return {
        "verdict": verdict.level,
        "summary": verdict.summary,
        "fix": verdict.fix,
        "checks": [c.to_dict() for c in verdict.checks],
        "fidelity": coverage.fidelity,
        "space_ops": list(coverage.space_ops),
        "space_ops_source": coverage.space_ops_source,
        "baseline_ops": list(coverage.baseline_ops),
        "lacking_ops": list(coverage.lacking_ops),
        "baselines": _records(coverage.baselines, "arch", None),
        "ops": _records(coverage.op_stats, "op", None),
        "n_top": coverage.n_top,
        "receptive_field": vars(rf),
        "n_sampled_archs": coverage.n_sampled_archs,
        "n_distinct_hashes": coverage.n_distinct_hashes,
        "n_duplicate_trials": coverage.n_duplicate_trials,
        "cardinality": coverage.cardinality,
        "share_evaluated": coverage.share_evaluated,
        "baseline_gap": vars(gap) | {"gap_ci": list(gap.gap_ci)},
    }


def diagnosis_to_dict(d: Diagnosis) -> dict:
    """Convert the whole diagnosis to one JSON-safe dict with keys summary, noise, proxy, coverage."""
    summary = {
        "schema_version": SCHEMA_VERSION,
        "verdicts": {mode: v.level for mode, v in d.verdicts.items()},
        "worst": d.worst_level,
        "target": d.target,
        "proxy": d.proxy_fidelity,
        "maximize": d.maximize,
        "trials": d.excluded.to_dict(),
        "notes": list(d.notes),
        "thresholds": vars(d.thresholds),
    }
    return json_safe({"summary": summary, "noise": _noise(d), "proxy": _proxy(d), "coverage": _coverage(d)})
