"""Learner reruns: the CLI line builds the same search config (and id) as the lesson asked for."""

from __future__ import annotations

import pytest

from nasdiag.cli import _build_parser
from nasdiag.lessons import live
from nasdiag.lessons.mismatch import Widening
from nasdiag.search.setup import build_search_config


def config_from_cli(command: list[str]):
    """Parse the CLI line and build the config the way `nasdiag search` does."""
    args = _build_parser().parse_args(command[3:])  # drop python -m nasdiag
    return build_search_config(
        space=args.space, task=args.task, strategy=args.strategy, budget=args.budget, seeds=args.seeds,
        proxies=[] if args.no_proxy else (args.proxy or ["proxy:epochs=2,data=0.25"]), target=args.target,
        target_eval=args.target_eval, top_k=args.top_k, data_order=args.data_order,
        with_baselines=not args.no_baselines, search_seed=args.seed, name=args.name, strategy_options={},
    )


@pytest.mark.parametrize("search", [
    live.proxy_rerun(epochs=2, data_fraction=0.25, budget=8),
    live.proxy_rerun(epochs=1, data_fraction=0.1, budget=6, target_eval="top", top_k=2),
    live.noise_rerun(seeds=3, data_order="fixed", budget=5),
    live.noise_rerun(seeds=2, data_order="varied", budget=3),
])
def test_cli_line_gives_same_experiment(tmp_path, search):
    command = live.cli_command(search, tmp_path / "db.duckdb")
    assert config_from_cli(command).experiment_id() == live.experiment_id_for(search)


@pytest.mark.slow
def test_mismatch_cli_line_gives_same_experiment(tmp_path):
    search = live.mismatch_rerun(Widening(dilation=True), budget=3, space_dir=tmp_path / "spaces")
    command = live.cli_command(search, tmp_path / "db.duckdb")
    assert config_from_cli(command).experiment_id() == live.experiment_id_for(search)


def test_mismatch_rerun_writes_space_once(tmp_path):
    first = live.mismatch_rerun(Widening(depth=True), budget=2, space_dir=tmp_path)
    path = tmp_path / "mnist1d_chain_lesson_depth.yaml"
    assert first["space"] == str(path)
    stamp = path.stat().st_mtime_ns
    live.mismatch_rerun(Widening(depth=True), budget=2, space_dir=tmp_path)
    assert path.stat().st_mtime_ns == stamp


def test_noise_rerun_without_baselines_in_cli(tmp_path):
    command = live.cli_command(live.noise_rerun(seeds=2, data_order="fixed", budget=3), tmp_path / "d")
    assert "--no-baselines" in command
    assert command[command.index("--data-order") + 1] == "fixed"
    assert "--no-proxy" in command


@pytest.mark.parametrize(("call", "message"), [
    (lambda: live.noise_rerun(seeds=1, data_order="varied", budget=3), "seeds must be an integer in 2..5"),
    (lambda: live.noise_rerun(seeds=2, data_order="random", budget=3), "data_order"),
    (lambda: live.proxy_rerun(epochs=0, data_fraction=0.5, budget=8), "epochs must be an integer in 1..10"),
    (lambda: live.proxy_rerun(epochs=1, data_fraction=1.5, budget=8), "data_fraction"),
    (lambda: live.proxy_rerun(epochs=1, data_fraction=0.5, budget=99), "budget"),
    (lambda: live.proxy_rerun(epochs=1, data_fraction=0.5, budget=8, target_eval="none"), "target_eval"),
])
def test_rerun_rejects_out_of_range(call, message):
    with pytest.raises(ValueError, match=message):
        call()
