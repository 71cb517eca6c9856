"""Results of parsing a foreign log: the tables to store and the validation report."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# Column order of the tables handed to `Store.import_experiment` (see docs/architecture.md).
TRIAL_COLUMNS = (
    "trial_id", "arch", "arch_hash", "seed", "data_seed", "fidelity", "metric",
    "test_metric", "status", "epochs", "wall_time_s",
)
ARCH_COLUMNS = (
    "arch", "arch_hash", "ops", "params", "flops", "receptive_field", "is_baseline", "spec_json",
)
CURVE_COLUMNS = ("trial_id", "epoch", "train_loss", "val_metric")

# Trial statuses of the tidy trials table. Only `ok` rows are finished results at their fidelity.
STATUSES = ("ok", "diverged", "failed", "pruned", "running")

DUPLICATE_RULES = ("keep_last", "keep_first", "error")


@dataclass(frozen=True)
class CopiedSeed:
    """A seed whose metrics equal another seed's for every shared architecture."""

    fidelity: str
    seed: int
    copy_of: int
    n_archs: int  # architectures both seeds share at this fidelity


@dataclass(frozen=True)
class ValidationReport:
    """Counts and messages about suspicious data found while parsing one file.

    Counts refer to the trials table after the duplicate rule was applied, except
    `n_duplicates`, which counts the rows the rule removed or rejected.
    """

    n_records: int  # input rows, keys or files read
    n_trials: int
    n_archs: int
    seeds: tuple[int, ...]
    fidelities: tuple[str, ...]
    status_counts: dict[str, int]
    n_missing_metric: int  # NaN metric on a trial with status ok
    n_infinite_metric: int  # +inf or -inf metric on any trial
    n_duplicates: int
    duplicate_rule: str
    n_stale_running: int
    n_archs_missing_seeds: int
    copied_seeds: tuple[CopiedSeed, ...]
    n_skipped: int  # input entries that carry no result (for example resume counters)
    n_curve_points: int
    messages: tuple[str, ...] = field(default_factory=tuple)

    def to_text(self) -> str:
        """Render the report as the lines the CLI prints."""
        statuses = ", ".join(f"{name} {count}" for name, count in sorted(self.status_counts.items()))
        lines = [
            f"records read: {self.n_records}",
            f"trials: {self.n_trials} ({statuses})",
            f"architectures: {self.n_archs}",
            f"seeds: {_short_list(self.seeds)}",
            f"fidelities: {_short_list(self.fidelities)}",
            f"curve points: {self.n_curve_points}",
            f"missing metrics (ok trials): {self.n_missing_metric}",
            f"infinite metrics: {self.n_infinite_metric}",
            f"duplicate (arch, seed, fidelity) rows: {self.n_duplicates} (rule: {self.duplicate_rule})",
            f"architectures missing some seeds: {self.n_archs_missing_seeds}",
            f"stale running trials: {self.n_stale_running}",
            f"skipped entries: {self.n_skipped}",
        ]
        for copied in self.copied_seeds:
            lines.append(
                f"copied seed: at fidelity {copied.fidelity!r} seed {copied.seed} equals seed "
                f"{copied.copy_of} on all {copied.n_archs} shared architectures"
            )
        lines.extend(f"note: {message}" for message in self.messages)
        return "\n".join(lines)

    @property
    def warnings(self) -> list[str]:
        """Messages worth storing with the experiment: every non-zero problem count and note."""
        found = []
        if self.n_missing_metric:
            found.append(f"{self.n_missing_metric} ok trials have no metric")
        if self.n_infinite_metric:
            found.append(f"{self.n_infinite_metric} trials have an infinite metric")
        if self.n_duplicates:
            found.append(
                f"{self.n_duplicates} duplicate (arch, seed, fidelity) rows, rule {self.duplicate_rule}"
            )
        if self.n_archs_missing_seeds:
            found.append(f"{self.n_archs_missing_seeds} architectures miss some seeds")
        if self.n_stale_running:
            found.append(f"{self.n_stale_running} trials were still running (stale)")
        for copied in self.copied_seeds:
            found.append(
                f"seed {copied.seed} copies seed {copied.copy_of} at fidelity {copied.fidelity}"
            )
        found.extend(self.messages)
        return found


@dataclass(frozen=True)
class ParsedImport:
    """One parsed input, ready to be written to the store as one experiment.

    `trials`, `archs` and `curves` have the columns in TRIAL_COLUMNS, ARCH_COLUMNS and
    CURVE_COLUMNS; `curves` is None when the source has no per-epoch values.
    """

    format: str
    source: str
    trials: pd.DataFrame
    archs: pd.DataFrame
    curves: pd.DataFrame | None
    metric_name: str
    maximize: bool
    config: dict
    report: ValidationReport
    proxy_fidelities: tuple[str, ...] = ()
    target_fidelity: str | None = None


def _short_list(values: tuple, limit: int = 8) -> str:
    if len(values) <= limit:
        return ", ".join(str(value) for value in values) or "-"
    head = ", ".join(str(value) for value in values[:limit])
    return f"{head}, ... ({len(values)} in all)"
