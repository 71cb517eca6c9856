"""Writing a ParsedImport to the store as one experiment, in one transaction."""

from __future__ import annotations

import logging
from pathlib import Path

from nasdiag.ingest.model import ParsedImport
from nasdiag.store import Store

logger = logging.getLogger(__name__)


def commit_import(parsed: ParsedImport, store: Store, *, name: str | None = None) -> str:
    """Store `parsed` as one experiment and return its id.

    `Store.import_experiment` writes in one transaction, so on any error nothing is stored.

    Raises:
        StoreError: the write failed; the database is unchanged.
    """
    experiment_name = name or Path(parsed.source).name
    config = {**parsed.config, "format": parsed.format, "report": _report_counts(parsed)}
    experiment_id = store.import_experiment(
        name=experiment_name,
        source=parsed.source,
        source_format=parsed.format,
        metric_name=parsed.metric_name,
        maximize=parsed.maximize,
        trials=parsed.trials,
        archs=parsed.archs,
        curves=parsed.curves,
        config=config,
        warnings=parsed.report.warnings,
        proxy_fidelities=parsed.proxy_fidelities,
        target_fidelity=parsed.target_fidelity,
    )
    logger.info("imported %s (%s) as experiment %s", parsed.source, parsed.format, experiment_id)
    return experiment_id


def _report_counts(parsed: ParsedImport) -> dict:
    report = parsed.report
    return {
        "n_records": report.n_records,
        "n_trials": report.n_trials,
        "n_missing_metric": report.n_missing_metric,
        "n_infinite_metric": report.n_infinite_metric,
        "n_duplicates": report.n_duplicates,
        "duplicate_rule": report.duplicate_rule,
        "n_stale_running": report.n_stale_running,
        "n_archs_missing_seeds": report.n_archs_missing_seeds,
        "n_skipped": report.n_skipped,
        "copied_seeds": [vars(copied) for copied in report.copied_seeds],
    }
