"""The search runner: drives a strategy, hands trials to an executor and stores every trial.

Reproducibility and resume rest on two rules:

1. Results reach the strategy's `tell` in the order its `ask` proposed the candidates, and at most
   `parallel_candidates` candidates are outstanding. The sequence of asks therefore depends only
   on the seeds and the metrics, never on which worker finished first, so the same command gives
   the same search.
2. Every trial has a deterministic id (architecture hash, fidelity, init seed, data-order seed)
   and is committed to the store as soon as it finishes. A search started again with the same
   command replays the strategy, takes finished trials from the store instead of training them,
   and trains only what is missing. A search killed with SIGKILL loses at most the trials that
   were running.

Only this driver process writes the database; workers return outcomes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nasdiag.search.executors import Executor, make_executor
from nasdiag.search.strategy import Candidate, make_strategy
from nasdiag.search.worker import TrialJob, TrialOutcome
from nasdiag.store import Store, TrialRecord

logger = logging.getLogger(__name__)

TARGET_EVAL_MODES = ("all", "top", "none")
# SearchConfig fields added after experiments were stored, with the default that leaves them out of the id.
_LATER_FIELDS = {"rank_seeds": 0}


@dataclass(frozen=True)
class SearchConfig:
    """Everything that defines a search; its hash is the experiment id, so equal configs resume.

    `fidelities` contains `Fidelity.to_dict()` dicts: the proxies cheapest first, then the target
    last. Worker count, threads and device do not change results and are not part of the hash.
    """

    name: str
    space_yaml: str
    task: str
    fidelities: tuple[dict[str, Any], ...]
    strategy: str = "random"
    budget: int = 20                # architectures the strategy proposes
    seeds: int = 3                  # init seeds per architecture and fidelity
    search_seed: int = 0            # seeds the strategy's sampling and the data splits
    data_order: str = "varied"      # 'varied': data-order seed = init seed; 'fixed': always 0
    target_eval: str = "all"        # 'all' fidelities for every arch, 'top' k at the target, 'none'
    top_k: int = 5                  # with target_eval='top': the proxy's current top-k go to the target
    baselines: tuple[tuple[str, str, str], ...] = ()  # (name, arch string, space YAML)
    parallel_candidates: int = 4    # candidates outstanding at once (not the worker count)
    strategy_options: tuple[tuple[str, Any], ...] = ()
    rank_seeds: int = 0             # seeds whose mean the strategy ranks by (0 = all), the rest only measure the noise

    def experiment_id(self) -> str:
        fields = asdict(self)
        # Fields added later are hashed only when set, so the ids of earlier experiments stay valid.
        for name, default in _LATER_FIELDS.items():
            if fields[name] == default:
                del fields[name]
        payload = json.dumps(fields, sort_keys=True, default=str)
        return hashlib.sha1(payload.encode()).hexdigest()[:12]

    @property
    def ranking_seeds(self) -> int:
        """Seeds per architecture whose mean ranks it: the first `rank_seeds`, or all of them."""
        return self.rank_seeds or self.seeds

    @property
    def fidelity_names(self) -> list[str]:
        return [f["name"] for f in self.fidelities]

    @property
    def target(self) -> str:
        return self.fidelities[-1]["name"]


@dataclass
class SearchProgress:
    """Counts passed to the progress callback after each trial."""

    experiment_id: str
    done: int = 0
    planned: int = 0
    trained: int = 0
    reused: int = 0
    diverged: int = 0
    failed: int = 0
    last: TrialOutcome | None = None


@dataclass
class SearchSummary:
    """Summary of a finished or cancelled search."""

    experiment_id: str
    status: str
    trials_trained: int
    trials_reused: int
    best_arch: str | None
    best_score: float | None
    history: list[tuple[str, str, float]] = field(default_factory=list)  # (arch, fidelity, score)


def trial_id_for(arch_hash: str, fidelity: str, init_seed: int, data_seed: int) -> str:
    """Return the deterministic id of one trial."""
    return f"{arch_hash}:{fidelity}:s{init_seed}:d{data_seed}"


class _Evaluation:
    """One candidate's trials at one fidelity (one per seed), cached or in flight."""

    def __init__(self, candidate: Candidate, trial_ids: list[str], told: bool, ranked: int | None = None):
        self.candidate = candidate
        self.trial_ids = trial_ids
        self.ranked = trial_ids[:ranked] if ranked else trial_ids  # the seeds whose mean is the score
        self.told = told                      # False for side evaluations (baselines, target checks)
        self.outcomes: dict[str, tuple[str, float]] = {}

    @property
    def complete(self) -> bool:
        return len(self.outcomes) == len(self.trial_ids)

    def score(self) -> float:
        values = [metric for status, metric in (self.outcomes[t] for t in self.ranked)
                  if status == "ok" and not math.isnan(metric)]
        return float(np.mean(values)) if values else math.nan


class SearchRunner:
    """Runs one search config against one store (see the module docstring for the rules)."""

    def __init__(self, config: SearchConfig, store: Store, *, executor: Executor | None = None,
                 workers: int | None = None, threads: int = 1, device: str = "cpu",
                 progress: Callable[[SearchProgress], None] | None = None):
        from nasdiag.space import SearchSpace
        from nasdiag.tasks import Fidelity, load_task

        self.config = config
        self.store = store
        self.space = SearchSpace.from_yaml(config.space_yaml)
        self.fidelities = {spec["name"]: Fidelity.from_dict(spec) for spec in config.fidelities}
        self.task_data = load_task(config.task, split_seed=config.search_seed)
        self.device = device
        self.progress_callback = progress
        self._executor = executor
        self._workers = workers
        self._threads = threads
        self.experiment_id = config.experiment_id()
        self.progress = SearchProgress(self.experiment_id)
        self._stored: dict[str, tuple[str, float]] = {}
        self._inflight: dict[Future[TrialOutcome], _Evaluation] = {}
        self._target_checked: set[str] = set()
        self._profiled: set[str] = set()

    # ------------------------------------------------------------------ setup

    def _seed_pairs(self) -> list[tuple[int, int]]:
        pairs = []
        for index in range(self.config.seeds):
            init_seed = index
            data_seed = index if self.config.data_order == "varied" else 0
            pairs.append((init_seed, data_seed))
        return pairs

    def _planned_trials(self, strategy_evaluations: int) -> int:
        seeds = self.config.seeds
        n_fidelities = len(self.config.fidelities)
        baselines = len(self.config.baselines) * n_fidelities * seeds
        if self.config.strategy == "halving":
            return strategy_evaluations * seeds + baselines
        if self.config.target_eval == "all":
            return strategy_evaluations * seeds * n_fidelities + baselines
        per_arch = n_fidelities - 1 if n_fidelities > 1 else 1
        extra = self.config.top_k * seeds if self.config.target_eval == "top" and n_fidelities > 1 else 0
        # NOTE: with target_eval='top' the top-k changes during the search, so more than k
        # architectures can reach the target; the plan counts k and the bar may pass 100%.
        return strategy_evaluations * seeds * per_arch + extra + baselines

    def _open_experiment(self, planned: int) -> None:
        existing = self.store.find_experiment_by_id(self.experiment_id)
        names = self.config.fidelity_names
        if existing is None:
            self.store.save_space(self.space.hash, self.space.name, self.space.family, self.space.spec)
            self.store.create_experiment(
                experiment_id=self.experiment_id,
                name=self.config.name,
                kind="search",
                metric_name="val_accuracy",
                maximize=True,
                source=f"nasdiag search ({self.config.strategy})",
                task=self.config.task,
                space_hash=self.space.hash,
                proxy_fidelities=names[:-1],
                target_fidelity=names[-1],
                fidelity_specs={
                    spec["name"]: ("target" if i == len(names) - 1 else "proxy", spec)
                    for i, spec in enumerate(self.config.fidelities)
                },
                planned_trials=planned,
                config=asdict(self.config),
                pid=os.getpid(),
            )
        else:
            self.store.update_experiment(
                self.experiment_id, status="running", pid=os.getpid(), planned_trials=planned,
                cancel_requested=False,
            )
            stored = self.store.load_trials(self.experiment_id)
            self._stored = {
                row.trial_id: (row.status, math.nan if pd.isna(row.metric) else float(row.metric))
                for row in stored.itertuples()
            }
            logger.info("resuming experiment %s with %d stored trials", self.experiment_id, len(self._stored))

    def _register_arch(self, arch: Any, space: Any, is_baseline: bool) -> None:
        if arch.hash in self._profiled:
            return
        from nasdiag.train.profile import profile_architecture

        profile = profile_architecture(arch, space, self.task_data.input_shape, self.task_data.num_classes)
        frame = pd.DataFrame([{
            "arch_hash": arch.hash, "arch": arch.canonical, "ops": ";".join(arch.ops_used),
            "params": profile.params, "flops": profile.flops, "receptive_field": profile.receptive_field,
            "is_baseline": is_baseline, "spec_json": json.dumps(arch.to_dict(), default=str),
        }])
        self.store.upsert_architectures(self.experiment_id, frame)
        self._profiled.add(arch.hash)

    # ------------------------------------------------------------------ evaluation

    def _evaluate(self, executor: Executor, candidate: Candidate, *, told: bool,
                  space_yaml: str | None = None) -> _Evaluation:
        """Submit (or reuse from the store) the seeds' trials of one candidate at one fidelity."""
        fidelity = self.fidelities[candidate.fidelity]
        jobs = []
        for init_seed, data_seed in self._seed_pairs():
            trial_id = trial_id_for(candidate.arch.hash, candidate.fidelity, init_seed, data_seed)
            jobs.append(TrialJob(
                trial_id=trial_id, space_yaml=space_yaml or self.config.space_yaml,
                arch=candidate.arch.canonical, task=self.config.task, split_seed=self.config.search_seed,
                fidelity=candidate.fidelity, fidelity_spec=tuple(sorted(fidelity.to_dict().items())),
                init_seed=init_seed, data_seed=data_seed, device=self.device,
            ))
        evaluation = _Evaluation(candidate, [job.trial_id for job in jobs], told, self.config.ranking_seeds)
        for job in jobs:
            if job.trial_id in self._stored:
                evaluation.outcomes[job.trial_id] = self._stored[job.trial_id]
                self.progress.reused += 1
                self._advance(None)
            else:
                self._inflight[executor.submit(job)] = evaluation
        return evaluation

    def _record(self, evaluation: _Evaluation, outcome: TrialOutcome) -> None:
        """Commit one finished trial; this is the only place a search writes trials."""
        init_seed, data_seed = _seeds_from_trial_id(outcome.trial_id)
        self.store.add_trial(self.experiment_id, TrialRecord(
            trial_id=outcome.trial_id, arch_hash=evaluation.candidate.arch.hash, seed=init_seed,
            data_seed=data_seed, fidelity=evaluation.candidate.fidelity, metric=outcome.metric,
            test_metric=outcome.test_metric, status=outcome.status, epochs=outcome.epochs,
            wall_time_s=outcome.wall_time_s, curve=outcome.curve,
        ))
        if outcome.status == "failed":
            logger.warning("trial %s of experiment %s failed: %s", outcome.trial_id, self.experiment_id, outcome.error)
        evaluation.outcomes[outcome.trial_id] = (outcome.status, outcome.metric)
        self.progress.trained += 1
        self.progress.diverged += outcome.status == "diverged"
        self.progress.failed += outcome.status == "failed"
        self._advance(outcome)

    def _advance(self, outcome: TrialOutcome | None) -> None:
        self.progress.done = self.progress.trained + self.progress.reused
        self.progress.last = outcome
        if self.progress_callback is not None:
            self.progress_callback(self.progress)

    def _drain_until(self, evaluation: _Evaluation) -> None:
        """Record finished trials, in completion order, until `evaluation` is complete."""
        while not evaluation.complete:
            done, _ = wait(list(self._inflight), return_when=FIRST_COMPLETED)
            for future in done:
                owner = self._inflight.pop(future)
                self._record(owner, future.result())

    # ------------------------------------------------------------------ main loop

    def run(self) -> SearchSummary:
        """Run the search to the end, or until cancelled; return a summary."""
        config = self.config
        rng = np.random.default_rng(config.search_seed)
        names = config.fidelity_names
        strategy = make_strategy(
            config.strategy, self.space, budget=config.budget, fidelities=names, rng=rng,
            **dict(config.strategy_options),
        )
        self.progress.planned = self._planned_trials(strategy.planned_evaluations())
        self._open_experiment(self.progress.planned)
        executor = self._executor or make_executor(self._workers, self._threads)
        status = "finished"
        history: list[tuple[str, str, float]] = []
        try:
            status = self._search_loop(executor, strategy, history)
        except KeyboardInterrupt:
            status = "cancelled"
            logger.info("experiment %s interrupted", self.experiment_id)
            raise
        except BaseException:
            status = "failed"
            raise
        finally:
            # The status goes first: joining the worker processes can take seconds, and the
            # dashboard should not show a finished search as running meanwhile.
            self.store.update_experiment(self.experiment_id, status=status, pid=None)
            if self._executor is None:
                executor.shutdown(cancel_pending=True)

        best = _best(history, names[-1] if config.strategy == "halving" else names[0])
        logger.info("experiment %s %s: %d trials trained, %d reused", self.experiment_id, status,
                    self.progress.trained, self.progress.reused)
        return SearchSummary(self.experiment_id, status, self.progress.trained, self.progress.reused,
                             best[0], best[1], history)

    def _search_loop(self, executor: Executor, strategy: Any, history: list[tuple[str, str, float]]) -> str:
        """Ask, evaluate and tell until the strategy is done or a cancel arrives; return the status."""
        config = self.config
        names = config.fidelity_names
        side = self._submit_baselines(executor)  # trained next to the search, never told
        pending: deque[_Evaluation] = deque()
        search_scores: dict[str, tuple[Any, float]] = {}
        while True:
            # Keep `parallel_candidates` candidates in flight.
            while len(pending) < config.parallel_candidates:
                candidate = strategy.ask()
                if candidate is None:
                    break
                self._register_arch(candidate.arch, self.space, is_baseline=False)
                pending.append(self._evaluate(executor, candidate, told=True))
                if config.strategy != "halving" and config.target_eval == "all":
                    for other in names:
                        if other != candidate.fidelity:
                            side.append(self._evaluate(executor, Candidate(candidate.arch, other), told=False))
            if not pending:
                break

            # Tell the oldest candidate's result, whatever finished first.
            head = pending.popleft()
            self._drain_until(head)
            score = head.score()
            strategy.tell(head.candidate, score)
            history.append((head.candidate.arch.canonical, head.candidate.fidelity, score))
            if head.candidate.fidelity == names[0] or config.strategy == "halving":
                search_scores[head.candidate.arch.hash] = (head.candidate.arch, score)
            if config.strategy != "halving" and config.target_eval == "top" and len(names) > 1:
                side.extend(self._submit_top_k(executor, search_scores))
            if self.store.cancel_requested(self.experiment_id):
                logger.info("experiment %s cancelled on request", self.experiment_id)
                return "cancelled"

        for evaluation in side:
            self._drain_until(evaluation)
        return "finished"

    def _submit_baselines(self, executor: Executor) -> list[_Evaluation]:
        from nasdiag.space import SearchSpace

        evaluations = []
        for _name, arch_string, space_yaml in self.config.baselines:
            space = SearchSpace.from_yaml(space_yaml)
            arch = space.parse(arch_string)
            self._register_arch(arch, space, is_baseline=True)
            for fidelity in self.config.fidelity_names:
                evaluations.append(self._evaluate(executor, Candidate(arch, fidelity), told=False, space_yaml=space_yaml))
        return evaluations

    def _submit_top_k(self, executor: Executor, scores: dict[str, tuple[Any, float]]) -> list[_Evaluation]:
        ranked = sorted(scores.values(), key=lambda item: -math.inf if math.isnan(item[1]) else item[1], reverse=True)
        evaluations = []
        for arch, _score in ranked[: self.config.top_k]:
            if arch.hash in self._target_checked:
                continue
            self._target_checked.add(arch.hash)
            evaluations.append(self._evaluate(executor, Candidate(arch, self.config.target), told=False))
        return evaluations


def _seeds_from_trial_id(trial_id: str) -> tuple[int, int]:
    parts = trial_id.rsplit(":", 2)
    return int(parts[-2][1:]), int(parts[-1][1:])


def _best(history: list[tuple[str, str, float]], fidelity: str) -> tuple[str | None, float | None]:
    scored = [(arch, score) for arch, fid, score in history if fid == fidelity and not math.isnan(score)]
    if not scored:
        return None, None
    arch, score = max(scored, key=lambda item: item[1])
    return arch, score


def run_search(config: SearchConfig, store: Store, **options: Any) -> SearchSummary:
    """Run (or resume) the search described by `config`; see `SearchRunner` for the options."""
    return SearchRunner(config, store, **options).run()
