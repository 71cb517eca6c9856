"""Starting searches from the dashboard and following their progress.

A search runs as a background `python -m nasdiag search ...` process, never inside Streamlit:
training would block the server, and a process survives page reloads and closed tabs. The
database is the only channel between the two, so a search started from a shell on the same
database file shows up the same way.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FidelityChoice:
    """One fidelity as the Run page edits it."""

    name: str
    epochs: int
    data_fraction: float = 1.0
    classes: str = ""  # "" keeps every class; else a list like "0-4" or "0,2,7"
    width_mult: float = 1.0

    def to_cli(self) -> str:
        """Return the CLI form `NAME:epochs=E,data=F,classes=C,width=W` (defaults left out)."""
        parts = [f"epochs={self.epochs}"]
        if self.data_fraction != 1.0:
            parts.append(f"data={self.data_fraction:g}")
        if self.classes.strip():
            parts.append(f"classes={self.classes.strip().replace(' ', '')}")
        if self.width_mult != 1.0:
            parts.append(f"width={self.width_mult:g}")
        return f"{self.name}:{','.join(parts)}"


@dataclass(frozen=True)
class RunRequest:
    """Everything the Run page passes to `nasdiag search`."""

    space_path: Path
    task: str
    strategy: str
    budget: int
    seeds: int
    proxies: tuple[FidelityChoice, ...]
    target: FidelityChoice
    name: str
    search_seed: int = 0
    with_baselines: bool = True
    target_eval: str = "all"
    workers: int | None = None
    data_order: str = "varied"
    rank_seeds: int = 0  # 0 ranks by every seed

    def search_options(self) -> dict:
        """Return the keyword arguments of `build_search_config` that the CLI will build too."""
        return {
            "space": str(self.space_path),
            "task": self.task,
            "strategy": self.strategy,
            "budget": self.budget,
            "seeds": self.seeds,
            "proxies": [proxy.to_cli() for proxy in self.proxies],
            "target": self.target.to_cli(),
            "target_eval": self.target_eval,
            "data_order": self.data_order,
            "rank_seeds": self.rank_seeds,
            "with_baselines": self.with_baselines,
            "search_seed": self.search_seed,
            "name": self.name,
            "strategy_options": _cli_strategy_options(self.strategy),
        }


def _cli_strategy_options(strategy: str) -> dict:
    # The CLI's defaults (see `nasdiag search --help`); the same options give the same config hash.
    if strategy == "evolution":
        return {"population_size": 10, "sample_size": 3}
    if strategy == "halving":
        return {"eta": 3}
    return {}


def search_command(request: RunRequest, db: Path) -> list[str]:
    """Return the argument list of the `nasdiag search` process for `request`."""
    command = [
        sys.executable, "-m", "nasdiag", "search",
        "--space", str(request.space_path),
        "--task", request.task,
        "--strategy", request.strategy,
        "--budget", str(request.budget),
        "--seeds", str(request.seeds),
        "--target", request.target.to_cli(),
        "--target-eval", request.target_eval,
        "--data-order", request.data_order,
        "--rank-seeds", str(request.rank_seeds),
        "--seed", str(request.search_seed),
        "--name", request.name,
        "--db", str(db),
        "--no-progress",
    ]
    if request.proxies:
        for proxy in request.proxies:
            command += ["--proxy", proxy.to_cli()]
    else:
        command.append("--no-proxy")
    if not request.with_baselines:
        command.append("--no-baselines")
    if request.workers is not None:
        command += ["--workers", str(request.workers)]
    return command


def launch_search(command: Sequence[str], *, log_dir: Path, cwd: Path) -> tuple[int, Path]:
    """Start `command` in its own session with output to a log file; return (pid, log path).

    The process gets a new session so that it outlives the Streamlit server's request and is
    not killed by a Ctrl-C in the terminal that runs the dashboard.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"search-{datetime.now().strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            list(command), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=str(cwd), start_new_session=True,
        )
    logger.info("started search process %d, log %s", process.pid, log_path)
    return process.pid, log_path


def process_alive(pid: int | None) -> bool:
    """Return whether a process with this id exists (and is not a zombie of ours)."""
    if not pid:
        return False
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False
    except ChildProcessError:
        pass  # not our child: fall back to the signal probe
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def tail(path: Path, lines: int = 20) -> str:
    """Return the last `lines` lines of a log file, or '' when it does not exist."""
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


@dataclass(frozen=True)
class RunProgress:
    """Progress of a search from its stored trials."""

    done: int
    planned: int
    fraction: float  # done / planned, clipped to [0, 1]; 0 when nothing is planned
    rate_per_s: float | None  # trials per second over the finished trials; None with < 2 trials
    eta_s: float | None  # seconds to the planned count at that rate; None when unknown
    elapsed_s: float | None  # from the first to the last finished trial


def run_progress(finished_at: pd.Series, planned: int | None, *, now: datetime | None = None) -> RunProgress:
    """Estimate progress and time left from the trials' finish times.

    The rate is (trials - 1) / (last - first finish time): the first trial's own duration is
    unknown, so it only starts the clock. The time left counts from the last finished trial
    (or `now`, when later) at that rate. Planned counts below the done count are raised to it.
    """
    times = pd.to_datetime(finished_at.dropna()).sort_values()
    done = int(len(finished_at))
    planned = max(int(planned or 0), done)
    fraction = done / planned if planned else 0.0
    if len(times) < 2:
        return RunProgress(done, planned, fraction, None, None, None)
    elapsed = (times.iloc[-1] - times.iloc[0]).total_seconds()
    if elapsed <= 0:
        return RunProgress(done, planned, fraction, None, None, elapsed)
    rate = (len(times) - 1) / elapsed
    remaining = planned - done
    eta = remaining / rate
    if now is not None:
        since_last = (pd.Timestamp(now) - times.iloc[-1]).total_seconds()
        eta = max(0.0, eta - max(0.0, since_last))
    return RunProgress(done, planned, float(np.clip(fraction, 0, 1)), rate, eta, elapsed)


def format_seconds(seconds: float | None) -> str:
    """Return a duration like '42 s', '3.5 min' or '1.2 h'; 'unknown' for None."""
    if seconds is None or not np.isfinite(seconds):
        return "unknown"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def wait_for_experiment(find, *, timeout_s: float = 15.0, poll_s: float = 0.25):
    """Call `find()` until it returns something or `timeout_s` passes; return the result or None."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = find()
        if found is not None:
            return found
        time.sleep(poll_s)
    return None


def prepare_run(request: RunRequest):
    """Validate `request` as the CLI will and return (SearchConfig, CostEstimate).

    Raises:
        nasdiag.search.setup.SearchSetupError: any invalid choice, with the fix.
    """
    from nasdiag.search.setup import build_search_config, estimate_cost
    from nasdiag.tasks import load_task

    config = build_search_config(**request.search_options())
    train_samples = len(load_task(request.task, split_seed=request.search_seed).x_train)
    workers = request.workers or max(1, os.cpu_count() or 1)
    return config, estimate_cost(config, train_samples=train_samples, workers=workers)


def write_space_file(space_yaml: str, space_hash: str, folder: Path) -> Path:
    """Write the space the search will use to `folder/space-HASH.yaml` and return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"space-{space_hash}.yaml"
    path.write_text(space_yaml, encoding="utf-8")
    return path
