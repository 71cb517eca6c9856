"""Time the dashboard's diagnostics pages on an experiment of 100,000 trials.

Builds a temporary database through the Store API with one bulk `import_experiment`: 5,000
architectures of the digits_cell space x 10 seeds x 2 fidelities, with synthetic metrics and
seed noise. Then it opens each page with Streamlit's AppTest twice. The first load runs with
every cache cleared, and the rerun is served by the caches. Prints one line per page and a
Markdown table.

    python bench/bench_dashboard.py                 # 100,000 trials
    python bench/bench_dashboard.py --archs 500     # a quick check
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

PAGES = {
    "Overview": "nasdiag/ui/pages/overview.py",
    "Noise": "nasdiag/ui/pages/noise.py",
    "Proxy vs target": "nasdiag/ui/pages/proxy.py",
    "Coverage": "nasdiag/ui/pages/coverage.py",
    "Architecture detail": "nasdiag/ui/pages/architecture.py",
    "Report": "nasdiag/ui/pages/report.py",
}


def build_experiment(db: Path, n_archs: int, seeds: int, rng_seed: int = 0) -> tuple[str, int]:
    """Store one imported experiment of n_archs x seeds x 2 fidelities; return (id, trial count)."""
    from nasdiag.space import load_preset_space
    from nasdiag.store import Store

    rng = np.random.default_rng(rng_seed)
    space = load_preset_space("digits_cell")
    archs: dict[str, object] = {}
    while len(archs) < n_archs:
        arch = space.sample(rng)
        archs.setdefault(arch.hash, arch)
    arch_rows = pd.DataFrame({
        "arch_hash": list(archs),
        "arch": [arch.canonical for arch in archs.values()],
        "ops": [";".join(arch.ops_used) for arch in archs.values()],
        "params": rng.integers(50_000, 250_000, n_archs),
        "flops": rng.integers(1_000_000, 4_000_000, n_archs),
        "receptive_field": rng.integers(9, 60, n_archs),
        "is_baseline": np.arange(n_archs) < 3,
    })
    quality = rng.uniform(0.85, 0.98, n_archs)
    proxy_error = rng.normal(0, 0.02, n_archs)
    frames = []
    for fidelity, shift in (("proxy", -0.15), ("target", 0.0)):
        for seed in range(seeds):
            frames.append(pd.DataFrame({
                "trial_id": [f"{h}:{fidelity}:s{seed}" for h in archs],
                "arch_hash": list(archs),
                "seed": seed,
                "fidelity": fidelity,
                "metric": quality + shift + (proxy_error if fidelity == "proxy" else 0) + rng.normal(0, 0.006, n_archs),
                "status": "ok",
                "epochs": 2 if fidelity == "proxy" else 10,
            }))
    trials = pd.concat(frames, ignore_index=True)
    experiment_id = Store(db).import_experiment(
        name="bench", source="bench_dashboard.py", source_format="table", metric_name="val_accuracy",
        maximize=True, trials=trials, archs=arch_rows, proxy_fidelities=["proxy"], target_fidelity="target",
        task="digits",
    )
    return experiment_id, len(trials)


def time_page(page: str, experiment_id: str) -> tuple[float, float]:
    """Return (first load with cleared caches, cached rerun) in seconds for one page."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    app = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=600)
    app.query_params["experiment"] = experiment_id
    # The first run draws the Overview; switch pages before timing so each page is timed alone.
    app.run()
    st.cache_data.clear()
    start = time.perf_counter()
    app.switch_page(PAGES[page]).run()
    first = time.perf_counter() - start
    if app.exception:
        raise RuntimeError(f"{page} raised: {app.exception}")
    start = time.perf_counter()
    app.run()
    cached = time.perf_counter() - start
    return first, cached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=5000, help="architectures (default: 5000)")
    parser.add_argument("--seeds", type=int, default=10, help="seeds per architecture and fidelity (default: 10)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.duckdb"
        os.environ["NASDIAG_DB"] = str(db)
        os.environ["NASDIAG_DEMO"] = "off"
        start = time.perf_counter()
        experiment_id, n_trials = build_experiment(db, args.archs, args.seeds)
        print(f"stored {n_trials:,} trials in {time.perf_counter() - start:.1f} s")
        rows = []
        for page in PAGES:
            first, cached = time_page(page, experiment_id)
            rows.append((page, first, cached))
            print(f"{page:<20} first load {first:6.2f} s   cached rerun {cached:5.2f} s", flush=True)
    print("\n| page | first load (s) | cached rerun (s) |\n|---|---|---|")
    for page, first, cached in rows:
        print(f"| {page} | {first:.2f} | {cached:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
