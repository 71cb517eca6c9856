"""Where the third-party benchmark files live: a `shared/data` folder beside the repository.

`NASDIAG_SHARED_DATA` overrides it. Tests that need these files skip where the folder is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("NASDIAG_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
