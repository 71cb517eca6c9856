"""Verdicts: turn the noise, proxy and coverage figures into ok / warn / fail / insufficient data.

Each verdict lists the checks behind it (value, threshold, level) and a fix in plain words.
The thresholds live in one frozen dataclass, so a user can tighten or relax them. The
reason for each default sits next to it and in docs/diagnose-json.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from nasdiag.diagnostics.coverage import CoverageResult
from nasdiag.diagnostics.noise import NoiseResult
from nasdiag.diagnostics.proxy import ProxyResult

OK = "ok"
WARN = "warn"
FAIL = "fail"
INSUFFICIENT = "insufficient data"
LEVELS = (OK, WARN, FAIL)
SEVERITY = {OK: 0, INSUFFICIENT: 1, WARN: 1, FAIL: 2}


@dataclass(frozen=True)
class Thresholds:
    """Limits behind every verdict. Correlations are Kendall tau-b unless named otherwise."""

    # Noise
    min_multi_seed_archs: int = 5  # fewer archs with 2+ seeds give a noise floor too uncertain to judge
    icc_warn: float = 0.75  # Koo and Li (2016): ICC below 0.75 is at best "moderate" reliability
    icc_fail: float = 0.5  # ... and below 0.5 "poor": seeds move scores as much as architectures do
    seed_tau_top_warn: float = 0.5  # two seeds order the top archs with tau under 0.5: about 1 pair in 4 flips
    seed_tau_top_fail: float = 0.2  # under 0.2 the top of the ranking is close to a coin toss
    prob_best_warn: float = 0.3  # below 0.3 three or more archs are tied for first: the winner is mostly luck
    # Expected drop on re-evaluation, in noise floors. The max of k equal archs' noise is about
    # 1.5 sd for k = 10 and 2.5 for k = 100, so above 2 some 30 archs are indistinguishable at the top.
    winners_curse_warn: float = 2.0

    # Proxy vs target
    min_common_archs: int = 10  # with fewer shared archs the tau interval spans most of [-1, 1]
    proxy_tau_warn: float = 0.6  # proxies used in practice reach tau 0.6-0.8 over a whole space
    proxy_tau_fail: float = 0.3  # under 0.3 the proxy ranks only slightly better than chance
    proxy_top_tau_warn: float = 0.2  # within the top 10% by target; range restriction lowers tau, so a lower bar
    top_share_precision_warn: float = 0.2  # fewer than 1 in 5 of the proxy's top 5% are in the target's top 5%
    regret_warn: float = 2.0  # the proxy's pick trails the best by more than 2 noise floors on the target
    size_rho_warn: float = 0.8  # |Spearman(proxy, params or FLOPs)| above this: the proxy tracks model size
    size_tau_margin: float = 0.05  # ... and size alone ranks the target nearly as well (within this tau)

    # Coverage
    rf_below_input_warn: float = 0.5  # most sampled archs cannot see the whole input
    min_sampled_archs: int = 5  # too few sampled archs to compare against baselines

    def __post_init__(self) -> None:
        for name in ("icc_warn", "icc_fail", "prob_best_warn", "top_share_precision_warn", "rf_below_input_warn"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"threshold {name} must be in [0, 1], got {value}")
        for warn, fail in (("icc_warn", "icc_fail"), ("seed_tau_top_warn", "seed_tau_top_fail"),
                           ("proxy_tau_warn", "proxy_tau_fail")):
            if getattr(self, fail) > getattr(self, warn):
                raise ValueError(f"threshold {fail}={getattr(self, fail)} must not exceed {warn}={getattr(self, warn)}")


DEFAULT_THRESHOLDS = Thresholds()
# Beyond this many seeds per architecture the fix suggests calling the difference a tie.
MANY_SEEDS = 10
# Above this many seeds the fix states a bound, because that many seeds per architecture is not practical advice.
MAX_SEEDS_SHOWN = 1000


@dataclass(frozen=True)
class Check:
    """One comparison of a figure with its threshold."""

    name: str
    value: float
    threshold: float
    level: str  # ok, warn or fail
    message: str
    judged: bool = True  # False when the value is missing or the check does not apply; level is then ok

    def to_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "threshold": self.threshold,
                "level": self.level, "message": self.message, "judged": self.judged}


@dataclass(frozen=True)
class Verdict:
    """The verdict on one failure mode with the checks behind it."""

    mode: str  # noise, proxy or coverage
    level: str  # ok, warn, fail or insufficient data
    summary: str
    fix: str
    checks: tuple[Check, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {"mode": self.mode, "level": self.level, "summary": self.summary, "fix": self.fix,
                "checks": [c.to_dict() for c in self.checks]}


def _below(name: str, value: float, warn: float, fail: float | None, message: str) -> Check:
    """Build a check that warns (or fails) when ``value`` is below the threshold. NaN values pass as ok."""
    level = OK
    threshold = warn
    if not math.isnan(value):
        if fail is not None and value < fail:
            level, threshold = FAIL, fail
        elif value < warn:
            level = WARN
    return Check(name, value, threshold, level, message, judged=not math.isnan(value))


def _above(name: str, value: float, warn: float, message: str) -> Check:
    level = WARN if not math.isnan(value) and value > warn else OK
    return Check(name, value, warn, level, message, judged=not math.isnan(value))


def _top_spread(scores, quantile: float) -> float:
    """Return best minus worst score within the top `quantile` (at least 2 archs); NaN if fewer."""
    values = scores.dropna().sort_values(ascending=False)
    count = max(2, int(math.ceil(quantile * len(values))))
    top = values.iloc[:count]
    return float(top.iloc[0] - top.iloc[-1]) if len(top) >= 2 else math.nan


def _tied(spread: float, noise_floor: float) -> bool:
    """Return whether the top archs are tied: their means span less than one noise floor.

    The difference of two means over n seeds has a standard error of noise_floor * sqrt(2 / n),
    which is 0.82 noise floors for 3 seeds. A spread under one noise floor is therefore within
    about 1.2 standard errors, so no ranking of those archs is meaningful and it is not judged.
    """
    return not math.isnan(spread) and noise_floor > 0 and spread < noise_floor


def _not_judged(name: str, value: float, threshold: float, message: str) -> Check:
    return Check(name, value, threshold, OK, message + " (not judged: the top archs are tied within the noise floor)",
                 judged=False)


def _worst(checks: list[Check]) -> str:
    return max((c.level for c in checks), key=SEVERITY.__getitem__, default=OK)


def noise_verdict(noise: NoiseResult, thresholds: Thresholds) -> Verdict:
    """Judge evaluation noise at the noise fidelity."""
    if noise.max_seeds < 2 or noise.n_multi_seed_archs < thresholds.min_multi_seed_archs:
        return Verdict(
            "noise", INSUFFICIENT,
            f"{noise.n_multi_seed_archs} architectures have 2 or more seeds at {noise.fidelity!r}; "
            f"at least {thresholds.min_multi_seed_archs} are needed to measure seed noise.",
            f"Re-train at least 10 of the top architectures with 3 seeds each ({thresholds.min_multi_seed_archs} "
            "is the minimum this verdict accepts), so the noise floor and the rank stability can be measured.",
        )
    floor = noise.noise_floor.sd
    best_prob = float(noise.top["prob_best"].iloc[0]) if len(noise.top) else math.nan
    ranked = noise.ranking_seeds
    curse_in_floors = noise.winners_curse_ranking / floor if floor > 0 else math.nan
    by = "1 seed" if ranked == 1 else f"the mean of {ranked} seeds"
    tau_message = f"Kendall tau between seeds among the {noise.top_label}"
    if ranked == 1:
        # Unlike the proxy's top checks, seed instability among the top is judged even when the top
        # archs are tied, because a search that ranks single runs then picks a lucky run.
        seed_tau_top = _below("seed_tau_top", noise.rank_tau_top, thresholds.seed_tau_top_warn,
                              thresholds.seed_tau_top_fail, tau_message)
    else:
        # A mean of several seeds is judged by its reliability ICC(k), because single-seed agreement
        # measures a ranking that the search did not make.
        seed_tau_top = Check("seed_tau_top", noise.rank_tau_top, thresholds.seed_tau_top_warn, OK,
                             f"{tau_message} (not judged: the search ranks by {by}, judged by the icc check)",
                             judged=False)
    icc_message = "share of score variance between architectures (ICC(1))" if ranked == 1 else (
        f"reliability of the mean of {ranked} seeds (ICC({ranked}) = {ranked}r / (1 + {ranked - 1}r) "
        f"from ICC(1) r = {noise.icc.icc:.2f})")
    curse_message = f"expected drop of the best architecture by {by} on its other seeds, in noise floors"
    if math.isnan(curse_in_floors) and floor > 0:
        curse_message += " (not measured: no seed is left over to re-evaluate on)"
    checks = [
        _below("icc", noise.icc_ranking, thresholds.icc_warn, thresholds.icc_fail, icc_message),
        seed_tau_top,
        _below("prob_best", best_prob, thresholds.prob_best_warn, None,
               "probability that the best-by-mean architecture is truly best"),
        _above("winners_curse_in_noise_floors", curse_in_floors, thresholds.winners_curse_warn, curse_message),
    ]
    level = _worst(checks)
    reliability = f"ICC {noise.icc.icc:.2f}" if ranked == 1 else (
        f"ICC(1) {noise.icc.icc:.2f}, ICC({ranked}) {noise.icc_ranking:.2f} for the search's ranking by {by}")
    summary = (f"Noise floor {floor:.4g} (pooled sd over {noise.n_multi_seed_archs} archs); "
               f"{reliability}; seed-vs-seed tau {noise.rank_tau_all:.2f} over all archs and "
               f"{noise.rank_tau_top:.2f} among the {noise.top_label}.")
    candidates = noise.per_arch
    if "is_baseline" in candidates.columns:
        candidates = candidates.loc[~candidates["is_baseline"].astype(bool)]
    tied_top = _tied(_top_spread(candidates["mean_score"], noise.top_quantile), floor)
    if level == OK:
        fix = "No action needed: seed noise is small next to the differences between architectures."
        if tied_top:
            fix = (f"No action needed for the ranking by {by}, but the best architectures lie within one noise "
                   "floor of each other: report them as tied rather than naming one winner.")
    else:
        if ranked == 1:
            fix = ("Rank architectures by the mean of 2-3 seeds, not one seed, and re-evaluate the top candidates "
                   "with more seeds before declaring a winner")
        else:
            fix = (f"Average more than {ranked} seeds per architecture or re-evaluate the top candidates with more "
                   "seeds, and report architectures within one noise floor of the best as tied")
        if math.isfinite(noise.seeds_needed):
            if noise.seeds_needed > MAX_SEEDS_SHOWN:
                fix += (f" (more than {MAX_SEEDS_SHOWN:,} seeds per architecture would be needed to separate a "
                        f"difference of {noise.delta:.3g} at 80% power)")
            else:
                fix += (f" (about {noise.seeds_needed:.0f} seeds per architecture separate a difference of "
                        f"{noise.delta:.3g} at 80% power)")
        fix += "."
        if ranked == 1 and math.isfinite(noise.seeds_needed) and noise.seeds_needed > MANY_SEEDS:
            fix += " A difference that costs that many seeds is better reported as a tie."
    return Verdict("noise", level, summary, fix, tuple(checks))


def proxy_verdict(proxy: ProxyResult | None, thresholds: Thresholds, noise_floor: float = math.nan) -> Verdict:
    """Judge how well the proxy fidelity ranks architectures as the target does."""
    if proxy is None or proxy.n_common < thresholds.min_common_archs:
        shared = 0 if proxy is None else proxy.n_common
        return Verdict(
            "proxy", INSUFFICIENT,
            f"{shared} architectures were evaluated at both a proxy and the target fidelity; "
            f"at least {thresholds.min_common_archs} are needed.",
            "Evaluate a random sample of at least 30 architectures at both the proxy and the target "
            "fidelity, then rerun the diagnosis.",
        )
    if math.isnan(proxy.correlation.kendall_tau):
        return Verdict(
            "proxy", INSUFFICIENT,
            f"The {proxy.n_common} shared architectures have a constant mean at the proxy or the target, "
            "so no rank correlation is defined.",
            "Check that the proxy and target metrics were recorded (not a placeholder value), then rerun.",
        )
    top_share = next((o for o in proxy.top_k if o.label.startswith("top")), None)
    size_rho = max(abs(proxy.model_size.rho_proxy_params) if not math.isnan(proxy.model_size.rho_proxy_params) else 0,
                   abs(proxy.model_size.rho_proxy_flops) if not math.isnan(proxy.model_size.rho_proxy_flops) else 0)
    size_tau = max((t for t in (proxy.model_size.tau_params_target, proxy.model_size.tau_flops_target)
                    if not math.isnan(t)), default=math.nan)
    tracks_size = (size_rho > thresholds.size_rho_warn and not math.isnan(size_tau)
                   and size_tau >= proxy.correlation.kendall_tau - thresholds.size_tau_margin)
    regret_in_floors = proxy.regret / noise_floor if noise_floor > 0 else math.nan
    top_tau_message = f"Kendall tau-b among the {proxy.top_label} by target"
    precision_message = "precision of the proxy's top 5% on the target's top 5%"
    precision = top_share.precision if top_share else math.nan
    if _tied(_top_spread(proxy.means["target_score"], proxy.top_quantile), noise_floor):
        top_checks = [
            _not_judged("top_kendall_tau", proxy.top_correlation.kendall_tau, thresholds.proxy_top_tau_warn,
                        top_tau_message),
            _not_judged("top_share_precision", precision, thresholds.top_share_precision_warn, precision_message),
        ]
    else:
        top_checks = [
            _below("top_kendall_tau", proxy.top_correlation.kendall_tau, thresholds.proxy_top_tau_warn, None,
                   top_tau_message),
            _below("top_share_precision", precision, thresholds.top_share_precision_warn, None, precision_message),
        ]
    checks = [
        _below("kendall_tau", proxy.correlation.kendall_tau, thresholds.proxy_tau_warn, thresholds.proxy_tau_fail,
               "Kendall tau-b between proxy and target over all shared architectures"),
        *top_checks,
        _above("regret_in_noise_floors", regret_in_floors, thresholds.regret_warn,
               "target metric lost by trusting the proxy's pick, in target noise floors"),
        Check("tracks_model_size", size_rho, thresholds.size_rho_warn, WARN if tracks_size else OK,
              "max |Spearman| of the proxy with params or FLOPs, when size alone ranks the target as well"),
    ]
    level = _worst(checks)
    corr = proxy.correlation
    summary = (f"Proxy {proxy.proxy!r} vs target {proxy.target!r} over {proxy.n_common} archs: Kendall tau "
               f"{corr.kendall_tau:.2f} [{corr.kendall_tau_ci[0]:.2f}, {corr.kendall_tau_ci[1]:.2f}], Spearman rho "
               f"{corr.spearman_rho:.2f}; among the {proxy.top_label} tau "
               f"{proxy.top_correlation.kendall_tau:.2f}.")
    fixes = []
    if level == OK:
        fixes.append("No action needed: the proxy ranks architectures as the target does.")
    if any(c.name in ("kendall_tau", "top_kendall_tau", "top_share_precision") and c.level != OK for c in checks):
        fixes.append("Use the proxy only to discard the clearly bad architectures, then re-rank the top 10-20% "
                     "at the target fidelity (or raise the proxy's budget: more epochs or data).")
    if tracks_size:
        fixes.append("The proxy mostly measures model size; compare architectures at equal parameter count or "
                     "use a proxy that trains.")
    if any(c.name == "regret_in_noise_floors" and c.level != OK for c in checks):
        fixes.append("Before trusting the proxy's winner, train its top 5 at the target fidelity.")
    return Verdict("proxy", level, summary, " ".join(fixes), tuple(checks))


def coverage_verdict(coverage: CoverageResult, thresholds: Thresholds, noise_floor: float = math.nan) -> Verdict:
    """Judge whether the search space covers what the baselines and the task need.

    A best-found architecture behind the best baseline warns only when it trails by more than
    one target noise floor (any shortfall when the noise floor is unknown), and fails when the
    whole 95% interval of the gap is below 0.
    """
    has_baselines = len(coverage.baselines) > 0
    has_rf = coverage.receptive_field.n_archs > 0 and not math.isnan(coverage.receptive_field.input_size)
    too_few = coverage.n_sampled_archs < thresholds.min_sampled_archs
    if too_few or not (has_baselines or has_rf):
        fixes = []
        if too_few:
            fixes.append(f"Evaluate at least {thresholds.min_sampled_archs} sampled architectures at "
                         f"{coverage.fidelity!r} (raise the search budget)")
        if not (has_baselines or has_rf):
            fixes.append("add at least one hand-designed baseline (is_baseline = 1) with its ops, or give the "
                         "input size and receptive fields, so the space can be compared with what the task needs")
        fix = "; ".join(fixes)
        return Verdict(
            "coverage", INSUFFICIENT,
            f"{coverage.n_sampled_archs} sampled architectures"
            + (f" (at least {thresholds.min_sampled_archs} are needed)" if too_few else "")
            + f", {len(coverage.baselines)} baselines and {'a' if has_rf else 'no'} receptive-field check at "
            f"{coverage.fidelity!r}.",
            fix[0].upper() + fix[1:] + ".",
        )
    gap = coverage.baseline_gap
    lacking = coverage.lacking_ops
    outside = [str(b) for b, v in coverage.baselines["in_space"].items() if v is False]
    checks = [
        Check("lacking_ops", float(len(lacking)), 0.0, WARN if lacking else OK,
              f"ops used by baselines that the space lacks: {', '.join(lacking) or '(no op missing)'}"),
        Check("baselines_outside_space", float(len(outside)), 0.0, WARN if outside else OK,
              f"baselines the space cannot express: {', '.join(outside) or '(all expressible)'}"),
        _above("rf_share_below_input", coverage.receptive_field.share_below_input, thresholds.rf_below_input_warn,
               "share of sampled architectures whose receptive field is smaller than the input"),
    ]
    if has_baselines:
        significant_loss = not math.isnan(gap.gap_ci[1]) and gap.gap_ci[1] < 0
        level = OK
        if significant_loss:
            level = FAIL
        elif gap.gap < 0 and not (noise_floor > 0 and gap.gap > -noise_floor):
            level = WARN
        message = ("best sampled architecture minus the best baseline on the target (higher is better); "
                   "fails when the whole 95% interval is below 0")
        if level == OK and gap.gap < 0:
            message += "; behind by less than one noise floor, a tie"
        checks.append(Check("best_found_minus_best_baseline", gap.gap, 0.0, level, message))
    level = _worst(checks)
    summary = (f"{coverage.n_sampled_archs} sampled archs over {len(coverage.space_ops)} ops "
               f"({coverage.space_ops_source}); "
               + (f"lacking ops: {', '.join(lacking)}." if lacking else "no op the baselines use is missing."))
    if has_baselines:
        summary += (f" Best found {gap.best_found_mean:.4g} vs best baseline {gap.best_baseline_mean:.4g} "
                    f"({gap.share_beating_baseline:.1%} of sampled archs beat it).")
    fixes = []
    if level == OK:
        fixes.append("No action needed: the space covers the baselines' ops and its best architectures match them.")
    if lacking:
        fixes.append(f"Add {', '.join(lacking)} to the search space; the baselines rely on them.")
    if outside:
        fixes.append("Extend the space (depth, widths or ops) until it contains the baselines.")
    if has_baselines and checks[-1].level != OK:
        fixes.append("The search has not reached the baseline: widen the space or search longer before "
                     "reporting its best architecture.")
    if checks[2].level != OK:
        fixes.append("Allow deeper networks, larger kernels, dilation or downsampling so the receptive field "
                     "covers the input.")
    return Verdict("coverage", level, summary, " ".join(fixes), tuple(checks))


def at_or_above(level: str, limit: str) -> bool:
    """Return whether a verdict level trips a ``--fail-on`` limit (``warn`` or ``fail``).

    ``insufficient data`` trips ``warn`` (the run cannot be shown to be ok) but not ``fail``.
    """
    if limit not in (WARN, FAIL):
        raise ValueError(f"fail-on level must be 'warn' or 'fail', got {limit!r}")
    return SEVERITY[level] >= SEVERITY[limit]
