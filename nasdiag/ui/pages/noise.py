"""Noise: how much the ranking of architectures depends on the seed."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from nasdiag.diagnostics import seeds_needed
from nasdiag.ui import data
from nasdiag.ui.components import (
    chart,
    ci_text,
    current_diagnosis,
    current_experiment,
    follow_selection,
    metric_axis_label,
    seeds_text,
    show_notes,
    verdict_box,
)
from nasdiag.ui.state import ranking_seeds_key
from nasdiag.viz import (
    plot_prob_best,
    plot_rank_stability,
    plot_seed_spread,
    plot_seeds_needed,
    plot_winners_curse,
)

st.title("Evaluation noise")
st.caption("Seed-to-seed variation of 0.5-1% makes a single-seed ranking pick lucky runs.")

context = current_experiment()
if context is None:
    st.stop()
# The slider starts at the search's own ranking-seed count. A different choice is kept per
# experiment, so Overview and Report judge the same ranking as this page.
own = data.diagnosis(context.db, context.experiment_id, context.n_trials)
if own.diagnosis is not None and own.diagnosis.noise.max_seeds >= 2:
    searched = own.diagnosis.noise.ranking_seeds
    widget_key = f"noise_ranking_seeds_{context.experiment_id}"
    chosen_key = ranking_seeds_key(context.experiment_id)
    if widget_key not in st.session_state:
        st.session_state[widget_key] = min(st.session_state.get(chosen_key, searched), own.diagnosis.noise.max_seeds)
    chosen = st.select_slider(
        "Seeds the search ranks by", options=list(range(1, own.diagnosis.noise.max_seeds + 1)), key=widget_key,
        help="A search that ranks single runs is judged by how well one seed orders the top architectures; "
             "one that ranks by the mean of k seeds by the reliability of that mean, ICC(k). The default is "
             f"the search's own setting, here {searched} (1 for imported logs). Overview and Report follow "
             "this choice.")
    if chosen == searched:
        st.session_state.pop(chosen_key, None)
    else:
        st.session_state[chosen_key] = chosen
diagnosis = current_diagnosis(context)
if diagnosis is None:
    st.stop()
noise = diagnosis.noise
if noise is None:
    st.info("No fidelity of this experiment has usable trials for a noise estimate.")
    st.stop()

verdict_box(diagnosis.verdicts["noise"])
show_notes(diagnosis.notes)
if noise.max_seeds < 2:
    st.info(f"Every architecture at {noise.fidelity!r} has a single seed, so the seed noise cannot be measured. "
            "Train at least the top 10 architectures with 3 seeds each.")

floor = noise.noise_floor
columns = st.columns(4)
columns[0].metric("Noise floor (pooled sd)", "—" if math.isnan(floor.sd) else f"{floor.sd:.4f}",
                  help=f"95% interval {ci_text(*floor.ci, digits=4)}, {floor.df} degrees of freedom.")
if noise.ranking_seeds == 1:
    columns[1].metric("ICC(1)", "—" if math.isnan(noise.icc.icc) else f"{noise.icc.icc:.2f}",
                      help=f"Share of score variance between architectures; 95% interval {ci_text(*noise.icc.ci)}.")
else:
    columns[1].metric(f"ICC({noise.ranking_seeds})", "—" if math.isnan(noise.icc_ranking) else f"{noise.icc_ranking:.2f}",
                      help=f"Reliability of the mean of {noise.ranking_seeds} seeds, from ICC(1) = "
                           f"{noise.icc.icc:.2f} by Spearman-Brown; 95% interval {ci_text(*noise.icc_ranking_ci)}.")
columns[2].metric("Seed-vs-seed tau (top)", "—" if math.isnan(noise.rank_tau_top) else f"{noise.rank_tau_top:.2f}",
                  help=f"Kendall tau-b between seeds among the {noise.top_label}; over all "
                       f"architectures {noise.rank_tau_all:.2f}.")
curse = noise.winners_curse_ranking
columns[3].metric("Winner's curse" if noise.ranking_seeds == 1 else f"Winner's curse, mean of {noise.ranking_seeds}", "—" if math.isnan(curse) else f"{curse:.4f}",
                  help=f"Expected drop of the best architecture by {seeds_text(noise.ranking_seeds)} when re-evaluated on its other seeds, "
                       "in metric units" + (" (no seed is left over to re-evaluate on)." if math.isnan(curse) else "."))
st.caption(f"Measured at fidelity {noise.fidelity!r} over {noise.n_archs} architectures, "
           f"{noise.n_multi_seed_archs} of them with 2 or more seeds (at most {noise.max_seeds}). "
           f"Noise floor 95% interval {ci_text(*floor.ci, digits=4)}; ICC(1) 95% interval {ci_text(*noise.icc.ci)}"
           + ("." if noise.ranking_seeds == 1 else
              f"; ICC({noise.ranking_seeds}) 95% interval {ci_text(*noise.icc_ranking_ci)}."))

metric = metric_axis_label(context.metric_name)
archs = data.load_architectures(context.db, context.experiment_id, context.n_trials)
event = chart(plot_seed_spread(noise, metric_name=metric),
              "diamonds are means with 95% t-intervals, grey dots single seeds; architectures inside the band "
              "around the best are not distinguishable from it. Click a point for its detail.",
              key="noise_seed_spread", selectable=True)
follow_selection(event, archs, key="noise_seed_spread")
left, right = st.columns(2)
with left:
    event = chart(plot_prob_best(noise),
                  f"share of {noise.prob_best_resamples} bootstrap resamples of the seeds in which each "
                  "architecture has the best mean; no bar near 1 means no clear winner.",
                  key="noise_prob_best", selectable=True)
    follow_selection(event, archs, key="noise_prob_best")
with right:
    chart(plot_rank_stability(noise),
          "Kendall tau between the rankings two seeds give; 1 means every seed orders the architectures alike.",
          key="noise_rank_stability")
left, right = st.columns(2)
with left:
    chart(plot_winners_curse(noise, metric_name=metric),
          "how much the architecture a single seed picks loses when its other seeds are averaged in.",
          key="noise_winners_curse")
with right:
    chart(plot_seeds_needed(noise, metric_name=metric),
          "seeds per architecture a t-test needs to tell apart two architectures whose true means differ "
          "by the x value (80% power, 5% level).", key="noise_seeds_needed")

st.subheader("Seeds-needed calculator")
calculator = st.columns(4)
default_sd = floor.sd if not math.isnan(floor.sd) and floor.sd > 0 else 0.005
default_delta = noise.delta if not math.isnan(noise.delta) and noise.delta > 0 else default_sd
delta = calculator[0].number_input("Difference to detect (metric units)", min_value=1e-6, value=float(default_delta),
                                   format="%.4f", key="calc_delta",
                                   help=f"Default: {noise.delta_source}.")
sd = calculator[1].number_input("Seed standard deviation", min_value=0.0, value=float(default_sd), format="%.4f",
                                key="calc_sd", help="Default: this experiment's noise floor.")
alpha = calculator[2].select_slider("Significance level", options=[0.01, 0.05, 0.1], value=0.05, key="calc_alpha")
power = calculator[3].select_slider("Power", options=[0.5, 0.8, 0.9, 0.95], value=0.8, key="calc_power")
needed = seeds_needed(delta, sd, alpha=alpha, power=power)
if math.isinf(needed):
    st.info("A difference of 0 can never be detected; enter a positive difference.")
else:
    st.success(f"**{needed:.0f} seeds per architecture** detect a true difference of {delta:.4f} with "
               f"{power:.0%} power at the {alpha:g} level (two-sample t-test, seed sd {sd:.4f}).")

st.subheader("Per-architecture means with 95% intervals")
per_arch = noise.per_arch.sort_values("mean_score", ascending=False).reset_index(names="arch")
table = per_arch[["arch", "n_seeds", "mean", "sd", "ci_low", "ci_high"]]
event = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row", key="noise_table",
                     column_config={name: st.column_config.NumberColumn(format="%.4f")
                                    for name in ("mean", "sd", "ci_low", "ci_high")})
st.caption("**How to read this:** one row per architecture at the noise fidelity; ci_low and ci_high bound the "
           "mean (t-interval, empty with one seed). Click a row for its detail.")
selected_rows = pd.DataFrame({"arch": table["arch"]}).merge(archs[["arch", "arch_hash"]], on="arch", how="left")
follow_selection(event, selected_rows, key="noise_table")
