"""Lesson 2, proxy task divergence: a cheap fidelity that ranks architectures unlike the target.

The prepared experiment trains every architecture at several proxies of rising cost and at
the target. From that one table this module computes how well each proxy's ranking matches
the target's (Kendall tau with its bootstrap interval) and what trusting its pick costs on
the target (regret). It also computes how much of that loss re-checking the proxy's top k at
the target wins back, which is what `--target-eval top` does during a search.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from nasdiag.diagnostics import OK, Diagnosis, Thresholds, diagnose
from nasdiag.lessons.wording import percent, points

logger = logging.getLogger(__name__)

RECHECK_K = (1, 3, 5, 10)


@dataclass(frozen=True)
class ProxyPoint:
    """One proxy of the sweep against the target."""

    proxy: str
    epochs: int
    data_fraction: float
    cost_share: float  # the proxy's training cost as a share of the target's
    n_archs: int
    kendall_tau: float
    tau_ci: tuple[float, float]
    spearman_rho: float
    regret: float  # target accuracy lost by trusting the proxy's pick
    pick_rank: int | None  # the pick's rank on the target, 1 = best
    level: str  # the proxy verdict: ok, warn, fail or insufficient data
    diagnosis: Diagnosis


def fidelity_costs(fidelities: Sequence[Mapping]) -> dict[str, tuple[int, float, float]]:
    """Map fidelity name to (epochs, data fraction, relative cost) from `Fidelity.to_dict()` dicts."""
    from nasdiag.tasks import Fidelity

    costs = {}
    for spec in fidelities:
        fidelity = Fidelity.from_dict(dict(spec))
        costs[fidelity.name] = (fidelity.epochs, fidelity.data_fraction, fidelity.cost)
    return costs


def proxy_sweep(trials: pd.DataFrame, fidelities: Sequence[Mapping], *, target: str = "target",
                seed: int = 0, thresholds: Thresholds | None = None, **context) -> list[ProxyPoint]:
    """Diagnose every proxy of the experiment against ``target``, cheapest proxy first.

    ``context`` passes on to ``diagnose`` (e.g. ``space_ops``); ``proxy`` and ``target`` are
    set here.

    Raises:
        ValueError: ``target`` is not among ``fidelities``.
    """
    thresholds = thresholds or Thresholds()
    costs = fidelity_costs(fidelities)
    if target not in costs:
        raise ValueError(f"target fidelity {target!r} is not among the experiment's fidelities {sorted(costs)}")
    present = set(trials["fidelity"].astype(str))
    context = {k: v for k, v in context.items() if k not in ("proxy", "target")}
    points_out = []
    for name, (epochs, fraction, cost) in sorted(costs.items(), key=lambda item: item[1][2]):
        if name == target or name not in present:
            continue
        result = diagnose(trials, proxy=name, target=target, seed=seed, thresholds=thresholds, **context)
        proxy = result.proxy
        correlation = proxy.correlation
        points_out.append(ProxyPoint(
            proxy=name, epochs=epochs, data_fraction=fraction, cost_share=cost / costs[target][2],
            n_archs=proxy.n_common, kendall_tau=correlation.kendall_tau, tau_ci=tuple(correlation.kendall_tau_ci),
            spearman_rho=correlation.spearman_rho, regret=proxy.regret, pick_rank=proxy.proxy_pick_target_rank,
            level=result.verdicts["proxy"].level, diagnosis=result,
        ))
    return points_out


def recheck_regret(means: pd.DataFrame, k: int) -> float:
    """Target accuracy lost when the proxy's top ``k`` are trained at the target and the best is kept.

    ``means`` is ``ProxyResult.means`` (``proxy_mean`` and ``target_mean`` per arch). k = 1 is
    trusting the proxy's pick. Ties are broken by arch name, as in the diagnostics.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    frame = means.reset_index().rename(columns={means.index.name or "index": "arch"})
    ranked = frame.sort_values(["proxy_mean", "arch"], ascending=[False, True], kind="stable")
    checked = ranked.head(k)
    return float(frame["target_mean"].max() - checked["target_mean"].max())


def recheck_table(means: pd.DataFrame, ks: Sequence[int] = RECHECK_K) -> pd.DataFrame:
    """Regret for each k of re-checking at the target, k no larger than the number of archs."""
    rows = [{"k": k, "regret": recheck_regret(means, k)} for k in ks if k <= len(means)]
    return pd.DataFrame(rows)


def baseline_target_means(trials: pd.DataFrame, target: str = "target") -> pd.Series:
    """Return each baseline's mean metric over its ok trials at the target fidelity."""
    rows = trials.loc[trials["is_baseline"].astype(bool) & (trials["fidelity"] == target) & (trials["status"] == "ok")]
    return rows.groupby("arch")["metric"].mean()


def tau_check_level(point: ProxyPoint) -> str:
    """Return the level of the verdict's check of Kendall tau over all shared architectures."""
    return next(c.level for c in point.diagnosis.verdicts["proxy"].checks if c.name == "kendall_tau")


def cheapest_holding(points_in: Sequence[ProxyPoint]) -> ProxyPoint | None:
    """Return the cheapest proxy whose rank correlation passes the verdict's tau check, or None.

    The whole verdict may still warn: its checks among the top 10% by target fail whenever
    the top architectures are tied within the noise floor, whatever the proxy.
    """
    holding = [p for p in points_in if tau_check_level(p) == OK]
    return min(holding, key=lambda p: p.cost_share) if holding else None


# ----------------------------------------------------------------------------- sentences


def describe_proxy(point: ProxyPoint) -> str:
    """Return e.g. 'p1 (1 epoch on 10% of the data, 1% of the target's cost)'."""
    epochs = "1 epoch" if point.epochs == 1 else f"{point.epochs} epochs"
    data = "all the data" if point.data_fraction >= 1 else f"{point.data_fraction:.0%} of the data"
    return f"{point.proxy} ({epochs} on {data}, {point.cost_share:.0%} of the target's cost)"


def correlation_sentence(point: ProxyPoint) -> str:
    """Describe the proxy's rank agreement, with wording from the thresholds of its verdict."""
    thresholds = point.diagnosis.thresholds
    tau = point.kendall_tau
    low, high = point.tau_ci
    if math.isnan(tau):
        return f"Proxy {describe_proxy(point)} has too few shared architectures for a rank correlation."
    if tau < thresholds.proxy_tau_fail:
        quality = "barely better than chance"
    elif tau < thresholds.proxy_tau_warn:
        quality = "only loosely like the target"
    else:
        quality = "much like the target"
    return (f"Over {point.n_archs} architectures, proxy {describe_proxy(point)} ranks them {quality}: "
            f"Kendall tau {tau:.2f}, 95% interval [{low:.2f}, {high:.2f}] (warn below "
            f"{thresholds.proxy_tau_warn:.1f}, fail below {thresholds.proxy_tau_fail:.1f}).")


def regret_sentence(point: ProxyPoint) -> str:
    """Say what trusting the proxy's pick costs on the target."""
    if point.pick_rank is None or math.isnan(point.regret):
        return f"Proxy {point.proxy} has no pick to judge."
    if point.pick_rank == 1:
        return f"Proxy {point.proxy}'s pick is also the best architecture on the target: no regret."
    sentence = (f"Trusting proxy {point.proxy}'s pick costs {points(point.regret, 2)} on the target: the pick ranks "
                f"{point.pick_rank} of {point.n_archs} there")
    check = next((c for c in point.diagnosis.verdicts["proxy"].checks if c.name == "regret_in_noise_floors"), None)
    if check is None or math.isnan(check.value):
        return sentence + "."
    size = "more than" if check.value > check.threshold else "within"
    return (sentence + f". That is {check.value:.1f} target noise floors, {size} the {check.threshold:.0f} the "
            "verdict allows.")


def recheck_sentence(point: ProxyPoint, k: int) -> str:
    """Say how re-checking the proxy's top ``k`` at the target changes the regret."""
    means = point.diagnosis.proxy.means
    trusted = recheck_regret(means, 1)
    rechecked = recheck_regret(means, k)
    head = f"Training proxy {point.proxy}'s top {k} at the target and keeping the best"
    if trusted == 0:
        return f"{head} changes nothing here: its pick is already the target's best."
    if rechecked == 0:
        return f"{head} removes the regret of {points(trusted, 2)}: the target's best is among them."
    if rechecked < trusted:
        return f"{head} cuts the regret from {points(trusted, 2)} to {points(rechecked, 2)}."
    return f"{head} does not reduce the regret of {points(trusted, 2)}: the top {k} hold no better architecture."


def cheapest_sentence(points_in: Sequence[ProxyPoint]) -> str:
    """Name the cheapest proxy whose ranking holds, or state that none does."""
    holding = cheapest_holding(points_in)
    if holding is None:
        return ("No proxy of this sweep passes the verdict's rank-correlation check; raise the proxy's budget or "
                "re-rank the candidates at the target.")
    sentence = (f"The cheapest proxy whose rank correlation holds (Kendall tau at least "
                f"{holding.diagnosis.thresholds.proxy_tau_warn:.1f}) is {describe_proxy(holding)}: tau "
                f"{holding.kendall_tau:.2f} [{holding.tau_ci[0]:.2f}, {holding.tau_ci[1]:.2f}].")
    failing = [c.name for c in holding.diagnosis.verdicts["proxy"].checks if c.level != OK]
    if holding.level == OK:
        return sentence + " Its whole proxy verdict is ok."
    return sentence + f" Its whole verdict is still {holding.level}, from the checks {', '.join(failing)}."


def accuracy_range_sentence(point: ProxyPoint) -> str:
    """Give the range of target accuracies, so regrets can be read against it."""
    target = point.diagnosis.proxy.means["target_mean"]
    return (f"On the target, the {len(target)} architectures score from {percent(target.min())} to "
            f"{percent(target.max())}.")
