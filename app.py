"""nasdiag dashboard: `streamlit run app.py`.

The entrypoint is a router. It loads the bundled demo into an empty database, puts the
experiment picker in the sidebar and runs the page the user chose. The pages live in
`nasdiag/ui/pages/`; the database is `$NASDIAG_DB` (default `data/nasdiag.duckdb`).
"""

from __future__ import annotations

import streamlit as st

from nasdiag.ui import sidebar
from nasdiag.ui.lessons import lesson_pages
from nasdiag.ui.state import ensure_demo_loaded

st.set_page_config(page_title="nasdiag", page_icon=":material/troubleshoot:", layout="wide")

PAGES = {
    "Experiments": [
        st.Page("nasdiag/ui/pages/overview.py", title="Overview", icon=":material/dashboard:",
                url_path="overview", default=True),
        st.Page("nasdiag/ui/pages/import_page.py", title="Import", icon=":material/upload_file:",
                url_path="import"),
    ],
    "Search": [
        st.Page("nasdiag/ui/pages/space.py", title="Search space", icon=":material/hub:", url_path="space"),
        st.Page("nasdiag/ui/pages/run.py", title="Run", icon=":material/play_circle:", url_path="run"),
    ],
    "Diagnostics": [
        st.Page("nasdiag/ui/pages/noise.py", title="Noise", icon=":material/blur_on:", url_path="noise"),
        st.Page("nasdiag/ui/pages/proxy.py", title="Proxy vs target", icon=":material/compare_arrows:",
                url_path="proxy"),
        st.Page("nasdiag/ui/pages/coverage.py", title="Coverage", icon=":material/grid_view:",
                url_path="coverage"),
        st.Page("nasdiag/ui/pages/architecture.py", title="Architecture detail", icon=":material/account_tree:",
                url_path="architecture"),
        st.Page("nasdiag/ui/pages/report.py", title="Report", icon=":material/description:", url_path="report"),
    ],
    "Learn": lesson_pages(),
}

ensure_demo_loaded()
page = st.navigation(PAGES)
sidebar.render()
page.run()
