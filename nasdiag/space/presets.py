"""Preset search spaces (`data/spaces/*.yaml`) and hand-designed baselines (`data/baselines/*.yaml`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nasdiag.space.search_space import SearchSpace, load_space

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SPACES_DIR = DATA_DIR / "spaces"
BASELINES_DIR = DATA_DIR / "baselines"


@dataclass(frozen=True)
class Baseline:
    """A hand-designed architecture known to be good on a task, with the space it lives in."""

    name: str
    arch_string: str  # canonical string in `space`
    space: SearchSpace
    description: str


def list_presets() -> tuple[str, ...]:
    """Names of the preset spaces, sorted (file names without `.yaml`)."""
    return tuple(sorted(path.stem for path in SPACES_DIR.glob("*.yaml")))


def load_preset_space(name: str) -> SearchSpace:
    """Load a preset space by name, for example ``digits_cell``.

    Raises:
        ValueError: no preset has that name; the message lists the presets.
    """
    path = SPACES_DIR / f"{name}.yaml"
    if not isinstance(name, str) or "/" in name or not path.is_file():
        raise ValueError(f"unknown preset search space {name!r}; available: {', '.join(list_presets())}")
    return load_space(path)


def list_baseline_tasks() -> tuple[str, ...]:
    """Task names that have baselines, sorted."""
    return tuple(sorted(path.stem for path in BASELINES_DIR.glob("*.yaml")))


def load_baselines(task_name: str) -> list[Baseline]:
    """Load the baselines of a task, each parsed and checked against its space.

    Raises:
        ValueError: no baselines for that task (the message lists the tasks that have some), or
            a baseline file is malformed.
        OutOfSpaceError: a baseline is not a member of the space it names.
    """
    path = BASELINES_DIR / f"{task_name}.yaml"
    if not isinstance(task_name, str) or "/" in task_name or not path.is_file():
        raise ValueError(f"no baselines for task {task_name!r}; tasks with baselines: {', '.join(list_baseline_tasks())}")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = raw.get("baselines") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: expected a non-empty 'baselines' list")
    return [_baseline(entry, path, index) for index, entry in enumerate(entries)]


def _baseline(entry: Any, path: Path, index: int) -> Baseline:
    where = f"{path}: baselines[{index}]"
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected a mapping with name, space, arch, description")
    missing = [key for key in ("name", "space", "arch") if key not in entry]
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
    space_field = entry["space"]
    space = SearchSpace.from_dict(space_field) if isinstance(space_field, dict) else load_preset_space(space_field)
    arch = space.parse(entry["arch"])
    return Baseline(
        name=str(entry["name"]),
        arch_string=arch.canonical,
        space=space,
        description=str(entry.get("description", "")),
    )
