"""What runs inside a worker: one trial job in, one trial outcome out.

Jobs and outcomes are plain picklable dataclasses so that any executor can ship them. The
worker never touches the database: only the driver process writes it.
"""

from __future__ import annotations

import logging
import math
import time
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrialJob:
    """Everything a worker needs to train one architecture at one fidelity with one seed pair."""

    trial_id: str
    space_yaml: str          # the space the architecture belongs to (baselines may use another)
    arch: str                # canonical architecture string
    task: str
    split_seed: int
    fidelity: str
    fidelity_spec: tuple[tuple[str, Any], ...]  # Fidelity.to_dict() items, hashable for caching
    init_seed: int
    data_seed: int
    device: str = "cpu"


@dataclass(frozen=True)
class TrialOutcome:
    """The result of a `TrialJob`: metrics, curve and timing, or the error that stopped it."""

    trial_id: str
    status: str                     # ok, diverged or failed
    metric: float
    test_metric: float
    epochs: int
    wall_time_s: float
    curve: tuple[tuple[int, float, float], ...] = field(default=())
    error: str | None = None


@lru_cache(maxsize=8)
def _space(space_yaml: str):
    from nasdiag.space import SearchSpace

    return SearchSpace.from_yaml(space_yaml)


@lru_cache(maxsize=4)
def _task(task: str, split_seed: int):
    from nasdiag.tasks import load_task

    return load_task(task, split_seed=split_seed)


@lru_cache(maxsize=16)
def _fidelity_data(task: str, split_seed: int, fidelity_spec: tuple[tuple[str, Any], ...]):
    from nasdiag.tasks import Fidelity

    fidelity = Fidelity.from_dict(dict(fidelity_spec))
    # The proxy's data subset depends on the split seed only, so every architecture and seed
    # sees the same subset and the proxy ranks architectures, not subsets.
    return fidelity, fidelity.apply(_task(task, split_seed), seed=split_seed)


def run_trial_job(job: TrialJob) -> TrialOutcome:
    """Train one trial. A crash inside training becomes a `failed` outcome, never an exception."""
    from nasdiag.train.model import build_model
    from nasdiag.train.trainer import train_trial

    start = time.perf_counter()
    try:
        space = _space(job.space_yaml)
        arch = space.parse(job.arch)
        fidelity, data = _fidelity_data(job.task, job.split_seed, job.fidelity_spec)
        result = train_trial(
            lambda: build_model(arch, space, data.input_shape, data.num_classes, width_mult=fidelity.width_mult),
            data,
            epochs=fidelity.epochs,
            init_seed=job.init_seed,
            data_seed=job.data_seed,
            batch_size=fidelity.batch_size,
            lr=fidelity.lr,
            device=job.device,
        )
    except (RuntimeError, ValueError, MemoryError) as error:
        # A broken architecture or an out-of-memory trial is stored as failed so that the search
        # goes on and the failure stays visible in the diagnostics.
        logger.warning("trial %s failed: %s", job.trial_id, error)
        return TrialOutcome(
            trial_id=job.trial_id, status="failed", metric=math.nan, test_metric=math.nan, epochs=0,
            wall_time_s=time.perf_counter() - start, error=f"{error}\n{traceback.format_exc(limit=3)}",
        )
    return TrialOutcome(
        trial_id=job.trial_id,
        status=result.status,
        metric=float(result.val_metric),
        test_metric=float(result.test_metric),
        epochs=int(result.epochs_run),
        wall_time_s=float(result.wall_time_s),
        curve=tuple((int(e), float(loss), float(val)) for e, loss, val in result.curve),
    )
