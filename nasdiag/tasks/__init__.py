"""Datasets (digits, MNIST-1D, user .npz files), seeded splits and fidelities."""

from __future__ import annotations

from nasdiag.tasks.data import TaskData
from nasdiag.tasks.errors import FidelityError, TaskError
from nasdiag.tasks.fidelity import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_LR,
    DEFAULT_WEIGHT_DECAY,
    Fidelity,
)
from nasdiag.tasks.registry import describe_task, list_tasks, load_task

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_LR",
    "DEFAULT_WEIGHT_DECAY",
    "Fidelity",
    "FidelityError",
    "TaskData",
    "TaskError",
    "describe_task",
    "list_tasks",
    "load_task",
]
