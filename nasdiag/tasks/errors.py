"""Errors raised for invalid tasks, task files and fidelities."""

from __future__ import annotations


class TaskError(ValueError):
    """An invalid task name, task file or task option. The message names the value and the fix."""


class FidelityError(TaskError):
    """An invalid fidelity setting. The message names the key, the value and the allowed range."""
