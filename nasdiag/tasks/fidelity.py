"""Fidelities: how much training one trial gets (epochs, data, classes, width).

A *proxy* fidelity is a cheap setting used to rank architectures during a search; the
*target* fidelity is the setting whose ranking the search should predict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import torch

from nasdiag.tasks.data import TaskData
from nasdiag.tasks.errors import FidelityError
from nasdiag.tasks.splits import stratified_subsample

# Training defaults shared by Fidelity and nasdiag.train.trainer (tasks may not import train).
DEFAULT_BATCH_SIZE = 64
DEFAULT_LR = 1e-2  # AdamW peak learning rate, decayed to zero by a per-step cosine schedule
DEFAULT_WEIGHT_DECAY = 1e-4

# Spec keys accepted by Fidelity.parse, with their long spellings, mapped to field names.
_SPEC_KEYS = {
    "epochs": "epochs",
    "data": "data_fraction",
    "data_fraction": "data_fraction",
    "classes": "classes",
    "width": "width_mult",
    "width_mult": "width_mult",
    "batch": "batch_size",
    "batch_size": "batch_size",
    "lr": "lr",
}
_ALLOWED = (
    "epochs=INT>=1, data=FLOAT in (0, 1], classes=LIST like 0-4 or 0,2,7 (at least 2), "
    "width=FLOAT>0, batch=INT>=1, lr=FLOAT>0"
)


@dataclass(frozen=True)
class Fidelity:
    """One training budget. `classes` is stored sorted; labels are remapped in that order."""

    name: str  # for example "proxy", "target" or "epoch_4"
    epochs: int  # training epochs, >= 1
    data_fraction: float = 1.0  # fraction of each training class kept, in (0, 1]
    classes: tuple[int, ...] | None = None  # class subset remapped to 0..k-1; None keeps all
    width_mult: float = 1.0  # channel multiplier, applied by the model builder and not by apply()
    batch_size: int = DEFAULT_BATCH_SIZE
    lr: float = DEFAULT_LR

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise FidelityError(f"fidelity name {self.name!r} is empty; give a name like 'proxy'")
        _check_int(self.name, "epochs", self.epochs, 1)
        _check_int(self.name, "batch_size", self.batch_size, 1)
        _check_float(self.name, "data_fraction", self.data_fraction, "0 < data <= 1", 0.0, 1.0)
        _check_float(self.name, "width_mult", self.width_mult, "width > 0", 0.0, math.inf)
        _check_float(self.name, "lr", self.lr, "lr > 0", 0.0, math.inf)
        if self.classes is not None:
            object.__setattr__(self, "classes", _check_classes(self.name, self.classes))

    @property
    def cost(self) -> float:
        """Relative training cost: epochs * data_fraction * width_mult**2.

        Convolution FLOPs grow with the square of the channel multiplier, and samples seen
        grow with epochs and data fraction, so (epochs=1, data=1, width=1) costs 1.0.
        NOTE: a class subset is not counted, because the fraction of samples it keeps
        depends on the task. The estimate is too high for fidelities with `classes`.
        """
        return self.epochs * self.data_fraction * self.width_mult**2

    @classmethod
    def parse(cls, name: str, spec: str) -> Fidelity:
        """Parse 'epochs=2,data=0.25,classes=0-4,width=0.5' (also batch= and lr=).

        Only epochs is required. A class list may use ranges and commas: 'classes=0-2,5,7'.

        Raises:
            FidelityError: naming the key, the value and the allowed range.
        """
        fields: dict[str, str] = {}
        previous_key = None
        for token in (part.strip() for part in spec.split(",")):
            if not token:
                continue
            if "=" not in token:
                # A bare item continues the class list of the previous token: classes=0,2,5.
                if previous_key != "classes":
                    raise FidelityError(
                        f"fidelity {name!r}: {token!r} is not key=value; allowed: {_ALLOWED}"
                    )
                fields["classes"] += "," + token
                continue
            key, value = (part.strip() for part in token.split("=", 1))
            if key not in _SPEC_KEYS:
                raise FidelityError(f"fidelity {name!r}: unknown key {key!r}; allowed: {_ALLOWED}")
            field = _SPEC_KEYS[key]
            if field in fields:
                raise FidelityError(f"fidelity {name!r}: key {key!r} is given twice")
            fields[field] = value
            previous_key = field
        if "epochs" not in fields:
            raise FidelityError(
                f"fidelity {name!r}: spec {spec!r} has no epochs; write for example 'epochs=2'"
            )

        values: dict[str, Any] = {}
        for field, text in fields.items():
            if field in ("epochs", "batch_size"):
                values[field] = _parse_number(name, field, text, int)
            elif field == "classes":
                values[field] = _parse_class_list(name, text)
            else:
                values[field] = _parse_number(name, field, text, float)
        return cls(name=name, **values)

    def to_spec(self) -> str:
        """Return the spec string that `Fidelity.parse(self.name, ...)` reads back to self."""
        parts = [f"epochs={self.epochs}", f"data={self.data_fraction!r}"]
        if self.classes is not None:
            parts.append("classes=" + ",".join(str(c) for c in self.classes))
        parts += [f"width={self.width_mult!r}", f"batch={self.batch_size}", f"lr={self.lr!r}"]
        return ",".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict; `classes` becomes a list or None."""
        values = asdict(self)
        values["classes"] = None if self.classes is None else list(self.classes)
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Fidelity:
        """Build a Fidelity from `to_dict()` output; unknown keys raise FidelityError."""
        known = {"name", "epochs", "data_fraction", "classes", "width_mult", "batch_size", "lr"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise FidelityError(
                f"fidelity dict has unknown keys {unknown}; allowed: {sorted(known)}"
            )
        if "name" not in values or "epochs" not in values:
            raise FidelityError(f"fidelity dict {dict(values)!r} needs at least name and epochs")
        items = dict(values)
        if items.get("classes") is not None:
            items["classes"] = tuple(items["classes"])
        return cls(**items)

    def apply(self, data: TaskData, seed: int) -> TaskData:
        """Return `data` reduced to this fidelity's classes and training fraction.

        The class subset filters all three splits and remaps labels to 0..k-1 in sorted
        class order. The data fraction subsamples only the training split, stratified by
        class (round(fraction * n) per class, at least 1) with a generator seeded by `seed`.
        Validation and test keep all their samples of the kept classes, so metrics from
        different fidelities are measured on the same samples. Inputs keep the full
        training split's standardisation. Width is not applied here.

        Raises:
            FidelityError: when a class is not a label of `data`, or `seed` is invalid.
        """
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise FidelityError(
                f"fidelity {self.name!r}: seed={seed!r} is invalid; pass an integer >= 0"
            )
        if self.classes is None and self.data_fraction == 1.0:
            return data

        x_train, y_train = data.x_train, data.y_train
        x_val, y_val = data.x_val, data.y_val
        x_test, y_test = data.x_test, data.y_test
        class_names = data.class_names
        if self.classes is not None:
            invalid = [c for c in self.classes if c >= data.num_classes]
            if invalid:
                raise FidelityError(
                    f"fidelity {self.name!r}: classes {invalid} are not labels of task "
                    f"{data.name!r}, which has labels 0-{data.num_classes - 1}; pick classes "
                    "in that range"
                )
            x_train, y_train = _select_classes(x_train, y_train, self.classes, data.num_classes)
            x_val, y_val = _select_classes(x_val, y_val, self.classes, data.num_classes)
            x_test, y_test = _select_classes(x_test, y_test, self.classes, data.num_classes)
            class_names = tuple(data.class_names[c] for c in self.classes)

        if self.data_fraction < 1.0:
            rng = np.random.default_rng(int(seed))
            keep = stratified_subsample(y_train.numpy(), self.data_fraction, rng)
            keep_tensor = torch.from_numpy(keep)
            x_train, y_train = x_train[keep_tensor], y_train[keep_tensor]

        return replace(
            data,
            x_train=x_train,
            y_train=y_train,
            x_val=x_val,
            y_val=y_val,
            x_test=x_test,
            y_test=y_test,
            num_classes=len(class_names),
            class_names=class_names,
        )


def _select_classes(
    x: torch.Tensor, y: torch.Tensor, classes: tuple[int, ...], num_classes: int
) -> tuple[torch.Tensor, torch.Tensor]:
    remap = torch.full((num_classes,), -1, dtype=torch.int64)
    remap[list(classes)] = torch.arange(len(classes), dtype=torch.int64)
    new_y = remap[y]
    keep = new_y >= 0
    return x[keep], new_y[keep]


def _check_int(name: str, field: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise FidelityError(
            f"fidelity {name!r}: {field}={value!r} is invalid; expected an integer >= {minimum}"
        )


def _check_float(name: str, field: str, value: object, rule: str, low: float, high: float) -> None:
    valid = (
        not isinstance(value, bool)
        and isinstance(value, (int, float, np.integer, np.floating))
        and low < float(value) <= high
        and math.isfinite(float(value))
    )
    if not valid:
        raise FidelityError(f"fidelity {name!r}: {field}={value!r} is invalid; expected {rule}")


def _check_classes(name: str, classes: object) -> tuple[int, ...]:
    if not isinstance(classes, (tuple, list)):
        raise FidelityError(
            f"fidelity {name!r}: classes={classes!r} is not a list of labels; give e.g. (0, 1, 2)"
        )
    for c in classes:
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c < 0:
            raise FidelityError(
                f"fidelity {name!r}: class {c!r} in classes={list(classes)} is invalid; "
                "labels are integers >= 0"
            )
    if len(set(classes)) != len(classes):
        raise FidelityError(f"fidelity {name!r}: classes={list(classes)} repeats a label")
    if len(classes) < 2:
        raise FidelityError(
            f"fidelity {name!r}: classes={list(classes)} keeps fewer than 2 classes; "
            "classification needs at least 2"
        )
    return tuple(sorted(int(c) for c in classes))


def _parse_number(name: str, field: str, text: str, kind: type) -> int | float:
    try:
        return kind(text)
    except ValueError:
        rule = "an integer" if kind is int else "a number"
        raise FidelityError(
            f"fidelity {name!r}: {field}={text!r} is not {rule}; allowed: {_ALLOWED}"
        ) from None


def _parse_class_list(name: str, text: str) -> tuple[int, ...]:
    labels: list[int] = []
    for item in (part.strip() for part in text.split(",")):
        try:
            if "-" in item:
                start_text, end_text = item.split("-", 1)
                start, end = int(start_text), int(end_text)
                if end < start:
                    raise ValueError
                labels.extend(range(start, end + 1))
            else:
                labels.append(int(item))
        except ValueError:
            raise FidelityError(
                f"fidelity {name!r}: classes item {item!r} is not a label or an ascending "
                "range; write for example classes=0-4 or classes=0,2,7"
            ) from None
    return tuple(labels)
