"""Checks that run before any input byte is parsed: size limit and upload file names."""

from __future__ import annotations

import os
from pathlib import Path

from nasdiag.ingest.errors import ImportFormatError

# Largest input accepted, in bytes (200 MiB). Parsing holds the whole input in memory, so the
# limit keeps a stray upload from filling it; callers with bigger logs pass max_bytes. A folder
# input counts the sum of its files.
MAX_IMPORT_BYTES = 200 * 1024 * 1024


def input_size_bytes(path: Path) -> int:
    """Return the size of a file, or the summed size of the regular files under a folder."""
    if path.is_dir():
        return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())
    return path.stat().st_size


def check_input_size(path: Path, max_bytes: int = MAX_IMPORT_BYTES) -> int:
    """Raise ImportFormatError when the input is missing or larger than `max_bytes`.

    Returns the size in bytes.
    """
    if not path.exists():
        raise ImportFormatError(
            "input not found", path=str(path), fix="Check the path and try again"
        )
    size = input_size_bytes(path)
    if size > max_bytes:
        raise ImportFormatError(
            f"input is {size / 2**20:.1f} MiB, larger than the import limit of "
            f"{max_bytes / 2**20:.1f} MiB",
            path=str(path),
            fix="Import a smaller subset, or raise the limit with max_bytes if the machine has "
            "the memory for it",
        )
    return size


def check_upload_size(filename: str, size_bytes: int, max_bytes: int = MAX_IMPORT_BYTES) -> None:
    """Raise ImportFormatError when an upload of `size_bytes` exceeds the import limit.

    Call it with the size the upload reports, before writing the upload to disk.
    """
    if size_bytes > max_bytes:
        raise ImportFormatError(
            f"upload is {size_bytes / 2**20:.1f} MiB, larger than the import limit of "
            f"{max_bytes / 2**20:.1f} MiB",
            path=filename,
            fix="Upload a smaller subset, or import the file from the command line with a higher max_bytes",
        )


def safe_upload_path(upload_dir: str | os.PathLike[str], filename: str) -> Path:
    """Return the path inside `upload_dir` where an uploaded file named `filename` may be saved.

    Any directory part of the name (Unix or Windows separators) is stripped. A name that
    is empty, `.` or `..`, hidden (leading dot), contains a NUL or control character, or is
    absolute (`/x`, `C:\\x`, `\\\\server\\x`) is rejected rather than repaired, because a
    browser never sends such a name for an ordinary file.

    Raises:
        ImportFormatError: the name is rejected; the message gives the name.
    """
    if not isinstance(filename, str) or not filename:
        raise ImportFormatError("upload file name is empty", value=filename, fix="Rename the file")
    if any(ord(char) < 32 or ord(char) == 127 for char in filename):
        raise ImportFormatError(
            "upload file name contains a NUL or control character",
            value=filename,
            fix="Rename the file using printable characters only",
        )
    is_absolute = (
        filename.startswith(("/", "\\"))
        or (len(filename) >= 2 and filename[1] == ":" and filename[0].isalpha())
    )
    if is_absolute:
        raise ImportFormatError(
            "upload file name is an absolute path", value=filename, fix="Upload the file by its name only"
        )
    parts = filename.replace("\\", "/").split("/")
    if ".." in parts:
        raise ImportFormatError(
            "upload file name contains '..'", value=filename, fix="Upload the file by its name only"
        )
    base = parts[-1]
    if base in ("", ".") or base.startswith("."):
        raise ImportFormatError(
            "upload file name is empty or hidden after removing its folders",
            value=filename,
            fix="Rename the file so that it starts with a letter or digit",
        )

    root = Path(upload_dir).resolve()
    target = (root / base).resolve()
    # The checks above leave a plain base name, so this holds unless upload_dir itself holds a
    # symlink named like the upload; it guards that case too.
    if target.parent != root:
        raise ImportFormatError(
            "upload file name resolves outside the upload folder", value=filename, fix="Rename the file"
        )
    return target
