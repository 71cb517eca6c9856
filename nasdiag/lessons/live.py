"""Learner reruns: the search configs the lesson controls produce, and the CLI line that runs them.

A rerun is a real `nasdiag search` process writing into the dashboard's database. Its
experiment id is the hash of its config, so the page computes the id before the process starts,
and a rerun with settings tried before resumes (and finishes at once) instead of training again.

Sizes are capped to keep a rerun near a minute. The noise lesson's default rerun (18 trials)
took 56 s on the 2-core development machine while other jobs kept it busy (docs/lessons.md).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from nasdiag.lessons.catalog import MISMATCH_TARGET, NOISE_TARGET, PROXY_TARGET
from nasdiag.lessons.mismatch import TASK as MISMATCH_TASK
from nasdiag.lessons.mismatch import Widening, widened_space

# Budgets of the reruns; the controls cannot go above these.
MISMATCH_MAX_BUDGET = 6
PROXY_MAX_BUDGET = 16
NOISE_MAX_BUDGET = 10
NOISE_MAX_SEEDS = 5


def mismatch_rerun(widening: Widening, *, budget: int, space_dir: Path, search_seed: int = 0) -> dict[str, Any]:
    """Search the narrow space widened by ``widening``, 2 seeds, at the lesson's target.

    The widened space is written as YAML under ``space_dir`` (the CLI takes a file).
    """
    _check_range("budget", budget, 1, MISMATCH_MAX_BUDGET)
    space = widened_space(widening)
    space_dir.mkdir(parents=True, exist_ok=True)
    path = space_dir / f"{space.name}.yaml"
    text = space.to_yaml()
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return dict(space=str(path), task=MISMATCH_TASK, strategy="random", budget=budget, seeds=2, proxies=[],
                target=MISMATCH_TARGET, target_eval="all", with_baselines=True, search_seed=search_seed,
                name=f"lesson rerun: {widening.label()} space, {budget} archs")


def proxy_rerun(*, epochs: int, data_fraction: float, budget: int, target_eval: str = "all", top_k: int = 3,
                search_seed: int = 1) -> dict[str, Any]:
    """Search digits with one proxy of the learner's choice, 2 seeds.

    ``search_seed`` defaults to 1, so the rerun samples other architectures than the bundle.
    """
    _check_range("epochs", epochs, 1, 10)
    _check_range("budget", budget, 4, PROXY_MAX_BUDGET)
    if not 0 < data_fraction <= 1:
        raise ValueError(f"data_fraction must be in (0, 1], got {data_fraction}")
    if target_eval not in ("all", "top"):
        raise ValueError(f"target_eval must be 'all' or 'top', got {target_eval!r}")
    proxy = f"proxy:epochs={epochs},data={data_fraction:g}"
    return dict(space="digits_chain", task="digits", strategy="random", budget=budget, seeds=2, proxies=[proxy],
                target=PROXY_TARGET, target_eval=target_eval, top_k=top_k, with_baselines=True,
                search_seed=search_seed, name=f"lesson rerun: proxy epochs={epochs} data={data_fraction:g}, "
                f"target-eval {target_eval}")


def noise_rerun(*, seeds: int, data_order: str, budget: int, search_seed: int = 1) -> dict[str, Any]:
    """Train ``budget`` digits architectures with ``seeds`` seeds each at the lesson's target."""
    _check_range("seeds", seeds, 2, NOISE_MAX_SEEDS)
    _check_range("budget", budget, 3, NOISE_MAX_BUDGET)
    if data_order not in ("varied", "fixed"):
        raise ValueError(f"data_order must be 'varied' or 'fixed', got {data_order!r}")
    return dict(space="digits_chain", task="digits", strategy="random", budget=budget, seeds=seeds, proxies=[],
                target=NOISE_TARGET, data_order=data_order, with_baselines=False, search_seed=search_seed,
                name=f"lesson rerun: {budget} archs x {seeds} seeds, {data_order} data order")


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer in {low}..{high}, got {value!r}")


def experiment_id_for(search: dict[str, Any]) -> str:
    """Return the experiment id the CLI will give this search (validates the config too)."""
    from nasdiag.search.setup import build_search_config

    return build_search_config(**search).experiment_id()


def cli_command(search: dict[str, Any], db: Path, *, workers: int = 2) -> list[str]:
    """Return the `nasdiag search` argument list that builds the same config as ``search``."""
    command = [sys.executable, "-m", "nasdiag", "search",
               "--space", str(search["space"]), "--task", search["task"], "--strategy", search["strategy"],
               "--budget", str(search["budget"]), "--seeds", str(search["seeds"]),
               "--target", search["target"], "--target-eval", search.get("target_eval", "all"),
               "--top-k", str(search.get("top_k", 5)), "--data-order", search.get("data_order", "varied"),
               "--seed", str(search["search_seed"]), "--name", search["name"], "--db", str(db),
               "--workers", str(workers), "--no-progress"]
    if search.get("proxies"):
        for proxy in search["proxies"]:
            command += ["--proxy", proxy]
    else:
        command.append("--no-proxy")
    if not search.get("with_baselines", True):
        command.append("--no-baselines")
    if search.get("rank_seeds"):
        command += ["--rank-seeds", str(search["rank_seeds"])]
    return command
