"""Search strategies behind one ask/tell interface.

The contract, documented once here:

- `ask()` returns the next `Candidate` to evaluate (an architecture and the fidelity to
  evaluate it at), or None when the strategy has nothing to propose until results for outstanding
  candidates arrive through `tell`, or when its budget is spent (then `finished` is True).
- `tell(candidate, score)` reports the candidate's score: the mean metric over its seeds at that
  fidelity, NaN when every seed diverged. Scores are always "higher is better"; the runner negates
  metrics that are minimised.
- A strategy draws randomness only from the `numpy.random.Generator` it was given, so the same
  seed and the same sequence of tells give the same asks. The runner tells results in ask order
  (see `runner.py`), which makes a whole search reproducible whatever the worker timing.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Candidate:
    """An architecture to evaluate at one fidelity; `rung` is the successive-halving level."""

    arch: Any  # nasdiag.space.Architecture
    fidelity: str
    rung: int = 0


class Strategy(ABC):
    """The ask/tell interface shared by every search strategy (see the module docstring)."""

    name: str = "strategy"

    @abstractmethod
    def ask(self) -> Candidate | None: ...

    @abstractmethod
    def tell(self, candidate: Candidate, score: float) -> None: ...

    @property
    @abstractmethod
    def finished(self) -> bool: ...

    def planned_evaluations(self) -> int:
        """Return the number of candidates the strategy will ask for, for progress and ETA."""
        return 0


def _better(score: float) -> float:
    """Sort key that puts NaN (diverged) scores last."""
    return -math.inf if math.isnan(score) else score


class RandomSearch(Strategy):
    """Sample `budget` distinct architectures uniformly and evaluate each at `fidelity`."""

    name = "random"

    def __init__(self, space: Any, *, budget: int, fidelity: str, rng: np.random.Generator,
                 max_draws_per_arch: int = 50):
        self.space = space
        self.budget = budget
        self.fidelity = fidelity
        self.rng = rng
        self.max_draws_per_arch = max_draws_per_arch
        self._asked = 0
        self._told = 0
        self._seen: set[str] = set()

    def ask(self) -> Candidate | None:
        if self._asked >= self.budget:
            return None
        arch = self.space.sample(self.rng)
        # Prefer unseen architectures; a small space may run out, then repeats are allowed.
        for _ in range(self.max_draws_per_arch):
            if arch.hash not in self._seen:
                break
            arch = self.space.sample(self.rng)
        self._seen.add(arch.hash)
        self._asked += 1
        return Candidate(arch, self.fidelity)

    def tell(self, candidate: Candidate, score: float) -> None:
        self._told += 1

    @property
    def finished(self) -> bool:
        return self._told >= self.budget

    def planned_evaluations(self) -> int:
        return self.budget


class RegularizedEvolution(Strategy):
    """Regularised (aging) evolution, Real et al. 2019, "Regularized Evolution for Image
    Classifier Architecture Search".

    The first `population_size` candidates are random. After that each candidate is a one-choice
    mutation of the best of `sample_size` members drawn from the population, and the oldest
    member leaves when a new result arrives.
    """

    name = "evolution"

    def __init__(self, space: Any, *, budget: int, fidelity: str, rng: np.random.Generator,
                 population_size: int = 10, sample_size: int = 3):
        if sample_size > population_size:
            raise ValueError(
                f"sample_size ({sample_size}) must not exceed population_size ({population_size})"
            )
        self.space = space
        self.budget = budget
        self.fidelity = fidelity
        self.rng = rng
        self.population_size = population_size
        self.sample_size = sample_size
        self.population: deque[tuple[Any, float]] = deque()
        self._asked = 0
        self._told = 0

    def ask(self) -> Candidate | None:
        if self._asked >= self.budget:
            return None
        self._asked += 1
        if self._asked <= self.population_size or len(self.population) < self.sample_size:
            return Candidate(self.space.sample(self.rng), self.fidelity)
        members = list(self.population)
        picks = self.rng.choice(len(members), size=self.sample_size, replace=False)
        parent = max((members[i] for i in picks), key=lambda member: _better(member[1]))[0]
        return Candidate(self.space.mutate(parent, self.rng), self.fidelity)

    def tell(self, candidate: Candidate, score: float) -> None:
        self._told += 1
        self.population.append((candidate.arch, score))
        if len(self.population) > self.population_size:
            self.population.popleft()

    @property
    def finished(self) -> bool:
        return self._told >= self.budget

    def planned_evaluations(self) -> int:
        return self.budget


class SuccessiveHalving(Strategy):
    """Successive halving over a ladder of fidelities, cheapest first.

    Rung 0 evaluates `budget` random architectures at `ladder[0]`; each later rung keeps the best
    1/`eta` of the rung before it (at least one) and evaluates them at the next fidelity. The
    last fidelity of the ladder should be the target.
    """

    name = "halving"

    def __init__(self, space: Any, *, budget: int, ladder: list[str], rng: np.random.Generator,
                 eta: int = 3):
        if not ladder:
            raise ValueError("successive halving needs at least one fidelity in its ladder")
        if eta < 2:
            raise ValueError(f"eta must be at least 2, got {eta}")
        self.space = space
        self.budget = budget
        self.ladder = list(ladder)
        self.rng = rng
        self.eta = eta
        self.rung = 0
        self._queue: deque[Any] = deque()
        self._results: list[tuple[Any, float]] = []
        self._rung_sizes = self._plan_rung_sizes()
        self._outstanding = 0
        self._done = False
        seen: set[str] = set()
        while len(self._queue) < budget:
            arch = space.sample(rng)
            if arch.hash in seen and len(seen) < space.distinct_cardinality():
                continue
            seen.add(arch.hash)
            self._queue.append(arch)

    def _plan_rung_sizes(self) -> list[int]:
        sizes = [self.budget]
        for _ in self.ladder[1:]:
            sizes.append(max(1, sizes[-1] // self.eta))
        return sizes

    def ask(self) -> Candidate | None:
        if self._done or not self._queue:
            return None
        self._outstanding += 1
        return Candidate(self._queue.popleft(), self.ladder[self.rung], self.rung)

    def tell(self, candidate: Candidate, score: float) -> None:
        self._outstanding -= 1
        self._results.append((candidate.arch, score))
        if self._queue or self._outstanding:
            return
        if self.rung + 1 >= len(self.ladder):
            self._done = True
            return
        ranked = sorted(self._results, key=lambda result: _better(result[1]), reverse=True)
        self.rung += 1
        self._queue.extend(arch for arch, _ in ranked[: self._rung_sizes[self.rung]])
        self._results = []

    @property
    def finished(self) -> bool:
        return self._done

    def planned_evaluations(self) -> int:
        return sum(self._rung_sizes)


STRATEGIES = ("random", "evolution", "halving")


def make_strategy(name: str, space: Any, *, budget: int, fidelities: list[str], rng: np.random.Generator,
                  **options: Any) -> Strategy:
    """Build a strategy by name; `fidelities` lists proxies cheapest first, then the target.

    Random search and evolution rank on `fidelities[0]`; successive halving climbs the whole list.
    """
    if budget < 1:
        raise ValueError(f"budget must be at least 1 architecture, got {budget}")
    if name == "random":
        return RandomSearch(space, budget=budget, fidelity=fidelities[0], rng=rng)
    if name == "evolution":
        return RegularizedEvolution(space, budget=budget, fidelity=fidelities[0], rng=rng, **options)
    if name == "halving":
        return SuccessiveHalving(space, budget=budget, ladder=fidelities, rng=rng, **options)
    raise ValueError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}")
