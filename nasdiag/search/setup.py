"""Turn user choices (from the CLI or the dashboard) into a validated `SearchConfig`.

Everything is checked here, before any database is opened, so a bad choice never leaves a
half-created experiment behind.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nasdiag.search.runner import SearchConfig
from nasdiag.search.strategy import STRATEGIES

logger = logging.getLogger(__name__)

# Seconds per training sample per epoch on one worker, from bench/bench_train.py on the 2-core
# development machine: 86 target trials/min over 2 workers (10 epochs, 1,078 digits samples,
# digits_chain preset) is 1.4 s per trial. Only used for the cost estimate.
SECONDS_PER_SAMPLE_EPOCH = 1.3e-4
# Fixed costs, estimated on the same machine: starting the search process and its spawned
# workers (Python and torch imports, loading the task), and building and evaluating one model.
STARTUP_SECONDS = 10.0
SECONDS_PER_TRIAL_OVERHEAD = 0.3


class SearchSetupError(ValueError):
    """An invalid search choice; the message names the value and the fix."""


@dataclass(frozen=True)
class CostEstimate:
    """A rough cost of a search before it runs."""

    trials: int
    trial_seconds: float          # summed over all trials, on one worker
    wall_seconds: float           # with `workers` in parallel

    def describe(self) -> str:
        minutes = self.wall_seconds / 60
        return f"{self.trials} trials, about {minutes:.1f} min of wall time (estimate)"


def resolve_space(space: str) -> tuple[Any, str]:
    """Return (SearchSpace, YAML text) for a preset name or a YAML file path."""
    from nasdiag.space import SpaceValidationError, list_presets, load_preset_space, load_space

    try:
        if space.endswith((".yaml", ".yml")) or Path(space).is_file():
            path = Path(space)
            if not path.is_file():
                raise SearchSetupError(f"space file {space!r} not found; give a YAML file or a preset name")
            loaded = load_space(path)
        elif space in list_presets():
            loaded = load_preset_space(space)
        else:
            raise SearchSetupError(
                f"unknown search space {space!r}; use a YAML file or one of the presets: "
                f"{', '.join(list_presets())}"
            )
    except SpaceValidationError as error:
        raise SearchSetupError(f"invalid search space {space!r}: {error}") from error
    return loaded, loaded.to_yaml()


def parse_fidelity(text: str, default_name: str) -> Any:
    """Parse `NAME:key=value,...` (or `key=value,...`, named `default_name`) into a Fidelity."""
    from nasdiag.tasks import Fidelity, FidelityError

    name, _, spec = text.partition(":") if ":" in text and "=" not in text.split(":", 1)[0] else ("", "", text)
    name = name or default_name
    try:
        return Fidelity.parse(name, spec)
    except FidelityError as error:
        raise SearchSetupError(str(error)) from error


def baselines_for(task: str, space: Any) -> tuple[tuple[str, str, str], ...]:
    """Return (name, arch string, space YAML) for the task's baselines that fit the space's input rank."""
    from nasdiag.space import load_baselines

    task_key = task.split(":", 1)[0]
    found = []
    for baseline in load_baselines(task_key):
        if baseline.space.spec.get("dims", 2) != space.spec.get("dims", 2):
            continue
        found.append((baseline.name, baseline.arch_string, baseline.space.to_yaml()))
    return tuple(found)


def build_search_config(
    *,
    space: str,
    task: str = "digits",
    strategy: str = "random",
    budget: int = 20,
    seeds: int = 3,
    rank_seeds: int = 0,
    proxies: Sequence[str] | None = ("proxy:epochs=2,data=0.25",),
    target: str = "target:epochs=10",
    target_eval: str = "all",
    top_k: int = 5,
    data_order: str = "varied",
    with_baselines: bool = True,
    search_seed: int = 0,
    name: str | None = None,
    strategy_options: dict[str, Any] | None = None,
) -> SearchConfig:
    """Validate every choice and return the search config.

    Raises:
        SearchSetupError: any invalid value, with the allowed values or the fix.
    """
    from nasdiag.tasks import TaskError, load_task

    if strategy not in STRATEGIES:
        raise SearchSetupError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    if not isinstance(budget, int) or budget < 1:
        raise SearchSetupError(f"budget must be at least 1 architecture, got {budget!r}; pass --budget 20")
    if not isinstance(seeds, int) or seeds < 1:
        raise SearchSetupError(f"seeds must be at least 1, got {seeds!r}; 2-3 seeds expose evaluation noise")
    if not isinstance(rank_seeds, int) or not 0 <= rank_seeds <= seeds:
        raise SearchSetupError(
            f"rank seeds (--rank-seeds) must be between 1 and the {seeds} seeds per architecture, or 0 for all "
            f"of them, got {rank_seeds!r}; pass --rank-seeds 1 to rank single runs, or raise --seeds")
    if rank_seeds == seeds:
        rank_seeds = 0  # ranking by every seed is the default; one spelling keeps one experiment id
    if target_eval not in ("all", "top", "none"):
        raise SearchSetupError(f"target_eval must be all, top or none, got {target_eval!r}")
    if top_k < 1:
        raise SearchSetupError(f"top_k must be at least 1, got {top_k}")
    if data_order not in ("varied", "fixed"):
        raise SearchSetupError(f"data_order must be varied or fixed, got {data_order!r}")

    loaded_space, space_yaml = resolve_space(space)
    if loaded_space.cardinality() < 1:
        raise SearchSetupError(f"search space {space!r} contains no architectures; add ops or depths")
    try:
        task_data = load_task(task, split_seed=search_seed)
    except TaskError as error:
        raise SearchSetupError(str(error)) from error
    task_dims = len(task_data.input_shape) - 1
    space_dims = int(loaded_space.spec.get("dims", 2))
    if task_dims != space_dims:
        raise SearchSetupError(
            f"search space {space!r} builds {space_dims}D models but task {task!r} has {task_dims}D inputs "
            f"of shape {tuple(task_data.input_shape)}; pick a space with dims: {task_dims}"
        )

    fidelities = [parse_fidelity(text, f"proxy{i + 1}" if len(proxies or ()) > 1 else "proxy")
                  for i, text in enumerate(proxies or ())]
    fidelities.sort(key=lambda fidelity: fidelity.cost)
    fidelities.append(parse_fidelity(target, "target"))
    names = [fidelity.name for fidelity in fidelities]
    if len(set(names)) != len(names):
        raise SearchSetupError(f"fidelity names must differ, got {names}; name them like p1:epochs=2")
    for fidelity in fidelities:
        if fidelity.classes is not None:
            bad = [c for c in fidelity.classes if c >= task_data.num_classes]
            if bad:
                raise SearchSetupError(
                    f"fidelity {fidelity.name!r}: classes {bad} do not exist in task {task!r} "
                    f"(labels 0-{task_data.num_classes - 1})"
                )

    baselines = baselines_for(task, loaded_space) if with_baselines else ()
    return SearchConfig(
        name=name or f"{strategy}-{task.split(':', 1)[0]}-{loaded_space.name}",
        space_yaml=space_yaml,
        task=task,
        fidelities=tuple(fidelity.to_dict() for fidelity in fidelities),
        strategy=strategy,
        budget=budget,
        seeds=seeds,
        rank_seeds=rank_seeds,
        search_seed=search_seed,
        data_order=data_order,
        target_eval=target_eval,
        top_k=top_k,
        baselines=baselines,
        strategy_options=tuple(sorted((strategy_options or {}).items())),
    )


def estimate_cost(config: SearchConfig, *, train_samples: int, workers: int = 2) -> CostEstimate:
    """Estimate trials and time from the plan, fidelities and training-set size (an estimate)."""
    from nasdiag.tasks import Fidelity

    fidelities = [Fidelity.from_dict(spec) for spec in config.fidelities]
    per_trial = {
        f.name: SECONDS_PER_TRIAL_OVERHEAD + SECONDS_PER_SAMPLE_EPOCH * train_samples * f.cost
        for f in fidelities
    }
    seeds = config.seeds
    n_baselines = len(config.baselines)
    if config.strategy == "halving":
        sizes = [config.budget]
        eta = dict(config.strategy_options).get("eta", 3)
        for _ in fidelities[1:]:
            sizes.append(max(1, sizes[-1] // eta))
        counts = {f.name: size * seeds for f, size in zip(fidelities, sizes, strict=True)}
    elif config.target_eval == "all":
        counts = {f.name: config.budget * seeds for f in fidelities}
    else:
        counts = {f.name: config.budget * seeds for f in fidelities[:-1]} if len(fidelities) > 1 else {}
        target_archs = config.top_k if config.target_eval == "top" or len(fidelities) == 1 else 0
        if len(fidelities) == 1:
            target_archs = config.budget
        counts[fidelities[-1].name] = target_archs * seeds
    for f in fidelities:
        counts[f.name] = counts.get(f.name, 0) + n_baselines * seeds
    trials = sum(counts.values())
    seconds = sum(counts[name] * per_trial[name] for name in counts)
    wall = STARTUP_SECONDS + seconds / max(1, workers)
    return CostEstimate(trials=trials, trial_seconds=seconds, wall_seconds=wall)
