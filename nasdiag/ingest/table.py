"""Generic result tables: long (one row per trial or per epoch) and wide (one column per seed or fidelity).

A long table has the columns `arch, seed, fidelity, metric` and optionally `ops, is_baseline,
epoch, status, test_metric, params, flops, data_seed, wall_time_s, train_loss`. When
`epoch` is present and an (arch, seed, fidelity) run has several rows, the rows form its
learning curve and the row at the largest epoch is the run's result at that fidelity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nasdiag.ingest.archs import ArchKey, looks_like_nb201, nb201_arch, plain_arch, require_arch
from nasdiag.ingest.errors import ImportFormatError, option_hint
from nasdiag.ingest.finalize import RawImport, normalize_statuses
from nasdiag.ingest.readers import read_table

REQUIRED_COLUMNS = ("arch", "seed", "fidelity", "metric")
OPTIONAL_COLUMNS = (
    "ops", "is_baseline", "epoch", "status", "test_metric", "params", "flops", "data_seed",
    "wall_time_s", "train_loss",
)
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}
_MISSING_TOKENS = ["", "nan", "none", "null", "na", "n/a"]


@dataclass(frozen=True)
class WideMapping:
    """How a wide table turns long: each value column becomes one seed or one fidelity.

    Example: `WideMapping("seed", {"acc_s0": 0, "acc_s1": 1}, fidelity="target")` reads a
    table with one accuracy column per seed at the fidelity "target".
    """

    axis: str  # "seed" or "fidelity": what the value columns differ in
    value_columns: dict[str, int | str]  # column name -> seed (int) or fidelity name
    id_column: str = "arch"
    fidelity: str | None = None  # the fixed fidelity when axis is "seed"
    seed: int | None = None  # the fixed seed when axis is "fidelity"
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.axis not in ("seed", "fidelity"):
            raise ImportFormatError(
                "wide mapping axis must be seed or fidelity", value=self.axis,
                fix="Write seed=col:0,col:1 or fidelity=col:proxy,col:target",
            )
        if not self.value_columns:
            raise ImportFormatError("wide mapping names no value columns", fix="List at least one column:value")
        if self.axis == "seed" and self.fidelity is None:
            raise ImportFormatError(
                "a wide table with one column per seed needs the fidelity its values were measured at",
                fix=f"Pass the fidelity, for example {option_hint('fidelity', 'target')}",
            )

    @classmethod
    def parse(cls, text: str, *, fidelity: str | None = None, seed: int | None = None,
              id_column: str = "arch") -> WideMapping:
        """Parse the CLI form `seed=acc_s0:0,acc_s1:1` or `fidelity=acc_12:proxy,acc_200:target`."""
        axis, _, pairs = text.partition("=")
        axis = axis.strip()
        value_columns: dict[str, int | str] = {}
        for pair in pairs.split(","):
            column, sep, target = pair.strip().rpartition(":")
            if not sep or not column or not target:
                raise ImportFormatError(
                    "wide mapping entry is not COLUMN:VALUE", value=pair,
                    fix=f"Write {option_hint('wide', 'seed=acc_s0:0,acc_s1:1')}",
                )
            if axis == "seed":
                if not target.lstrip("-").isdigit():
                    raise ImportFormatError(
                        "seed in wide mapping is not an integer", value=pair, fix="Write COLUMN:SEED, e.g. acc_s0:0"
                    )
                value_columns[column] = int(target)
            else:
                value_columns[column] = target
        return cls(axis=axis, value_columns=value_columns, id_column=id_column, fidelity=fidelity, seed=seed)


def parse_table(
    path: Path,
    *,
    wide: WideMapping | str | None = None,
    fidelity: str | None = None,
    seed: int | None = None,
    id_column: str = "arch",
    metric_name: str = "metric",
    maximize: bool = True,
    on_duplicate: str = "keep_last",
) -> RawImport:
    """Parse a long or wide CSV / Parquet / JSON Lines table.

    `fidelity` and `seed` fill those columns when the table lacks them. `wide` may be given
    in its text form (`seed=acc_s0:0,acc_s1:1`); then `fidelity`, `seed` and `id_column`
    complete the mapping.

    Raises:
        ImportFormatError: a required column is missing or a value has the wrong type;
            the message names the line, the column and the value.
    """
    if isinstance(wide, str):
        wide = WideMapping.parse(wide, fidelity=fidelity, seed=seed, id_column=id_column)
        fidelity = seed = None
    frame, first_line = read_table(path)
    frame.columns = [str(column).strip() for column in frame.columns]
    n_records = len(frame)
    messages: list[str] = []
    if wide is not None:
        frame = _melt_wide(frame, wide, path, messages)
    frame = _fill_fixed_column(frame, "fidelity", fidelity, path)
    frame = _fill_fixed_column(frame, "seed", seed, path)
    _require_columns(frame, path)

    # A melted wide table repeats the input rows once per value column, in column order.
    # Parquet has no lines (first_line 0), so its rows are named by record number instead.
    line_numbers = np.arange(len(frame)) % max(n_records, 1) + first_line if first_line else None
    rows = pd.DataFrame({
        "seed": _integer_column(frame, "seed", path, line_numbers),
        "fidelity": _text_column(frame, "fidelity", path, line_numbers),
        "metric": _float_column(frame, "metric", path, line_numbers),
    })
    arch_names = _text_column(frame, "arch", path, line_numbers)
    for column in ("test_metric", "wall_time_s", "train_loss"):
        rows[column] = _float_column(frame, column, path, line_numbers) if column in frame else np.nan
    for column in ("data_seed", "epoch"):
        rows[column] = _integer_column(frame, column, path, line_numbers) if column in frame else pd.NA
    if "status" in frame:
        rows["status"] = normalize_statuses(frame["status"].fillna("ok"), path=str(path))
    else:
        rows["status"] = "ok"

    keys = _arch_keys(arch_names, frame, path)
    rows["arch"] = [keys[name].arch for name in arch_names]
    rows["arch_hash"] = [keys[name].arch_hash for name in arch_names]
    rows["trial_id"] = [f"row_{position}" for position in range(1, len(rows) + 1)]
    archs = _arch_attributes(frame, arch_names, keys, path, line_numbers)

    trials, curves = _split_curves(rows, path, on_duplicate, messages)
    return RawImport(
        format="table", source=str(path), trials=trials, archs=archs, curves=curves,
        metric_name=metric_name, maximize=maximize, n_records=n_records, messages=messages,
        config={"wide": None if wide is None else {"axis": wide.axis, "columns": wide.value_columns}},
    )


def _melt_wide(frame: pd.DataFrame, wide: WideMapping, path: Path, messages: list[str]) -> pd.DataFrame:
    missing = [column for column in [wide.id_column, *wide.value_columns] if column not in frame.columns]
    if missing:
        raise ImportFormatError(
            f"wide mapping names columns the table lacks: {missing}",
            path=str(path),
            value=list(frame.columns),
            fix="Map only columns that exist (the value above lists the table's columns)",
        )
    carried = [c for c in ("ops", "is_baseline", "params", "flops", "status") if c in frame.columns]
    long = frame.melt(
        id_vars=[wide.id_column, *carried],
        value_vars=list(wide.value_columns),
        var_name="_column",
        value_name="metric",
    )
    long = long.rename(columns={wide.id_column: "arch"})
    long[wide.axis] = long["_column"].map(wide.value_columns)
    if wide.axis == "seed":
        long["fidelity"] = wide.fidelity
    else:
        long["seed"] = 0 if wide.seed is None else wide.seed
        if wide.seed is None:
            messages.append("wide table by fidelity has no seed; every value was stored as seed 0")
    return long.drop(columns="_column")


def _fill_fixed_column(frame: pd.DataFrame, column: str, value, path: Path) -> pd.DataFrame:
    if value is None:
        return frame
    if column in frame.columns:
        raise ImportFormatError(
            f"the table has a {column!r} column and a fixed {column} was also given",
            path=str(path), value=value, fix=f"Drop the --{column} option or the column",
        )
    return frame.assign(**{column: value})


def _require_columns(frame: pd.DataFrame, path: Path) -> None:
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        hint = {
            "fidelity": f"add a fidelity column or pass {option_hint('fidelity', 'target')}",
            "seed": f"add a seed column or pass {option_hint('seed', '0')}",
        }
        fixes = [hint.get(column, f"add a {column!r} column") for column in missing]
        raise ImportFormatError(
            f"missing required columns {missing}; found {list(frame.columns)}",
            path=str(path),
            fix="; ".join(fixes).capitalize()
            + f". A wide table (one column per seed or fidelity) needs {option_hint('wide', 'seed=acc_s0:0,acc_s1:1')}",
        )


def _where(line_numbers, position: int) -> str:
    return f"line {line_numbers[position]}" if line_numbers is not None else f"record {position + 1}"


def _float_column(frame: pd.DataFrame, column: str, path: Path, line_numbers) -> pd.Series:
    original = frame[column]
    numbers = pd.to_numeric(original, errors="coerce").astype("float64")
    text = original.astype("string").str.strip().str.lower()
    blank = original.isna() | text.isin(_MISSING_TOKENS).fillna(True)
    bad = numbers.isna() & ~blank
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise ImportFormatError(
            "value is not a number", path=str(path), location=_where(line_numbers, position),
            column=column, value=original.iloc[position],
            fix=f"Write {column} as a plain number (use an empty cell or NaN for a missing value)",
        )
    return numbers


def _integer_column(frame: pd.DataFrame, column: str, path: Path, line_numbers) -> pd.Series:
    numbers = _float_column(frame, column, path, line_numbers)
    fractional = numbers.notna() & (numbers != np.round(numbers))
    missing = numbers.isna() if column == "seed" else pd.Series(False, index=numbers.index)
    bad = fractional | missing
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise ImportFormatError(
            "value is not an integer" if fractional.iloc[position] else "value is missing",
            path=str(path), location=_where(line_numbers, position), column=column,
            value=frame[column].iloc[position], fix=f"Write {column} as a whole number",
        )
    return pd.array(numbers, dtype="Int64")


def _text_column(frame: pd.DataFrame, column: str, path: Path, line_numbers) -> list[str]:
    values = frame[column]
    missing = values.isna() | (values.astype("string").str.strip() == "")
    if missing.any():
        position = int(np.flatnonzero(missing.to_numpy())[0])
        raise ImportFormatError(
            "value is missing", path=str(path), location=_where(line_numbers, position),
            column=column, fix=f"Fill in {column} on every row",
        )
    return [str(value).strip() for value in values]


def _arch_keys(arch_names: list[str], frame: pd.DataFrame, path: Path) -> dict[str, ArchKey]:
    keys = {}
    for position, name in enumerate(arch_names):
        if name in keys:
            continue
        if looks_like_nb201(name):
            keys[name] = require_arch(nb201_arch, name, path=str(path), location=f"record {position + 1}",
                                      column="arch")
        else:
            keys[name] = plain_arch(name)
    return keys


def _arch_attributes(frame: pd.DataFrame, arch_names: list[str], keys: dict[str, ArchKey], path: Path,
                     line_numbers) -> pd.DataFrame:
    attrs = pd.DataFrame({
        "arch": [keys[name].arch for name in arch_names],
        "arch_hash": [keys[name].arch_hash for name in arch_names],
        "ops": [keys[name].ops for name in arch_names],
    })
    if "ops" in frame:
        given = frame["ops"].astype("string").fillna("").str.strip()
        attrs["ops"] = np.where(given != "", given, attrs["ops"])
    for column in ("params", "flops"):
        if column in frame:
            attrs[column] = _integer_column(frame, column, path, line_numbers)
    if "is_baseline" in frame:
        attrs["is_baseline"] = _bool_column(frame["is_baseline"], path, line_numbers)
    attrs["spec_json"] = None
    return attrs.drop_duplicates("arch_hash", keep="first")


def _bool_column(values: pd.Series, path: Path, line_numbers) -> list[bool]:
    result = []
    for position, value in enumerate(values):
        text = "" if pd.isna(value) else str(value).strip().lower()
        if text in _TRUE:
            result.append(True)
        elif text in _FALSE:
            result.append(False)
        else:
            raise ImportFormatError(
                "value is not a boolean", path=str(path), location=_where(line_numbers, position),
                column="is_baseline", value=value, fix="Write true or false",
            )
    return result


def _split_curves(rows: pd.DataFrame, path: Path, on_duplicate: str,
                  messages: list[str]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Split per-epoch rows into curves plus one trial per run; plain rows pass through."""
    run_key = ["arch_hash", "seed", "fidelity"]
    has_epoch = rows["epoch"].notna().any()
    if not has_epoch or not rows.duplicated(run_key).any():
        return rows.rename(columns={"epoch": "epochs"}), None

    repeated = rows.duplicated([*run_key, "epoch"], keep="last")
    if repeated.any():
        if on_duplicate == "error":
            first = rows.loc[rows.duplicated([*run_key, "epoch"], keep=False)].iloc[0]
            raise ImportFormatError(
                f"{int(repeated.sum())} rows repeat an (arch, seed, fidelity, epoch) combination; first: "
                f"arch {first['arch']!r}, seed {first['seed']}, fidelity {first['fidelity']!r}, epoch {first['epoch']}",
                path=str(path), fix=f"Remove the repeated rows or import with {option_hint('on_duplicate', 'keep_last')}",
            )
        keep = "last" if on_duplicate == "keep_last" else "first"
        rows = rows.loc[~rows.duplicated([*run_key, "epoch"], keep=keep)]
        messages.append(f"{int(repeated.sum())} rows repeat an (arch, seed, fidelity, epoch); rule {on_duplicate}")
    if rows["epoch"].isna().any():
        position = int(np.flatnonzero(rows["epoch"].isna().to_numpy())[0])
        raise ImportFormatError(
            "epoch is missing on a row of a run that has several epochs",
            path=str(path), location=f"record {position + 1}", column="epoch",
            fix="Fill in the epoch on every row, or remove the epoch column",
        )

    rows = rows.sort_values([*run_key, "epoch"], kind="stable")
    run_ids = (rows["arch_hash"] + "/s" + rows["seed"].astype(str) + "/" + rows["fidelity"])
    rows = rows.assign(trial_id=run_ids.to_numpy())
    curves = rows[["trial_id", "epoch", "train_loss", "metric"]].rename(columns={"metric": "val_metric"})
    trials = rows.drop_duplicates(run_key, keep="last").rename(columns={"epoch": "epochs"})
    messages.append(
        f"{len(rows)} per-epoch rows form {len(trials)} curves; each run's result is its row at the largest epoch"
    )
    return trials, curves
