"""The "Learn" section of the dashboard: three guided lessons, one per NAS failure mode.

`app.py` adds `LESSON_PAGES` to its navigation under "Learn". `st.Page` objects only work
inside a running script, so `LESSON_PAGES` is built on each access (each run of `app.py`)
by `lesson_pages()`, like the dashboard's other pages.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent
# (file, title, icon, url path); the url paths are what a browser test opens: /learn-mismatch, ...
LESSON_PAGE_SPECS = (
    ("mismatch_page.py", "1. Search space mismatch", ":material/crop_free:", "learn-mismatch"),
    ("proxy_page.py", "2. Proxy divergence", ":material/call_split:", "learn-proxy"),
    ("noise_page.py", "3. Evaluation noise", ":material/casino:", "learn-noise"),
)


def lesson_pages() -> list[st.Page]:
    """Return the lesson pages, in lesson order."""
    return [st.Page(PAGES_DIR / file, title=title, icon=icon, url_path=url_path)
            for file, title, icon, url_path in LESSON_PAGE_SPECS]


def __getattr__(name: str):
    if name == "LESSON_PAGES":
        return lesson_pages()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
