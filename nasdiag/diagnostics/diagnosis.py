"""The whole diagnosis of one trials table: noise, proxy versus target, coverage, verdicts."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nasdiag.diagnostics.coverage import CoverageResult, analyse_coverage
from nasdiag.diagnostics.noise import NoiseResult, analyse_noise
from nasdiag.diagnostics.proxy import ProxyResult, analyse_proxy
from nasdiag.diagnostics.serialise import diagnosis_to_dict
from nasdiag.diagnostics.table import DiagnoseInputError, ExcludedRows, clean_trials
from nasdiag.diagnostics.verdicts import (
    DEFAULT_THRESHOLDS,
    SEVERITY,
    Thresholds,
    Verdict,
    coverage_verdict,
    noise_verdict,
    proxy_verdict,
)

logger = logging.getLogger(__name__)

# Names that mark the full-budget fidelity when the caller does not say which it is.
TARGET_NAMES = ("target", "full", "final")


@dataclass(frozen=True)
class Diagnosis:
    """Results and verdicts of ``diagnose``; ``to_dict`` gives the JSON form."""

    noise: NoiseResult
    proxy: ProxyResult | None
    coverage: CoverageResult
    verdicts: dict[str, Verdict]
    target: str
    proxy_fidelity: str | None
    maximize: bool
    excluded: ExcludedRows
    notes: tuple[str, ...] = field(default_factory=tuple)  # choices made for the caller, in plain words
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def worst_level(self) -> str:
        """The most severe verdict level (``insufficient data`` ranks with ``warn``)."""
        return max((v.level for v in self.verdicts.values()), key=SEVERITY.__getitem__)

    def to_dict(self) -> dict:
        """Convert to a JSON-safe dict: NaN and infinities become None, numpy scalars Python numbers."""
        return diagnosis_to_dict(self)


def _fidelity_epochs(table: pd.DataFrame) -> dict[str, float]:
    """Median epochs per fidelity, from the ``epochs`` column or a number in the fidelity name."""
    epochs: dict[str, float] = {}
    for name in table["fidelity"].unique():
        value = math.nan
        if "epochs" in table.columns:
            # The store returns nullable integers, whose all-missing median is pd.NA, not NaN.
            column = pd.to_numeric(table.loc[table["fidelity"] == name, "epochs"], errors="coerce")
            value = float(column.astype("float64").median())
        if math.isnan(value):
            found = re.findall(r"\d+(?:\.\d+)?", str(name))
            value = float(found[-1]) if found else math.nan
        epochs[str(name)] = value
    return epochs


def choose_fidelities(table: pd.DataFrame, proxy: str | None, target: str | None) -> tuple[str | None, str, list[str]]:
    """Pick the target and proxy fidelities the caller left open; returns (proxy, target, notes).

    The target is, in order: the given one, a fidelity named target/full/final, the one with
    the most epochs (``epochs`` column or a number in its name), the one with the most
    trials. The proxy is the given one, else the cheapest other fidelity.

    Raises:
        DiagnoseInputError: a given fidelity is not in the table.
    """
    fidelities = sorted(str(f) for f in table["fidelity"].unique())
    for role, name in (("proxy", proxy), ("target", target)):
        if name is not None and name not in fidelities:
            raise DiagnoseInputError(
                f"{role} fidelity {name!r} is not in the table; fidelities present: {fidelities}. "
                f"Pass one of them as --{role}"
            )
    notes: list[str] = []
    epochs = _fidelity_epochs(table)
    if target is None:
        named = [f for f in fidelities if f.lower() in TARGET_NAMES]
        known = {f: e for f, e in epochs.items() if not math.isnan(e)}
        if named:
            target, why = named[0], "of its name"
        elif len(known) == len(fidelities) and len(fidelities) > 1:
            target, why = max(known, key=lambda f: (known[f], f)), "it has the most epochs"
        else:
            counts = table["fidelity"].astype(str).value_counts()
            target, why = str(counts.index[0]), "it has the most trials"
        if len(fidelities) > 1:
            notes.append(f"Target fidelity {target!r} chosen because {why}; pass --target to change it.")
    if proxy is None:
        others = [f for f in fidelities if f != target]
        if others:
            proxy = min(others, key=lambda f: (epochs.get(f, math.inf) if not math.isnan(epochs.get(f, math.nan))
                                               else math.inf, f))
            notes.append(f"Proxy fidelity {proxy!r} chosen as the cheapest other fidelity"
                         + (f" (others: {', '.join(o for o in others if o != proxy)})" if len(others) > 1 else "")
                         + "; pass --proxy to change it.")
    if proxy is not None and proxy == target:
        raise DiagnoseInputError(f"proxy and target are the same fidelity {proxy!r}; pass two different fidelities")
    return proxy, target, notes


def diagnose(
    trials: pd.DataFrame,
    *,
    proxy: str | None = None,
    target: str | None = None,
    maximize: bool = True,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    space_ops: Iterable[str] | Mapping[str, float] | None = None,
    cardinality: float | None = None,
    input_size: float | None = None,
    baseline_membership: pd.DataFrame | None = None,
    curves: pd.DataFrame | None = None,
    seed: int = 0,
    n_resamples: int = 1000,
    top_quantile: float = 0.1,
    delta: float | None = None,
    ranking_seeds: int = 1,
) -> Diagnosis:
    """Diagnose a tidy trials table for evaluation noise, proxy divergence and coverage.

    Args:
        trials: the tidy trials table (``arch, seed, fidelity, metric`` at least).
        proxy, target: fidelity names; None picks them (see ``choose_fidelities``).
        maximize: whether a higher metric is better.
        thresholds: limits behind the verdicts.
        space_ops, cardinality, input_size, baseline_membership: see ``analyse_coverage``.
        curves: optional learning curves (``arch, epoch, val_metric``) for epoch correlations.
        seed: seeds every resampling, so the same input gives the same output.
        n_resamples: bootstrap resamples for the rank-correlation intervals.
        top_quantile: share of architectures called "top" in the top-only figures.
        delta: difference (metric units) for the seeds-needed figure; None uses the gap
            between the two best architectures.
        ranking_seeds: seeds per architecture whose mean the search ranked by (1: single runs,
            0: all seeds). More than the noise fidelity has is lowered to that count, with a note.

    Raises:
        DiagnoseInputError: the table is unusable or a named fidelity is missing.
    """
    if not 0 < top_quantile <= 1:
        raise ValueError(f"top_quantile must be in (0, 1], got {top_quantile}")
    table, excluded = clean_trials(trials, maximize=maximize)
    if table.empty:
        raise DiagnoseInputError(
            f"no usable trials: all {excluded.n_rows} rows have a missing metric or a status other than 'ok' "
            f"({excluded.to_dict()}); check the metric and status columns"
        )
    proxy, target, notes = choose_fidelities(table, proxy, target)
    rng = np.random.default_rng(seed)

    noise_fidelity = _noise_fidelity(table, target, notes)
    ranking_seeds = _ranking_seeds(table, noise_fidelity, ranking_seeds, notes)
    noise = analyse_noise(table, noise_fidelity, rng=rng, top_quantile=top_quantile, delta=delta,
                          ranking_seeds=ranking_seeds)
    proxy_result = None
    if proxy is not None:
        proxy_result = analyse_proxy(table, proxy, target, rng=rng, maximize=maximize, top_quantile=top_quantile,
                                     n_resamples=n_resamples, curves=curves)
    coverage = analyse_coverage(table, target, space_ops=space_ops, cardinality=cardinality, input_size=input_size,
                                baseline_membership=baseline_membership, top_quantile=top_quantile)

    target_floor = noise.noise_floor.sd if noise.fidelity == target else math.nan
    verdicts = {
        "noise": noise_verdict(noise, thresholds),
        "proxy": proxy_verdict(proxy_result, thresholds, noise_floor=target_floor),
        "coverage": coverage_verdict(coverage, thresholds, noise_floor=target_floor),
    }
    if excluded.n_used < excluded.n_rows:
        notes.append(f"{excluded.n_rows - excluded.n_used} of {excluded.n_rows} trials were left out "
                     f"({excluded.n_missing_metric} with no metric, statuses {excluded.by_status or {}}).")
    logger.info("diagnosed %d trials: %s", excluded.n_used, {k: v.level for k, v in verdicts.items()})
    repeats = int(table.duplicated(["arch", "seed", "fidelity"]).sum())
    if repeats:
        notes.append(f"{repeats} rows repeat an (arch, seed, fidelity) already in the table; "
                     "each counts as another seed, which distorts the noise figures. Remove the repeats or "
                     "give them distinct seeds.")
    return Diagnosis(noise, proxy_result, coverage, verdicts, target, proxy, maximize, excluded, tuple(notes),
                     thresholds)


def _ranking_seeds(table: pd.DataFrame, fidelity: str, requested: int, notes: list[str]) -> int:
    """Return the seeds the search ranked by, capped at the largest seed count of an architecture at ``fidelity``."""
    if isinstance(requested, bool) or not isinstance(requested, (int, np.integer)) or requested < 0:
        raise DiagnoseInputError(f"ranking seeds (--ranking-seeds) must be a whole number of at least 0, got "
                                 f"{requested!r}; pass 1 for a search that ranks single runs, 0 for all seeds")
    max_seeds = int(table.loc[table["fidelity"] == fidelity].groupby("arch").size().max())
    if requested == 0:
        return max_seeds
    if requested > max_seeds:
        notes.append(f"Ranking seeds {requested} is more than the {max_seeds} seeds per architecture at "
                     f"{fidelity!r}, so the noise verdict judges a ranking by {max_seeds}.")
        return max_seeds
    return int(requested)


def _noise_fidelity(table: pd.DataFrame, target: str, notes: list[str]) -> str:
    """Return the target, unless only another fidelity has architectures with several seeds."""
    multi = table.groupby(["fidelity", "arch"]).size().ge(2).groupby(level="fidelity").sum()
    if multi.get(target, 0) >= 2 or multi.max() < 2:
        return target
    chosen = str(multi.idxmax())
    notes.append(f"Seed noise measured at {chosen!r}: the target {target!r} has too few architectures with 2+ seeds.")
    return chosen
