"""Executors: where trial jobs run.

An executor takes `TrialJob`s and returns futures of `TrialOutcome`s. The runner depends only on
this interface, so a distributed executor (for example on Ray) can replace the local process
pool without touching the search logic.

Measured on the 2-core development machine (see docs/benchmarks.md, "Training throughput"): two
worker processes with one intra-op thread each train small CNNs faster than one process with two
threads, because these models are too small for intra-op parallelism to pay off. That is the
default.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from abc import ABC, abstractmethod
from concurrent.futures import Future, ProcessPoolExecutor

from nasdiag.search.worker import TrialJob, TrialOutcome, run_trial_job

logger = logging.getLogger(__name__)


def default_workers() -> int:
    """Return the default number of worker processes: one per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Executor(ABC):
    """Runs trial jobs and returns futures. Implementations must be usable as context managers."""

    workers: int

    @abstractmethod
    def submit(self, job: TrialJob) -> Future[TrialOutcome]: ...

    @abstractmethod
    def shutdown(self, cancel_pending: bool = True) -> None: ...

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown(cancel_pending=True)


def _init_worker(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    # Interop threads can only be set before any parallel work starts in the process.
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(1)


class LocalProcessExecutor(Executor):
    """A pool of `workers` spawned processes, each with `threads` intra-op threads.

    Processes are spawned, not forked: a forked child inherits the parent's DuckDB instance and
    torch thread pools, and both misbehave after fork.
    """

    def __init__(self, workers: int | None = None, threads: int = 1):
        self.workers = workers or default_workers()
        self.threads = threads
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(threads,),
        )
        logger.info("started %d worker processes with %d threads each", self.workers, threads)

    def submit(self, job: TrialJob) -> Future[TrialOutcome]:
        return self._pool.submit(run_trial_job, job)

    def shutdown(self, cancel_pending: bool = True) -> None:
        self._pool.shutdown(wait=True, cancel_futures=cancel_pending)
        logger.info("stopped worker processes")


class InlineExecutor(Executor):
    """Runs each job in the calling process when it is submitted, with `threads` intra-op threads.

    Used for `--workers 1` and in tests, where spawning processes costs more than the trials.
    """

    def __init__(self, threads: int = 1):
        self.workers = 1
        self.threads = threads
        import torch

        torch.set_num_threads(threads)

    def submit(self, job: TrialJob) -> Future[TrialOutcome]:
        future: Future[TrialOutcome] = Future()
        future.set_result(run_trial_job(job))
        return future

    def shutdown(self, cancel_pending: bool = True) -> None:
        return None


def make_executor(workers: int | None = None, threads: int = 1) -> Executor:
    """Return an inline executor for one worker, else a local process pool."""
    workers = workers or default_workers()
    if workers == 1:
        return InlineExecutor(threads=threads)
    return LocalProcessExecutor(workers=workers, threads=threads)
