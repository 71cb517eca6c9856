"""TensorBoard scalar CSV exports (`Wall time,Step,Value`), one file per run.

TensorBoard names a downloaded CSV `run-<run>-tag-<tag>.csv`. The run name gives the
architecture (or pass `arch` for a single file) and, when it contains `seed<k>`, the seed.
The file does not record how long the run's schedule was, so the caller must name the
fidelity of its last value.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from nasdiag.ingest.archs import plain_arch
from nasdiag.ingest.errors import ImportFormatError, option_hint
from nasdiag.ingest.finalize import RawImport
from nasdiag.ingest.readers import read_table

TENSORBOARD_HEADER = ("Wall time", "Step", "Value")
_RUN_FILE = re.compile(r"^run[-_](?P<run>.+?)[-_]tag[-_](?P<tag>.+)$")
_SEED = re.compile(r"(?:^|[_\-.,/ ])seed[_\-=]?(\d+)", re.IGNORECASE)


def is_tensorboard_csv(path: Path) -> bool:
    if not (path.is_file() and path.suffix.lower() == ".csv"):
        return False
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        header = handle.readline().strip().lstrip("\ufeff")
    return tuple(part.strip().strip('"') for part in header.split(",")) == TENSORBOARD_HEADER


def tensorboard_files(path: Path) -> list[Path]:
    """Return the TensorBoard CSVs at `path` (a file, or the CSVs directly in a folder)."""
    if path.is_dir():
        return sorted(p for p in path.glob("*.csv") if is_tensorboard_csv(p))
    return [path] if is_tensorboard_csv(path) else []


def parse_tensorboard(
    path: Path,
    *,
    fidelity: str | None = None,
    arch: str | None = None,
    seed: int | None = None,
    tag: str | None = None,
    maximize: bool = True,
) -> RawImport:
    """Parse one TensorBoard scalar CSV, or a folder of them (one per run).

    Each run's values become its curve (epoch = step) and its value at the largest step
    becomes the trial's metric at `fidelity`.

    Raises:
        ImportFormatError: `fidelity` not given, `arch` given for several files, several tags
            without `tag`, or a malformed file.
    """
    files = tensorboard_files(path)
    if not files:
        raise ImportFormatError(
            f"no TensorBoard scalar CSV (header {','.join(TENSORBOARD_HEADER)}) found", path=str(path),
            fix="Download the scalars as CSV from TensorBoard and import that file or its folder",
        )
    if fidelity is None:
        raise ImportFormatError(
            "a TensorBoard export does not say whether its last step is the full training schedule",
            path=str(path), fix=f"Name the fidelity of the runs' final values, for example {option_hint('fidelity', 'target')}",
        )
    if arch is not None and len(files) > 1:
        raise ImportFormatError(
            f"arch names one architecture but the folder contains {len(files)} runs", path=str(path),
            fix="Drop the arch option so that each run is named from its file name",
        )
    runs = [_run_name(file) for file in files]
    tags = sorted({run_tag for _, run_tag in runs if run_tag})
    if tag is None and len(tags) > 1:
        raise ImportFormatError(
            f"the folder mixes several tags: {tags}", path=str(path), fix=f"Pick one with {option_hint('tag', tags[0])}",
        )
    rows, curves = [], []
    for file, (run, run_tag) in zip(files, runs, strict=True):
        if tag is not None and run_tag is not None and run_tag != tag:
            continue
        frame = _read_scalars(file)
        run_seed, arch_name = _split_seed(run)
        key = plain_arch(arch or arch_name)
        last = frame.iloc[-1]
        rows.append({
            "trial_id": run, "arch": key.arch, "arch_hash": key.arch_hash, "ops": key.ops,
            "seed": seed if seed is not None else run_seed, "fidelity": fidelity,
            "metric": float(last["Value"]), "status": "ok", "epochs": int(last["Step"]),
            "wall_time_s": float(frame["Wall time"].iloc[-1] - frame["Wall time"].iloc[0]),
        })
        curves.append(pd.DataFrame({"trial_id": run, "epoch": frame["Step"].to_numpy(),
                                    "val_metric": frame["Value"].to_numpy()}))
    trials = pd.DataFrame(rows)
    seeds_are_repeats = trials["seed"].isna().all()
    messages = [f"each run's value at its largest step is its result at fidelity {fidelity!r}"]
    if seeds_are_repeats:
        trials["seed"] = trials.groupby("arch_hash", sort=False).cumcount()
        messages.append("no seed in the run names, so the k-th run of an architecture is seed k")
    elif trials["seed"].isna().any():
        missing = list(trials.loc[trials["seed"].isna(), "trial_id"])
        raise ImportFormatError(
            "some run names carry a seed and others do not", path=str(path), value=missing[:5],
            fix=f"Name every run with seed<k>, or pass {option_hint('seed', '0')} for a single run",
        )
    return RawImport(
        format="tensorboard", source=str(path), trials=trials, archs=trials[["arch", "arch_hash", "ops"]],
        curves=pd.concat(curves, ignore_index=True), metric_name=tag or (tags[0] if tags else "value"),
        maximize=maximize, n_records=len(files), messages=messages, target_fidelity=fidelity,
        config={"tag": tag, "files": len(files)}, seeds_are_repeats=bool(seeds_are_repeats),
    )


def _run_name(file: Path) -> tuple[str, str | None]:
    match = _RUN_FILE.match(file.stem)
    if match:
        return match.group("run"), match.group("tag")
    return file.stem, None


def _split_seed(run: str) -> tuple[int | None, str]:
    """Return the seed named in a run name and the name without it."""
    match = _SEED.search(run)
    if match is None:
        return None, run
    name = (run[: match.start()] + run[match.end():]).strip("_-. ") or run
    return int(match.group(1)), name


def _read_scalars(file: Path) -> pd.DataFrame:
    frame, _ = read_table(file)
    frame.columns = [str(column).strip() for column in frame.columns]
    for column in TENSORBOARD_HEADER:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = numbers.isna() & frame[column].notna()
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise ImportFormatError(
                "value is not a number", path=str(file), location=f"line {position + 2}", column=column,
                value=frame[column].iloc[position], fix="Re-export the scalars from TensorBoard",
            )
        frame[column] = numbers
    if frame.empty:
        raise ImportFormatError("the file contains no scalar values", path=str(file), fix="Export a tag that has data")
    return frame.sort_values("Step", kind="stable").reset_index(drop=True)
