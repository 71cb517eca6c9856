"""Task names and `load_task`: raw dataset -> seeded split -> standardised tensors."""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import torch

from nasdiag.tasks.data import TaskData
from nasdiag.tasks.errors import TaskError
from nasdiag.tasks.sources import RawDataset, load_digits_raw, load_mnist1d_raw, load_npz_raw
from nasdiag.tasks.splits import channel_statistics, stratified_split

NPZ_PREFIX = "npz:"

_BUILTIN_TASKS: dict[str, tuple[str, Callable[[str | None], RawDataset]]] = {
    "digits": (
        "sklearn 8x8 handwritten digits, 1797 images, input (1, 8, 8), 10 classes",
        lambda cache_dir: load_digits_raw(),
    ),
    "mnist1d": (
        "MNIST-1D generated locally, 5000 sequences, input (1, 40), 10 classes",
        lambda cache_dir: load_mnist1d_raw(cache_dir),
    ),
}


def list_tasks() -> tuple[str, ...]:
    """Return the built-in task names. Any .npz file is also a task, named 'npz:PATH'."""
    return tuple(_BUILTIN_TASKS)


def describe_task(name: str) -> str:
    """Return a one-line description of a built-in task or of the 'npz:PATH' form."""
    if name in _BUILTIN_TASKS:
        return _BUILTIN_TASKS[name][0]
    if name.startswith(NPZ_PREFIX):
        return f"user dataset from {name[len(NPZ_PREFIX) :]} (arrays x and y)"
    raise _unknown_task(name)


def _unknown_task(name: str) -> TaskError:
    valid = ", ".join(repr(task) for task in _BUILTIN_TASKS)
    return TaskError(
        f"unknown task {name!r}; valid tasks are {valid} or 'npz:PATH' for a .npz file "
        "with arrays x and y"
    )


def load_task(
    name: str, split_seed: int = 0, *, cache_dir: str | os.PathLike[str] | None = None
) -> TaskData:
    """Load a task and split it 60/20/20, stratified, with a split that depends only on split_seed.

    Inputs are standardised per channel with the training split's mean and standard
    deviation and returned as float32 tensors; labels as int64.

    Args:
        name: 'digits', 'mnist1d' or 'npz:PATH'.
        split_seed: non-negative seed of the train/validation/test split.
        cache_dir: folder for generated MNIST-1D arrays; defaults to the NASDIAG_CACHE_DIR
            environment variable, and to memory only when that is unset.

    Raises:
        TaskError: unknown task, invalid .npz file, a class too small to split, or an
            invalid split_seed.
    """
    if isinstance(split_seed, bool) or not isinstance(split_seed, (int, np.integer)):
        raise TaskError(f"split_seed={split_seed!r} is not an integer; pass a seed such as 0")
    if split_seed < 0:
        raise TaskError(f"split_seed={split_seed} is negative; pass a seed >= 0")
    if not isinstance(name, str):
        raise _unknown_task(repr(name))

    if name.startswith(NPZ_PREFIX):
        path = name[len(NPZ_PREFIX) :].strip()
        if not path:
            raise TaskError("task 'npz:' has no path; write it as 'npz:/path/to/file.npz'")
        raw = load_npz_raw(path)
    elif name in _BUILTIN_TASKS:
        raw = _BUILTIN_TASKS[name][1](None if cache_dir is None else os.fspath(cache_dir))
    else:
        raise _unknown_task(name)

    try:
        train, val, test = stratified_split(raw.y, int(split_seed), class_names=raw.class_names)
    except TaskError as error:
        raise TaskError(f"task {name!r}: {error}") from error
    mean, std = channel_statistics(raw.x[train])

    def tensors(indices: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        x = ((raw.x[indices] - mean) / std).astype(np.float32)
        return torch.from_numpy(x), torch.from_numpy(raw.y[indices].astype(np.int64))

    x_train, y_train = tensors(train)
    x_val, y_val = tensors(val)
    x_test, y_test = tensors(test)
    return TaskData(
        name=name,
        x_train=x_train,
        y_train=y_train,
        x_val=x_val,
        y_val=y_val,
        x_test=x_test,
        y_test=y_test,
        input_shape=tuple(int(d) for d in raw.x.shape[1:]),
        num_classes=len(raw.class_names),
        class_names=raw.class_names,
        split_seed=int(split_seed),
    )
