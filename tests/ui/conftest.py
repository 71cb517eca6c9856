"""Databases for the dashboard tests, built through the Store API in tmp_path.

Each builder writes a real DuckDB file: a finished search on a real search space (its
architectures sampled from the space, with specs, params and curves), a single-seed
experiment, and one whose metrics include NaN and failed trials. Metrics are synthetic but
shaped like a search: a per-architecture quality, seed noise of sd 0.006, and a proxy that
tracks the target loosely.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from nasdiag.space import load_preset_space
from nasdiag.store import Store, TrialRecord

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = str(REPO_ROOT / "app.py")
PAGES = {
    "overview": "nasdiag/ui/pages/overview.py",
    "space": "nasdiag/ui/pages/space.py",
    "run": "nasdiag/ui/pages/run.py",
    "noise": "nasdiag/ui/pages/noise.py",
    "proxy": "nasdiag/ui/pages/proxy.py",
    "coverage": "nasdiag/ui/pages/coverage.py",
    "architecture": "nasdiag/ui/pages/architecture.py",
    "report": "nasdiag/ui/pages/report.py",
    "import": "nasdiag/ui/pages/import_page.py",
}


def add_search_experiment(
    store: Store,
    *,
    name: str = "test search",
    n_archs: int = 12,
    seeds: int = 3,
    nan_share: float = 0.0,
    status: str = "finished",
    pid: int | None = None,
    rng_seed: int = 0,
) -> str:
    """Store a search experiment over `digits_cell` with a proxy, a target and one baseline."""
    rng = np.random.default_rng(rng_seed)
    space = load_preset_space("digits_cell")
    store.save_space(space.hash, space.name, space.family, space.spec)
    archs = []
    while len(archs) < n_archs:
        arch = space.sample(rng)
        if arch.hash not in {a.hash for a in archs}:
            archs.append(arch)
    baseline = space.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|")
    experiment_id = store.create_experiment(
        name=name, kind="search", task="digits", space_hash=space.hash, proxy_fidelities=["proxy"],
        target_fidelity="target",
        fidelity_specs={"proxy": ("proxy", {"epochs": 2, "data_fraction": 0.25}), "target": ("target", {"epochs": 10})},
        planned_trials=(n_archs + 1) * seeds * 2, status=status, pid=pid,
    )
    rows = [(arch, False) for arch in archs] + [(baseline, True)]
    frame = pd.DataFrame([{
        "arch_hash": arch.hash, "arch": arch.canonical, "ops": ";".join(arch.ops_used),
        "params": int(rng.integers(50_000, 250_000)), "flops": int(rng.integers(1_000_000, 4_000_000)),
        "receptive_field": int(rng.integers(9, 60)), "is_baseline": is_baseline,
        "spec_json": json.dumps(arch.to_dict()),
    } for arch, is_baseline in rows])
    store.upsert_architectures(experiment_id, frame)
    for arch, is_baseline in rows:
        quality = 0.97 if is_baseline else float(rng.uniform(0.85, 0.98))
        for fidelity, shift, epochs in (("proxy", -0.15, 2), ("target", 0.0, 10)):
            proxy_noise = float(rng.normal(0, 0.02)) if fidelity == "proxy" else 0.0
            for seed in range(seeds):
                metric = quality + shift + proxy_noise + float(rng.normal(0, 0.006))
                trial_status = "ok"
                if nan_share and rng.random() < nan_share:
                    metric, trial_status = float("nan"), str(rng.choice(["ok", "failed", "diverged"]))
                curve = tuple((epoch, 2.0 / epoch, metric * epoch / epochs) for epoch in range(1, epochs + 1))
                store.add_trial(experiment_id, TrialRecord(
                    trial_id=f"{arch.hash}:{fidelity}:s{seed}", arch_hash=arch.hash, seed=seed, data_seed=seed,
                    fidelity=fidelity, metric=metric, test_metric=metric - 0.01, status=trial_status,
                    epochs=epochs, wall_time_s=0.5, curve=curve,
                ))
    return experiment_id


@pytest.fixture(autouse=True)
def no_demo(monkeypatch):
    """Keep tests from loading the repository's demo unless a test asks for it."""
    monkeypatch.setenv("NASDIAG_DEMO", "off")


@pytest.fixture(scope="session")
def shared_dbs(tmp_path_factory) -> dict[str, Path]:
    """Read-only databases built once per session, so the dashboard's caches serve repeat visits.

    Tests that write (imports, cancels, saves) use the per-test `store` instead.
    """
    folder = tmp_path_factory.mktemp("shared_dbs")
    paths = {}
    for variant, options in {"multi_seed": {}, "single_seed": {"seeds": 1},
                             "nan_metrics": {"nan_share": 0.3, "rng_seed": 3}}.items():
        paths[variant] = folder / f"{variant}.duckdb"
        add_search_experiment(Store(paths[variant]), name=f"{variant} search", **options)
    paths["empty"] = folder / "empty.duckdb"
    Store(paths["empty"])
    return paths


@pytest.fixture()
def use_db(monkeypatch, shared_dbs):
    """Return a function that points the dashboard at one of the shared databases."""
    def point_at(variant: str) -> Path:
        monkeypatch.setenv("NASDIAG_DB", str(shared_dbs[variant]))
        return shared_dbs[variant]
    return point_at


@pytest.fixture()
def db_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "nasdiag.duckdb"
    monkeypatch.setenv("NASDIAG_DB", str(path))
    return path


@pytest.fixture()
def store(db_path) -> Store:
    return Store(db_path)


@pytest.fixture()
def user_dirs(tmp_path, monkeypatch) -> dict[str, Path]:
    """Point the saved-space and run-log folders into tmp_path."""
    import nasdiag.ui.state as state

    dirs = {"spaces": tmp_path / "spaces_user", "runs": tmp_path / "runs"}
    monkeypatch.setattr(state, "USER_SPACES_DIR", dirs["spaces"])
    monkeypatch.setattr(state, "RUNS_DIR", dirs["runs"])
    return dirs


def open_app(page: str | None = None, *, query: dict[str, str] | None = None, timeout: float = 120) -> AppTest:
    """Start the app like a browser would and optionally switch to a page."""
    app = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    app.run()
    if page is not None:
        app.switch_page(PAGES[page]).run()
    return app


def plotly_charts(app: AppTest) -> list:
    return list(app.get("plotly_chart"))
