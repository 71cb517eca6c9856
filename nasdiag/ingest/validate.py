"""Checks for suspicious data in a parsed trials table, summarised as a ValidationReport."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from nasdiag.ingest.model import CopiedSeed, ValidationReport

# Seed pairs are compared one by one; past this many seeds at one fidelity the copied-seed
# check is skipped (with a note) to keep the pair count bounded.
MAX_SEEDS_FOR_COPY_CHECK = 64
# Two seeds that agree on a single architecture prove nothing; a copy needs this many.
MIN_SHARED_ARCHS_FOR_COPY = 2


def validate_trials(
    trials: pd.DataFrame,
    *,
    n_records: int,
    n_duplicates: int,
    duplicate_rule: str,
    n_skipped: int,
    n_curve_points: int,
    messages: list[str],
    count_missing_seeds: bool = True,
) -> ValidationReport:
    """Count missing and infinite metrics, statuses, missing seeds and copied seeds."""
    notes = list(messages)
    ok = trials["status"] == "ok"
    metric = trials["metric"].to_numpy(dtype="float64")
    n_missing = int((ok.to_numpy() & np.isnan(metric)).sum())
    n_infinite = int(np.isinf(metric).sum())
    status_counts = {str(k): int(v) for k, v in trials["status"].value_counts().items()}

    copied = find_copied_seeds(trials, notes)
    n_missing_seeds = count_archs_missing_seeds(trials) if count_missing_seeds else 0
    seeds = tuple(sorted(int(s) for s in trials["seed"].dropna().unique()))
    fidelities = tuple(sorted(str(f) for f in trials["fidelity"].unique()))
    return ValidationReport(
        n_records=n_records,
        n_trials=len(trials),
        n_archs=int(trials["arch_hash"].nunique()),
        seeds=seeds,
        fidelities=fidelities,
        status_counts=status_counts,
        n_missing_metric=n_missing,
        n_infinite_metric=n_infinite,
        n_duplicates=n_duplicates,
        duplicate_rule=duplicate_rule,
        n_stale_running=status_counts.get("running", 0),
        n_archs_missing_seeds=n_missing_seeds,
        copied_seeds=tuple(copied),
        n_skipped=n_skipped,
        n_curve_points=n_curve_points,
        messages=tuple(notes),
    )


def count_archs_missing_seeds(trials: pd.DataFrame) -> int:
    """Count architectures that lack, at some fidelity, a seed other architectures have there."""
    rows = trials.dropna(subset=["seed"])
    missing = set()
    for _, group in rows.groupby("fidelity", sort=False):
        n_seeds = group["seed"].nunique()
        per_arch = group.groupby("arch_hash")["seed"].nunique()
        missing.update(per_arch.index[per_arch < n_seeds])
    return len(missing)


def find_copied_seeds(trials: pd.DataFrame, notes: list[str]) -> list[CopiedSeed]:
    """Find seeds whose finite ok metrics equal another seed's on every shared architecture.

    Equality is exact: a re-run with another seed never reproduces every value bit for bit,
    while a copied column does.
    """
    rows = trials.loc[(trials["status"] == "ok") & np.isfinite(trials["metric"].to_numpy(dtype="float64"))]
    rows = rows.dropna(subset=["seed"])
    copied = []
    for fidelity, group in rows.groupby("fidelity", sort=True):
        table = group.pivot_table(index="arch_hash", columns="seed", values="metric", aggfunc="first")
        if table.shape[1] < 2:
            continue
        if table.shape[1] > MAX_SEEDS_FOR_COPY_CHECK:
            notes.append(
                f"copied-seed check skipped at fidelity {fidelity!r}: {table.shape[1]} seeds "
                f"(limit {MAX_SEEDS_FOR_COPY_CHECK})"
            )
            continue
        values = table.to_numpy(dtype="float64")
        seeds = [int(seed) for seed in table.columns]
        already_copied = set()
        for first, second in itertools.combinations(range(len(seeds)), 2):
            if second in already_copied:
                continue
            shared = ~np.isnan(values[:, first]) & ~np.isnan(values[:, second])
            n_shared = int(shared.sum())
            if n_shared >= MIN_SHARED_ARCHS_FOR_COPY and np.array_equal(
                values[shared, first], values[shared, second]
            ):
                copied.append(CopiedSeed(str(fidelity), seeds[second], seeds[first], n_shared))
                already_copied.add(second)
    return copied
