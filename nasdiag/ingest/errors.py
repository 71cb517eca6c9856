"""The one error class importers raise for input they cannot accept."""

from __future__ import annotations

_UNSET = object()


class ImportFormatError(ValueError):
    """An input file that cannot be imported as given.

    The message names the file, the row or key, the column and the value where they are
    known, and says what to change. The same fields are kept as attributes so that the UI
    can lay them out.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | None = None,
        location: str | None = None,
        column: str | None = None,
        value: object = _UNSET,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = path
        self.location = location
        self.column = column
        self.value = value
        self.fix = fix
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path))
        if self.location is not None:
            where.append(self.location)
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ", ".join(where)
        text = f"{text}: {self.problem}" if text else self.problem
        if self.value is not _UNSET:
            text += f" (value: {self.value!r})"
        if self.fix:
            text += f". {self.fix}"
        return text


def option_hint(name: str, example: str) -> str:
    """Spell a format option the way the command line takes it, for use in error messages."""
    return f"--option {name}={example}"
