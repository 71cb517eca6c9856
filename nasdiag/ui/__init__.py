"""The Streamlit dashboard: `app.py` routes to the pages in `nasdiag/ui/pages/`.

Pages hold layout and widgets only. Data access and caching live in `state.py` and `data.py`,
run control in `runs.py`, and the search-space editor's analysis in `space_analysis.py`.
"""
