"""NNI experiment databases (`db/nni.sqlite` in an NNI experiment folder), read-only.

NNI appends an ExperimentProfile row at every revision, so the row with the largest revision
is the experiment's configuration. A trial's hyperparameters sit in the `data` of its WAITING
event. MetricData rows of type PERIODICAL are the learning curve (sequence = report index)
and the FINAL row is the result; both hold a JSON string literal that itself contains JSON,
so the value is decoded twice.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import pandas as pd

from nasdiag.ingest.errors import ImportFormatError
from nasdiag.ingest.finalize import RawImport
from nasdiag.ingest.tuning import check_arch_params, config_arch, connect_readonly, table_names

NNI_TABLES = {"ExperimentProfile", "TrialJobEvent", "MetricData"}
# The last event of a trial decides its status.
EVENT_TO_STATUS = {
    "SUCCEEDED": "ok", "FAILED": "failed", "USER_CANCELED": "failed", "SYS_CANCELED": "failed",
    "EARLY_STOPPED": "pruned", "RUNNING": "running", "WAITING": "running", "UNKNOWN": "running",
}
_EVENT_ORDER = {"WAITING": 0, "RUNNING": 1}  # terminal events sort after these


def is_nni_db(tables: set[str]) -> bool:
    return tables >= NNI_TABLES


def parse_nni(
    path: Path,
    *,
    fidelity: str = "target",
    arch_params: list[str] | None = None,
    seed_param: str | None = None,
) -> RawImport:
    """Parse an NNI nni.sqlite database.

    Args, statuses and seed numbering follow `parse_optuna`. Trials that never finished are
    stored with status running and reported as stale.

    Raises:
        ImportFormatError: not an NNI database, or a metric value is not a number.
    """
    connection = connect_readonly(path)
    try:
        tables = table_names(connection)
        if not is_nni_db(tables):
            raise ImportFormatError(
                f"not an NNI database: tables {sorted(NNI_TABLES - tables)} are missing",
                path=str(path), fix="Pass the db/nni.sqlite file of an NNI experiment folder",
            )
        profile = connection.execute(
            "SELECT params, id, endTime FROM ExperimentProfile ORDER BY revision DESC LIMIT 1"
        ).fetchone()
        events = connection.execute(
            "SELECT timestamp, trialJobId, event, data FROM TrialJobEvent ORDER BY timestamp, sequenceId"
        ).fetchall()
        metrics = connection.execute(
            "SELECT trialJobId, type, sequence, data FROM MetricData ORDER BY timestamp"
        ).fetchall()
    finally:
        connection.close()
    if profile is None:
        raise ImportFormatError("ExperimentProfile is empty", path=str(path), fix="Check the experiment folder")
    config = _loads(profile[0], path, "ExperimentProfile row with the largest revision", "params")
    maximize = str(config.get("tuner", {}).get("classArgs", {}).get("optimize_mode", "maximize")).lower() != "minimize"

    trials = _collect_trials(events, path)
    final, periodical = {}, defaultdict(list)
    for job_id, kind, sequence, data in metrics:
        value = _metric_value(data, path, f"MetricData trial {job_id!r} sequence {sequence}")
        if kind == "FINAL":
            final[job_id] = value
        elif kind == "PERIODICAL":
            periodical[job_id].append((int(sequence), value))

    known = {name for info in trials.values() for name in info["params"]}
    check_arch_params(arch_params, known - {seed_param}, path)
    rows, curve_rows = [], []
    for job_id, info in trials.items():
        params = dict(info["params"])
        seed = params.pop(seed_param, None) if seed_param else None
        key = config_arch(params, arch_params=arch_params)
        curve = sorted(periodical.get(job_id, []))
        status = info["status"]
        rows.append({
            "trial_id": job_id, "arch": key.arch, "arch_hash": key.arch_hash, "ops": key.ops,
            "seed": seed, "fidelity": fidelity,
            "metric": final.get(job_id, math.nan) if status == "ok" else math.nan,
            "status": status, "epochs": curve[-1][0] if curve else None,
            "wall_time_s": info["wall_time_s"],
        })
        curve_rows.extend((job_id, step, value) for step, value in curve)
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise ImportFormatError("the database contains no trials", path=str(path), fix="Run the experiment first")
    seeds_are_repeats = seed_param is None
    if seeds_are_repeats:
        frame["seed"] = frame.groupby("arch_hash", sort=False).cumcount()

    messages = ["PERIODICAL metrics were stored as curves (epoch = report index); FINAL metrics are the results"]
    if profile[2] is None:
        messages.append("the experiment was never closed (ExperimentProfile endTime is empty)")
    n_unfinished = int((frame["status"] == "running").sum())
    if n_unfinished:
        messages.append(f"{n_unfinished} trials never finished: {list(frame.loc[frame['status'] == 'running', 'trial_id'])[:10]}")
    if seeds_are_repeats:
        messages.append("the log names no seed, so the k-th run of a configuration is seed k")
    return RawImport(
        format="nni", source=str(path), trials=frame, archs=frame[["arch", "arch_hash", "ops"]],
        curves=pd.DataFrame(curve_rows, columns=["trial_id", "epoch", "val_metric"]),
        metric_name="default", maximize=maximize, n_records=len(trials), messages=messages,
        config={"experiment_id": profile[1], "experiment_name": config.get("experimentName"),
                "tuner": config.get("tuner", {}).get("name"), "arch_params": arch_params,
                "seed_param": seed_param},
        target_fidelity=fidelity, seeds_are_repeats=seeds_are_repeats,
    )


def _collect_trials(events, path: Path) -> dict[str, dict]:
    trials: dict[str, dict] = {}
    for timestamp, job_id, event, data in sorted(events, key=lambda e: (e[1], e[0], _EVENT_ORDER.get(e[2], 2))):
        info = trials.setdefault(job_id, {"params": {}, "status": "running", "started": None, "wall_time_s": math.nan})
        if data and not info["params"]:
            payload = _loads(data, path, f"TrialJobEvent trial {job_id!r} event {event}", "data")
            parameters = payload.get("parameters") if isinstance(payload, dict) else None
            if isinstance(parameters, dict):
                info["params"] = parameters
        status = EVENT_TO_STATUS.get(event)
        if status is None:
            raise ImportFormatError(
                "unknown NNI trial event", path=str(path), location=f"trial {job_id!r}", column="event",
                value=event, fix=f"Expected one of {sorted(EVENT_TO_STATUS)}",
            )
        info["status"] = status
        if event == "RUNNING":
            info["started"] = timestamp
        elif status != "running" and info["started"] is not None:
            info["wall_time_s"] = (timestamp - info["started"]) / 1000.0  # timestamps are in ms
    return trials


def _metric_value(data: str, path: Path, location: str) -> float:
    value = _loads(data, path, location, "data")
    if isinstance(value, str):  # NNI encodes the reported value, then stores it as a JSON string
        value = _loads(value, path, location, "data")
    if isinstance(value, dict):  # nni.report_final_result({"default": x, ...})
        value = value.get("default")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ImportFormatError(
            "metric is not a number", path=str(path), location=location, column="data", value=data,
            fix="Report plain numbers, or a dict with a numeric 'default' key",
        )
    return float(value)


def _loads(text, path: Path, location: str, column: str):
    try:
        return json.loads(text)
    except (TypeError, json.JSONDecodeError) as error:
        raise ImportFormatError(
            f"invalid JSON ({error})", path=str(path), location=location, column=column,
            value=str(text)[:80], fix="The database may be damaged; copy it again from the experiment folder",
        ) from error
