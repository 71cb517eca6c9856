"""Importers of foreign NAS and tuning logs into the tidy trials table and the store.

`parse_path` reads and validates a file without touching the database; `commit_import`
writes the result as one experiment. `nasdiag.import_cmd.run_import` does both for the CLI.
"""

from nasdiag.ingest.commit import commit_import
from nasdiag.ingest.errors import ImportFormatError
from nasdiag.ingest.formats import FORMATS, detect_format, format_list, parse_path
from nasdiag.ingest.model import CopiedSeed, ParsedImport, ValidationReport
from nasdiag.ingest.safety import (
    MAX_IMPORT_BYTES,
    check_input_size,
    check_upload_size,
    safe_upload_path,
)
from nasdiag.ingest.table import WideMapping

__all__ = [
    "FORMATS",
    "MAX_IMPORT_BYTES",
    "CopiedSeed",
    "ImportFormatError",
    "ParsedImport",
    "ValidationReport",
    "WideMapping",
    "check_input_size",
    "check_upload_size",
    "commit_import",
    "detect_format",
    "format_list",
    "parse_path",
    "safe_upload_path",
]
