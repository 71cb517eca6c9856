"""Regenerate the dashboard's demo experiment in `data/demo/` with a real search.

The demo is a random search over the `digits_cell` space on the digits task: 24 architectures
x 3 seeds at a proxy fidelity (2 epochs on a quarter of the data) and at the target fidelity
(10 epochs), with the task's baselines, search seed 0. It runs in a temporary database and is
exported as a bundle (Parquet + JSON), which the dashboard loads into an empty database.

    python scripts/make_demo.py            # about 3-6 minutes on 2 CPU cores
    python scripts/make_demo.py --budget 6 --out /tmp/demo   # a quick trial run
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from nasdiag.search import run_search  # noqa: E402
from nasdiag.search.setup import build_search_config  # noqa: E402
from nasdiag.store import Store, export_bundle  # noqa: E402

logger = logging.getLogger("make_demo")

DEMO_NAME = "demo: random search on digits"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "demo",
                        help="bundle folder to (re)write (default: data/demo)")
    parser.add_argument("--budget", type=int, default=24, help="architectures (default: 24)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per architecture (default: 3)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default: 2)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    config = build_search_config(
        space="digits_cell", task="digits", strategy="random", budget=args.budget, seeds=args.seeds,
        proxies=["proxy:epochs=2,data=0.25"], target="target:epochs=10", with_baselines=True,
        search_seed=0, name=DEMO_NAME,
    )
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "demo.duckdb")
        summary = run_search(config, store, workers=args.workers)
        if summary.status != "finished":
            logger.error("the demo search ended with status %s; the bundle was not written", summary.status)
            return 1
        if args.out.exists():
            shutil.rmtree(args.out)
        export_bundle(store, summary.experiment_id, args.out)
    logger.info("wrote the demo bundle of experiment %s to %s", summary.experiment_id, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
