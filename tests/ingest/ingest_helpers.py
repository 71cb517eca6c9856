"""Helpers of the importer tests: fixture paths and tool logs built by the tests."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.shared_data import SHARED_DATA as _SHARED_DATA

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
SHARED_DATA = _SHARED_DATA


def shared_file(relative: str) -> Path:
    """Return a file under the shared data folder, skipping the test where it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def build_nni_db(path: Path, *, trials: list[dict], revisions: list[dict]) -> Path:
    """Write a SQLite file with NNI's three tables (NNI 2.x/3.x layout, no primary keys).

    Each trial dict has `id`, `params`, `events` (names in order), `periodical` (values) and
    optionally `final`. Metric data is JSON-encoded twice, as NNI stores it.
    """
    connection = sqlite3.connect(path)
    connection.executescript(
        """
        CREATE TABLE TrialJobEvent (timestamp integer, trialJobId text, event text, data text,
            logPath text, sequenceId integer, message text);
        CREATE TABLE MetricData (timestamp integer, trialJobId text, parameterId text, type text,
            sequence integer, data text);
        CREATE TABLE ExperimentProfile (params text, id text, execDuration integer, startTime integer,
            endTime integer, logDir text, nextSequenceId integer, revision integer);
        """
    )
    for revision, params in enumerate(revisions, start=1):
        connection.execute(
            "INSERT INTO ExperimentProfile VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [json.dumps(params), "exp1", 10, 1_700_000_000_000, None, "/tmp/exp1", len(trials), revision],
        )
    clock = 1_700_000_000_000
    for sequence_id, trial in enumerate(trials):
        for event in trial["events"]:
            clock += 1000
            data = None
            if event == "WAITING":
                data = json.dumps({"parameter_id": sequence_id, "parameter_source": "algorithm",
                                   "parameters": trial["params"], "parameter_index": 0})
            connection.execute(
                "INSERT INTO TrialJobEvent VALUES (?, ?, ?, ?, ?, ?, ?)",
                [clock, trial["id"], event, data, "file://localhost:/tmp", sequence_id, None],
            )
            if event == "RUNNING":
                for step, value in enumerate(trial["periodical"]):
                    clock += 100
                    connection.execute(
                        "INSERT INTO MetricData VALUES (?, ?, ?, ?, ?, ?)",
                        [clock, trial["id"], str(sequence_id), "PERIODICAL", step, json.dumps(json.dumps(value))],
                    )
                if "final" in trial:
                    clock += 100
                    connection.execute(
                        "INSERT INTO MetricData VALUES (?, ?, ?, ?, ?, ?)",
                        [clock, trial["id"], str(sequence_id), "FINAL", 0, json.dumps(json.dumps(trial["final"]))],
                    )
    connection.commit()
    connection.close()
    return path
