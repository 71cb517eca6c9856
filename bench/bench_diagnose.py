"""Time a full ``diagnose`` on NAS-Bench-Macro against a plain pandas + scipy version.

Data: NAS-Bench-Macro (6,561 architectures x 3 CIFAR-10 seeds) from
the shared data folder beside the repository (shared/data/nasbench-macro), or with --fixture the 2,000-architecture subset in
tests/fixtures/diagnostics. The benchmark has one fidelity, so a proxy fidelity is
synthesised per trial with ``numpy.random.default_rng(0)``:

    proxy = test_acc - 3 + 0.8 * zscore(log(params)) + Normal(0, 0.6)

(a cheaper, noisier run that partly follows model size). Both sides compute the same
figures: per-arch seed statistics, pooled noise floor, ICC(1), seed-vs-seed Kendall tau
over all and top-10% archs, probability of best, winner's curse, proxy-vs-target Kendall
tau and Spearman rho with 1,000-resample percentile bootstrap intervals over all and
top-10% archs, top-k overlaps and the op statistics. The reference uses groupby,
scipy.stats.kendalltau / spearmanr / fisher_exact and scipy.stats.bootstrap.

Run: python bench/bench_diagnose.py [--repeats 3] [--fixture]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nasdiag.diagnostics import diagnose  # noqa: E402
from tests.diagnostics.benchmark_tables import FIXTURES, SHARED, load_macro  # noqa: E402

N_RESAMPLES = 1000


def two_fidelity_macro(use_fixture: bool) -> tuple[pd.DataFrame, str]:
    path = SHARED / "nasbench-macro" / "nas-bench-macro_cifar10.json"
    if use_fixture or not path.is_file():
        path = FIXTURES / "nasbench_macro_2000.json"
    target = load_macro(path)
    rng = np.random.default_rng(0)
    log_params = np.log(target["params"].to_numpy(dtype=float))
    size = (log_params - log_params.mean()) / log_params.std()
    proxy = target.assign(fidelity="proxy",
                          metric=target["metric"] - 3 + 0.8 * size + rng.normal(0, 0.6, len(target)))
    return pd.concat([target, proxy], ignore_index=True), str(path)


def reference_figures(trials: pd.DataFrame, seed: int = 0) -> dict:
    """The same figures as diagnose, written the straightforward way with pandas and scipy."""
    rng = np.random.default_rng(seed)
    target = trials.loc[trials["fidelity"] == "target"]
    grouped = target.groupby("arch")["metric"]
    per_arch = pd.DataFrame({"n": grouped.size(), "mean": grouped.mean(), "sd": grouped.std(ddof=1)})
    per_arch["half"] = stats.t.ppf(0.975, per_arch["n"] - 1) * per_arch["sd"] / np.sqrt(per_arch["n"])
    df = (per_arch["n"] - 1).sum()
    floor = math.sqrt(((per_arch["n"] - 1) * per_arch["sd"] ** 2).sum() / df)
    floor_ci = (math.sqrt(df * floor**2 / stats.chi2.ppf(0.975, df)), math.sqrt(df * floor**2 / stats.chi2.ppf(0.025, df)))
    f, _ = stats.f_oneway(*[g.to_numpy() for _, g in grouped])
    icc = (f - 1) / (f - 1 + per_arch["n"].mean())

    seeds = target.pivot_table(index="arch", columns="seed", values="metric")
    top = per_arch["mean"].nlargest(math.ceil(0.1 * len(per_arch))).index
    taus = [(stats.kendalltau(seeds[a], seeds[b]).statistic, stats.kendalltau(seeds.loc[top, a], seeds.loc[top, b]).statistic)
            for a, b in ((0, 1), (0, 2), (1, 2))]
    curse = [seeds[c].max() - seeds.loc[seeds[c].idxmax()].drop(c).mean() for c in seeds.columns]
    best10 = seeds.loc[per_arch["mean"].nlargest(10).index].to_numpy()
    wins = np.zeros(len(best10))
    for _ in range(2000):
        means = [row[rng.integers(0, len(row), len(row))].mean() for row in best10]
        wins[int(np.argmax(means))] += 1

    means = trials.groupby(["arch", "fidelity"])["metric"].mean().unstack()
    x, y = means["proxy"].to_numpy(), means["target"].to_numpy()

    def correlations(a, b):
        def tau(u, v):
            return stats.kendalltau(u, v).statistic

        def rho(u, v):
            return stats.spearmanr(u, v).statistic

        out = {}
        for name, statistic in (("tau", tau), ("rho", rho)):
            result = stats.bootstrap((a, b), statistic, paired=True, vectorized=False, n_resamples=N_RESAMPLES,
                                     method="percentile", rng=rng)
            out[name] = (statistic(a, b), result.confidence_interval.low, result.confidence_interval.high)
        return out

    overall = correlations(x, y)
    top_target = means["target"].nlargest(math.ceil(0.1 * len(means))).index
    top_only = correlations(means.loc[top_target, "proxy"].to_numpy(), means.loc[top_target, "target"].to_numpy())
    overlaps = {k: len(set(means["proxy"].nlargest(k).index) & set(means["target"].nlargest(k).index))
                for k in (1, 5, 10, math.ceil(0.05 * len(means)))}

    ops = target.groupby("arch")["ops"].first().str.split(";")
    is_top = per_arch.index.isin(per_arch["mean"].nlargest(math.ceil(0.1 * len(per_arch))).index)
    op_tests = {}
    for op in sorted({o for s in ops for o in s}):
        uses = ops.map(lambda s, op=op: op in s).to_numpy()
        table = [[(uses & is_top).sum(), (~uses & is_top).sum()], [(uses & ~is_top).sum(), (~uses & ~is_top).sum()]]
        welch = stats.ttest_ind(per_arch["mean"][uses], per_arch["mean"][~uses], equal_var=False)
        op_tests[op] = (stats.fisher_exact(table).pvalue, welch.confidence_interval())
    return {"noise_floor": floor, "noise_floor_ci": floor_ci, "icc": icc, "seed_taus": taus, "curse": np.mean(curse),
            "prob_best": wins / wins.sum(), "overall": overall, "top": top_only, "overlaps": overlaps, "ops": op_tests}


def median_time(function, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per side; the median is reported")
    parser.add_argument("--fixture", action="store_true", help="use the 2,000-arch fixture instead of the full file")
    args = parser.parse_args()

    trials, source = two_fidelity_macro(args.fixture)
    ours_s, diagnosis = median_time(lambda: diagnose(trials, proxy="proxy", target="target",
                                                     n_resamples=N_RESAMPLES), args.repeats)
    reference_s, reference = median_time(lambda: reference_figures(trials), args.repeats)

    proxy = diagnosis.proxy
    report = {
        "source": source,
        "rows": len(trials),
        "archs": int(trials["arch"].nunique()),
        "n_resamples": N_RESAMPLES,
        "diagnose_s": round(ours_s, 3),
        "reference_s": round(reference_s, 3),
        "speedup": round(reference_s / ours_s, 1),
        "kendall_tau": [proxy.correlation.kendall_tau, reference["overall"]["tau"][0]],
        "kendall_tau_ci": [proxy.correlation.kendall_tau_ci, reference["overall"]["tau"][1:]],
        "spearman_rho_ci": [proxy.correlation.spearman_rho_ci, reference["overall"]["rho"][1:]],
        "noise_floor": [diagnosis.noise.noise_floor.sd, reference["noise_floor"]],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1min": os.getloadavg()[0],
    }
    print(json.dumps(report, indent=2, default=lambda v: list(v) if isinstance(v, tuple) else float(v)))


if __name__ == "__main__":
    main()
