"""A search killed with SIGKILL resumes without losing or retraining a trial."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from nasdiag.store import Store

pytestmark = pytest.mark.slow

COMMAND = [
    sys.executable, "-m", "nasdiag", "search", "--space", "digits_cell", "--task", "digits",
    "--budget", "6", "--seeds", "2", "--proxy", "proxy:epochs=1,data=0.25", "--target",
    "target:epochs=3", "--no-baselines", "--workers", "2", "--no-progress", "--name", "resume-test",
]


def _count(store: Store) -> int:
    experiments = store.list_experiments()
    return 0 if experiments.empty else int(experiments["n_trials"].sum())


def test_sigkill_then_resume_loses_and_repeats_nothing(tmp_path):
    db = tmp_path / "db.duckdb"
    command = [*COMMAND, "--db", str(db)]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            if db.exists() and _count(Store(db)) >= 5:
                break
            assert process.poll() is None, process.stdout.read().decode()
            time.sleep(0.2)
        else:
            pytest.fail("the search stored fewer than 5 trials in 240 s")
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the driver and its worker processes
        process.wait()

    store = Store(db)
    before = store.load_trials(store.list_experiments()["experiment_id"].iloc[0])
    assert 5 <= len(before) < 24

    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr

    experiments = store.list_experiments()
    assert len(experiments) == 1
    after = store.load_trials(experiments["experiment_id"].iloc[0])
    assert len(after) == 6 * 2 * 2
    assert after["trial_id"].is_unique
    kept = after.set_index("trial_id").loc[before["trial_id"]]
    # Trials finished before the kill were reused, not trained again.
    assert (kept["finished_at"].values == before.set_index("trial_id")["finished_at"].values).all()
    assert f"{len(before)} reused" in finished.stdout
    assert experiments["status"].iloc[0] == "finished"
