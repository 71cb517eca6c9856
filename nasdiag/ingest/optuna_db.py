"""Optuna RDB storage files (SQLite), read directly with sqlite3 in read-only mode.

Every study in the file is imported into one experiment (trial ids are `<study>#<number>`),
provided the studies share one optimisation direction. Trial states map to statuses:
COMPLETE -> ok, PRUNED -> pruned, FAIL -> failed, RUNNING and WAITING -> running (stale: the
file is a finished log, so nothing is running any more).

A PRUNED trial stopped early, so its value is not a result at the target fidelity: it is
stored with status pruned and no metric, its intermediate values stay in the curve and
`epochs` is its last reported step.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import pandas as pd

from nasdiag.ingest.errors import ImportFormatError, option_hint
from nasdiag.ingest.finalize import RawImport
from nasdiag.ingest.tuning import (
    check_arch_params,
    config_arch,
    connect_readonly,
    table_names,
)

OPTUNA_TABLES = {"studies", "trials", "trial_params", "trial_values", "trial_intermediate_values",
                 "study_directions"}
STATE_TO_STATUS = {"COMPLETE": "ok", "PRUNED": "pruned", "FAIL": "failed", "RUNNING": "running",
                   "WAITING": "running"}
# trial_values.value is NULL for infinite values, and value_type names which one.
_SPECIAL_VALUES = {"INF_POS": math.inf, "INF_NEG": -math.inf, "NAN": math.nan}


def is_optuna_db(tables: set[str]) -> bool:
    return tables >= OPTUNA_TABLES


def parse_optuna(
    path: Path,
    *,
    study: str | None = None,
    fidelity: str = "target",
    arch_params: list[str] | None = None,
    seed_param: str | None = None,
    step_fidelities: bool = False,
) -> RawImport:
    """Parse an Optuna SQLite storage.

    Args:
        study: import only this study; needed when studies disagree on direction.
        fidelity: name of the fidelity the completed trials' values were measured at.
        arch_params: parameters that define the architecture (default: all but seed_param).
        seed_param: parameter holding the training seed; without it, repeated runs of one
            configuration are numbered as seeds 0, 1, ... in trial order.
        step_fidelities: also store each intermediate value as a trial at fidelity `step_<k>`.

    Raises:
        ImportFormatError: not an Optuna storage, unknown study, or mixed directions.
    """
    connection = connect_readonly(path)
    try:
        tables = table_names(connection)
        if not is_optuna_db(tables):
            raise ImportFormatError(
                f"not an Optuna storage: tables {sorted(OPTUNA_TABLES - tables)} are missing",
                path=str(path), fix="Pass the SQLite file given to optuna.create_study(storage=...)",
            )
        studies = _read_studies(connection, path, study)
        study_ids = list(studies)
        placeholders = ",".join("?" * len(study_ids))
        trials = connection.execute(
            "SELECT trial_id, number, study_id, state, datetime_start, datetime_complete FROM trials "
            f"WHERE study_id IN ({placeholders}) ORDER BY study_id, number",
            study_ids,
        ).fetchall()
        params = connection.execute(
            "SELECT trial_id, param_name, param_value, distribution_json FROM trial_params"
        ).fetchall()
        values = connection.execute(
            "SELECT trial_id, value, value_type FROM trial_values WHERE objective = 0"
        ).fetchall()
        steps = connection.execute(
            "SELECT trial_id, step, intermediate_value, intermediate_value_type "
            "FROM trial_intermediate_values ORDER BY trial_id, step"
        ).fetchall()
    finally:
        connection.close()

    decoded, categorical = _decode_params(params, path)
    value_by_trial = {trial_id: _special(value, kind) for trial_id, value, kind in values}
    curve_by_trial = defaultdict(list)
    for trial_id, step, value, kind in steps:
        curve_by_trial[trial_id].append((int(step), _special(value, kind)))

    known_params = {name for trial_params in decoded.values() for name in trial_params}
    check_arch_params(arch_params, known_params - {seed_param}, path)
    if seed_param is not None and seed_param not in known_params:
        raise ImportFormatError(
            "seed parameter not found", path=str(path), value=seed_param, fix=f"Choose from {sorted(known_params)}"
        )

    rows, curve_rows = [], []
    for trial_id, number, study_id, state, started, completed in trials:
        status = STATE_TO_STATUS.get(state)
        if status is None:
            raise ImportFormatError(
                "unknown Optuna trial state", path=str(path), location=f"trial {number} of study "
                f"{studies[study_id]['name']!r}", column="state", value=state,
                fix=f"Expected one of {sorted(STATE_TO_STATUS)}",
            )
        trial_params = dict(decoded.get(trial_id, {}))
        seed = trial_params.pop(seed_param, None) if seed_param else None
        names = arch_params if arch_params is not None else sorted(trial_params)
        key = config_arch(trial_params, arch_params=names, categorical=categorical)
        curve = curve_by_trial.get(trial_id, [])
        name = f"{studies[study_id]['name']}#{number}"
        rows.append({
            "trial_id": name, "arch": key.arch, "arch_hash": key.arch_hash, "ops": key.ops,
            "seed": seed, "fidelity": fidelity,
            "metric": value_by_trial.get(trial_id, math.nan) if status == "ok" else math.nan,
            "status": status, "epochs": curve[-1][0] if curve else None,
            "wall_time_s": _seconds_between(started, completed),
        })
        for step, value in curve:
            curve_rows.append((name, step, value))
            if step_fidelities:
                rows.append({
                    "trial_id": f"{name}/step_{step}", "arch": key.arch, "arch_hash": key.arch_hash,
                    "ops": key.ops, "seed": seed, "fidelity": f"step_{step}", "metric": value,
                    "status": "ok", "epochs": step,
                })

    frame = pd.DataFrame(rows)
    if frame.empty:
        raise ImportFormatError("the storage contains no trials", path=str(path), fix="Run the study first")
    seeds_are_repeats = seed_param is None
    if seeds_are_repeats:
        # Repeat index per (configuration, fidelity): the k-th run of a configuration is seed k.
        frame["seed"] = frame.groupby(["arch_hash", "fidelity"], sort=False).cumcount()
    messages = _messages(studies, frame, fidelity, seeds_are_repeats, step_fidelities)
    directions = {info["direction"] for info in studies.values()}
    return RawImport(
        format="optuna", source=str(path), trials=frame, archs=frame[["arch", "arch_hash", "ops"]],
        curves=pd.DataFrame(curve_rows, columns=["trial_id", "epoch", "val_metric"]),
        metric_name=_metric_name(studies), maximize=directions == {"MAXIMIZE"},
        n_records=len(trials), messages=messages,
        config={"studies": [info["name"] for info in studies.values()], "arch_params": arch_params,
                "seed_param": seed_param, "step_fidelities": step_fidelities},
        proxy_fidelities=tuple(sorted(f for f in frame["fidelity"].unique() if f != fidelity)),
        target_fidelity=fidelity, seeds_are_repeats=seeds_are_repeats,
    )


def _read_studies(connection, path: Path, study: str | None) -> dict[int, dict]:
    rows = connection.execute(
        "SELECT s.study_id, s.study_name, d.direction, "
        "(SELECT count(*) FROM study_directions d2 WHERE d2.study_id = s.study_id) "
        "FROM studies s LEFT JOIN study_directions d ON d.study_id = s.study_id AND d.objective = 0 "
        "ORDER BY s.study_id"
    ).fetchall()
    studies = {sid: {"name": name, "direction": direction or "MINIMIZE", "n_objectives": n}
               for sid, name, direction, n in rows}
    names = [info["name"] for info in studies.values()]
    if study is not None:
        studies = {sid: info for sid, info in studies.items() if info["name"] == study}
        if not studies:
            raise ImportFormatError("study not found", path=str(path), value=study, fix=f"Choose one of {names}")
    if not studies:
        raise ImportFormatError("the storage contains no studies", path=str(path), fix="Run the study first")
    directions = {info["direction"] for info in studies.values()}
    if len(directions) > 1:
        raise ImportFormatError(
            f"studies disagree on the direction ({sorted(directions)}), so their values cannot share "
            "one experiment",
            path=str(path), fix=f"Import one study at a time with {option_hint('study', 'NAME')}, one of {names}",
        )
    metric_names = dict(connection.execute(
        "SELECT study_id, value_json FROM study_system_attributes WHERE key = ?", ["study:metric_names"]
    ).fetchall()) if "study_system_attributes" in table_names(connection) else {}
    for sid, info in studies.items():
        names_json = metric_names.get(sid)
        info["metric_name"] = json.loads(names_json)[0] if names_json else "value"
    return studies


def _decode_params(rows, path: Path) -> tuple[dict[int, dict], set[str]]:
    """Decode parameter values; categorical ones are stored as an index into their choices."""
    decoded: dict[int, dict] = defaultdict(dict)
    categorical = set()
    for trial_id, name, value, distribution_json in rows:
        try:
            distribution = json.loads(distribution_json)
            kind = distribution["name"]
            attributes = distribution["attributes"]
            if kind == "CategoricalDistribution":
                categorical.add(name)
                decoded[trial_id][name] = attributes["choices"][int(value)]
            elif kind == "IntDistribution" or kind == "IntUniformDistribution" or kind == "IntLogUniformDistribution":
                decoded[trial_id][name] = int(value)
            else:
                decoded[trial_id][name] = float(value)
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise ImportFormatError(
                f"cannot decode parameter ({error!r})", path=str(path), location=f"trial_id {trial_id}",
                column=name, value=distribution_json, fix="Check that the storage was written by Optuna 3 or later",
            ) from error
    return decoded, categorical


def _special(value, kind) -> float:
    if kind in _SPECIAL_VALUES:
        return _SPECIAL_VALUES[kind]
    return math.nan if value is None else float(value)


def _seconds_between(started, completed) -> float:
    if not started or not completed:
        return math.nan
    return (pd.Timestamp(completed) - pd.Timestamp(started)).total_seconds()


def _metric_name(studies: dict[int, dict]) -> str:
    names = {info["metric_name"] for info in studies.values()}
    return names.pop() if len(names) == 1 else "value"


def _messages(studies, frame, fidelity, seeds_are_repeats, step_fidelities) -> list[str]:
    messages = []
    if len(studies) > 1:
        messages.append(f"{len(studies)} studies imported together: {[s['name'] for s in studies.values()]}")
    for info in studies.values():
        if info["n_objectives"] > 1:
            messages.append(f"study {info['name']!r} has {info['n_objectives']} objectives; only the first was imported")
    main = frame.loc[frame["fidelity"] == fidelity]
    n_pruned = int((main["status"] == "pruned").sum())
    if n_pruned:
        messages.append(
            f"{n_pruned} pruned trials stopped early: stored without a metric at {fidelity!r}; their "
            "intermediate values are in the curves and epochs holds the last reported step"
        )
    stale = main.loc[main["status"] == "running", "trial_id"].tolist()
    if stale:
        messages.append(
            f"{len(stale)} trials are still RUNNING or WAITING in the log, so they are stale "
            f"(their process ended without reporting): {stale[:10]}"
        )
    if not step_fidelities and main["epochs"].notna().any():
        messages.append("intermediate values were stored as curves only; ask for step_<k> fidelities with step_fidelities")
    if seeds_are_repeats:
        n_repeated = int((main.groupby("arch_hash").size() > 1).sum())
        messages.append(
            "the log names no seed, so the k-th run of a configuration is seed k "
            f"({n_repeated} configurations ran more than once)"
        )
    return messages
