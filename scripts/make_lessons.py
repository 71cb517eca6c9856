"""Regenerate the lessons' prepared experiments in data/lessons/ from their fixed configs.

Usage:
    python scripts/make_lessons.py                    # every lesson (24 min on 2 busy cores; see docs/lessons.md)
    python scripts/make_lessons.py --only noise/fixed # one experiment
    python scripts/make_lessons.py --db /tmp/l.duckdb # keep the trials in a database

Each experiment is searched with `nasdiag.search.run_search` (the configs live in
`nasdiag.lessons.catalog`) and exported as a bundle folder `data/lessons/<lesson>/<variant>/`.
A search with the same config resumes from the database, so rerunning with the same --db
only exports.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

from nasdiag.lessons.catalog import LESSONS_DIR, lesson_experiments, write_lesson_spaces
from nasdiag.search import run_search
from nasdiag.search.setup import build_search_config
from nasdiag.store import Store, export_bundle

logger = logging.getLogger("make_lessons")


def provenance() -> dict[str, str]:
    """Return what the bundled numbers depend on besides the config.

    Training is bitwise reproducible only on one torch build and CPU kernel set (docs/lessons.md).
    """
    import platform

    import torch

    return {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "python": platform.python_version(), "machine": platform.machine()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=None, metavar="LESSON[/VARIANT]",
                        help="regenerate only these experiments (repeatable), e.g. noise or noise/fixed")
    parser.add_argument("--db", type=Path, default=None,
                        help="database for the trials (default: a temporary file, deleted afterwards)")
    parser.add_argument("--out", type=Path, default=LESSONS_DIR, help=f"bundle root (default: {LESSONS_DIR})")
    parser.add_argument("--workers", type=int, default=2, help="training processes (default: 2)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    write_lesson_spaces()
    chosen = [e for e in lesson_experiments()
              if args.only is None or any(key in (e.lesson, f"{e.lesson}/{e.variant}") for key in args.only)]
    if not chosen:
        known = ", ".join(f"{e.lesson}/{e.variant}" for e in lesson_experiments())
        parser.error(f"--only {args.only} matches no experiment; known: {known}")

    with tempfile.TemporaryDirectory() as scratch:
        store = Store(args.db or Path(scratch) / "lessons.duckdb")
        for experiment in chosen:
            config = build_search_config(**experiment.search)
            start = time.perf_counter()
            summary = run_search(config, store, workers=args.workers)
            if summary.status != "finished":
                logger.error("%s/%s ended as %s", experiment.lesson, experiment.variant, summary.status)
                return 1
            folder = args.out / experiment.lesson / experiment.variant
            export_bundle(store, summary.experiment_id, folder, provenance=provenance())
            logger.info("%s/%s: experiment %s, %d trials trained, %d reused, %.0f s, bundle %s",
                        experiment.lesson, experiment.variant, summary.experiment_id, summary.trials_trained,
                        summary.trials_reused, time.perf_counter() - start, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
