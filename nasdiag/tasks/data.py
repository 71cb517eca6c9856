"""The split, standardised dataset that a trial trains and evaluates on."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True, eq=False)
class TaskData:
    """A classification task split into train, validation and test tensors.

    Inputs are float32 of shape (N, *input_shape), standardised per channel with statistics
    of the training split. Labels are int64 in 0..num_classes-1. The trainer never writes
    to these tensors, so one TaskData may be shared by many trials in a process.
    Equality is identity because elementwise tensor comparison has no single truth value.
    """

    name: str  # task name as given to load_task, for example "digits" or "npz:/data/x.npz"
    x_train: torch.Tensor  # (N_train, *input_shape) float32
    y_train: torch.Tensor  # (N_train,) int64
    x_val: torch.Tensor  # (N_val, *input_shape) float32
    y_val: torch.Tensor  # (N_val,) int64
    x_test: torch.Tensor  # (N_test, *input_shape) float32
    y_test: torch.Tensor  # (N_test,) int64
    input_shape: tuple[int, ...]  # (C, L) for sequences or (C, H, W) for images
    num_classes: int
    class_names: tuple[str, ...]  # class_names[label] is the name of label `label`
    split_seed: int | None = None  # seed of the train/validation/test split, None if unknown

    def __post_init__(self) -> None:
        if len(self.class_names) != self.num_classes:
            raise ValueError(
                f"TaskData {self.name!r}: {len(self.class_names)} class names for "
                f"{self.num_classes} classes; give one name per class"
            )
        for split in ("train", "val", "test"):
            x = getattr(self, f"x_{split}")
            y = getattr(self, f"y_{split}")
            if x.dtype != torch.float32 or y.dtype != torch.int64:
                raise ValueError(
                    f"TaskData {self.name!r}: {split} split has dtypes {x.dtype}/{y.dtype}; "
                    "expected float32 inputs and int64 labels"
                )
            if tuple(x.shape[1:]) != tuple(self.input_shape) or x.shape[0] != y.shape[0]:
                raise ValueError(
                    f"TaskData {self.name!r}: {split} split has inputs {tuple(x.shape)} and "
                    f"labels {tuple(y.shape)}; expected (N, *{tuple(self.input_shape)}) and (N,)"
                )

    @property
    def num_train(self) -> int:
        return int(self.y_train.shape[0])

    @property
    def num_val(self) -> int:
        return int(self.y_val.shape[0])

    @property
    def num_test(self) -> int:
        return int(self.y_test.shape[0])
