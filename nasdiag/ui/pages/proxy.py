"""Proxy vs target: does the cheap fidelity rank architectures as the full one does?"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from nasdiag.ui import data
from nasdiag.ui.components import (
    chart,
    ci_text,
    current_diagnosis,
    current_experiment,
    follow_selection,
    format_metric,
    metric_axis_label,
    show_notes,
    verdict_box,
)
from nasdiag.viz import (
    plot_correlation_heatmap,
    plot_overlap_curve,
    plot_proxy_scatter,
    plot_rank_flips,
)

st.title("Proxy vs target")
st.caption("A cheap proxy (fewer epochs, less data, fewer classes, narrower models) is only useful if it ranks "
           "architectures the way the full training does.")

context = current_experiment()
if context is None:
    st.stop()
fidelities = data.load_trials(context.db, context.experiment_id, context.n_trials)["fidelity"].dropna()
names = sorted(fidelities.astype(str).unique().tolist())
if len(names) < 2:
    st.info(f"This experiment has {len(names)} fidelity ({', '.join(names) or 'none'}); comparing a proxy with "
            "the target needs two. Start a search with a proxy fidelity on the **Run** page.")
    st.stop()

stored_target = context.experiment.get("target_fidelity")
stored_proxies = context.experiment.get("proxy_fidelities") or []
target_default = stored_target if stored_target in names else names[-1]
pickers = st.columns(2)
target = pickers[1].selectbox("Target fidelity", names, index=names.index(target_default), key="proxy_target")
proxy_options = [name for name in names if name != target]
proxy_default = next((name for name in stored_proxies if name in proxy_options), proxy_options[0])
proxy = pickers[0].selectbox("Proxy fidelity", proxy_options, index=proxy_options.index(proxy_default),
                             key="proxy_proxy")

diagnosis = current_diagnosis(context, proxy=proxy, target=target)
if diagnosis is None:
    st.stop()
verdict_box(diagnosis.verdicts["proxy"])
show_notes(diagnosis.notes)
result = diagnosis.proxy
if result is None or result.n_common == 0:
    st.info(f"No architecture was evaluated at both {proxy!r} and {target!r}.")
    st.stop()

correlation = result.correlation
columns = st.columns(4)
columns[0].metric("Kendall tau-b", format_metric(correlation.kendall_tau, 2),
                  help=f"95% bootstrap interval {ci_text(*correlation.kendall_tau_ci, digits=2)}.")
columns[1].metric("Spearman rho", format_metric(correlation.spearman_rho, 2),
                  help=f"95% bootstrap interval {ci_text(*correlation.spearman_rho_ci, digits=2)}.")
columns[2].metric(f"Tau among the {result.top_label}", format_metric(result.top_correlation.kendall_tau, 2),
                  help=f"95% interval {ci_text(*result.top_correlation.kendall_tau_ci, digits=2)}.")
rank = "—" if result.proxy_pick_target_rank is None else f"#{result.proxy_pick_target_rank}"
columns[3].metric("Proxy's pick at the target", rank,
                  help=f"Target rank of the proxy's best architecture; it trails the target's best by "
                       f"{format_metric(result.regret)} (regret, metric units).")
st.caption(
    f"Over {result.n_common} architectures at both fidelities ({result.n_proxy_only} only at the proxy, "
    f"{result.n_target_only} only at the target). Kendall tau {format_metric(correlation.kendall_tau, 2)} "
    f"{ci_text(*correlation.kendall_tau_ci, digits=2)}, Spearman rho {format_metric(correlation.spearman_rho, 2)} "
    f"{ci_text(*correlation.spearman_rho_ci, digits=2)} (95% bootstrap intervals, {correlation.n_resamples} resamples)."
)

metric = metric_axis_label(context.metric_name)
archs = data.load_architectures(context.db, context.experiment_id, context.n_trials)
baselines = diagnosis.coverage.baselines["target_mean"] if diagnosis.target == target else None
event = chart(plot_proxy_scatter(result, baselines, metric_name=metric),
              "one dot per architecture; a proxy that ranks well puts the dots on a rising line, dashed lines are "
              "the baselines at the target. Click a dot for its detail.", key="proxy_scatter", selectable=True)
follow_selection(event, archs, key="proxy_scatter")
left, right = st.columns(2)
with left:
    chart(plot_overlap_curve(result),
          "share of the proxy's top-k that is also in the target's top-k; the dotted line is a random ranking.",
          key="proxy_overlap")
with right:
    event = chart(plot_rank_flips(result),
                  "each line joins an architecture's rank at the proxy to its rank at the target; red lines move "
                  "more than the list is long.", key="proxy_rank_flips", selectable=True)
    follow_selection(event, archs, key="proxy_rank_flips")
chart(plot_correlation_heatmap(result.fidelity_matrix),
      "Kendall tau between every pair of fidelities over the architectures they share; 1 is the same ranking.",
      key="proxy_fidelity_matrix")
if result.epoch_matrix is not None:
    chart(plot_correlation_heatmap(result.epoch_matrix, title="Rank correlation between epochs"),
          "how early in training the ranking settles: tau between the validation ranking at each pair of epochs.",
          key="proxy_epoch_matrix")

st.subheader("Top-k overlap")
overlap = pd.DataFrame([{"top k": item.label, "k": item.k, "in both": item.overlap, "precision": item.precision}
                        for item in result.top_k])
st.dataframe(overlap, hide_index=True, column_config={"precision": st.column_config.NumberColumn(format="%.2f")})
st.caption("**How to read this:** of the proxy's k best architectures, how many are among the target's k best.")
if not math.isnan(result.best_baseline_target) and result.best_baseline:
    shares = ", ".join(f"top-{k}: {share:.0%}" for k, share in sorted(result.proxy_top_beats_baseline.items()))
    st.caption(f"Best baseline `{result.best_baseline}` scores {format_metric(result.best_baseline_target)} at the "
               f"target; share of the proxy's top-k above it: {shares or 'n/a'}.")
