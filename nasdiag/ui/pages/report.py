"""Report: the three verdicts with their evidence and fixes, as a page and as downloads."""

from __future__ import annotations

import functools
import re

import pandas as pd
import streamlit as st

from nasdiag.report import key_figures
from nasdiag.ui import data
from nasdiag.ui.components import (
    current_diagnosis,
    current_experiment,
    level_badge,
    show_notes,
    verdict_box,
)
from nasdiag.ui.state import ranking_seeds_key

st.title("Report")

context = current_experiment()
if context is None:
    st.stop()
diagnosis = current_diagnosis(context)
if diagnosis is None:
    st.stop()

st.markdown(f"**{context.name}** — experiment `{context.experiment_id}`, {context.n_trials:,} trials. "
            f"Target fidelity {diagnosis.target!r}"
            + (f", proxy {diagnosis.proxy_fidelity!r}." if diagnosis.proxy_fidelity else ", no proxy."))
excluded = diagnosis.excluded
if excluded.n_used < excluded.n_rows:
    st.warning(f"{excluded.n_rows - excluded.n_used} of {excluded.n_rows} trials were left out of every statistic: "
               f"{excluded.n_missing_metric} without a metric, statuses {excluded.by_status or {}}.")
show_notes(diagnosis.notes)

summary = pd.DataFrame([{"failure mode": mode, "verdict": level_badge(v.level, icon=False), "summary": v.summary}
                        for mode, v in diagnosis.verdicts.items()])
st.dataframe(summary, hide_index=True)
figures = key_figures(diagnosis)
for mode, verdict in diagnosis.verdicts.items():
    verdict_box(verdict)
    evidence = pd.DataFrame(figures.get(mode, []), columns=["figure", "value (95% interval)"])
    st.dataframe(evidence, hide_index=True)

st.subheader("Download")
stem = re.sub(r"[^A-Za-z0-9_-]+", "_", context.name).strip("_") or context.experiment_id
with_figures = st.toggle("Include the figures in the HTML (adds about 4 MB, works offline)", value=True,
                         key="report_figures")
columns = st.columns(2)
# The downloads judge the same ranking as the page (the Noise page's choice, if any).
ranking_seeds = st.session_state.get(ranking_seeds_key(context.experiment_id))
columns[0].download_button(
    "Download Markdown",
    data.report_text(context.db, context.experiment_id, context.n_trials, "md", ranking_seeds=ranking_seeds),
    file_name=f"nasdiag-{stem}.md", mime="text/markdown", key="download_md")
# The HTML (with the plotly.js bundle and every figure) is rendered only when the button is
# clicked, on Streamlit's download thread, so opening the page does not wait for it.
columns[1].download_button(
    "Download HTML",
    functools.partial(data.report_text, context.db, context.experiment_id, context.n_trials, "html", with_figures,
                      ranking_seeds=ranking_seeds),
    file_name=f"nasdiag-{stem}.html", mime="text/html", key="download_html")
