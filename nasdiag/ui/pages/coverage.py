"""Coverage: does the search space contain what the task needs (ops, reach, the baselines)?"""

from __future__ import annotations

import math

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
    plot_op_effects,
    plot_op_frequency,
    plot_receptive_field,
    plot_target_distribution,
)

st.title("Search-space coverage")
st.caption("A search can only find what its space contains: the ops, depth and receptive field the task needs.")

context = current_experiment()
if context is None:
    st.stop()
diagnosis = current_diagnosis(context)
if diagnosis is None:
    st.stop()
coverage = diagnosis.coverage
verdict_box(diagnosis.verdicts["coverage"])
show_notes(diagnosis.notes)

gap = coverage.baseline_gap
columns = st.columns(4)
columns[0].metric("Sampled architectures", f"{coverage.n_sampled_archs:,}",
                  help="Distinct architectures the search trained at the target fidelity, baselines excluded.")
columns[1].metric("Ops the baselines need but the space lacks", f"{len(coverage.lacking_ops)}",
                  help=", ".join(coverage.lacking_ops) or "none")
share = coverage.receptive_field.share_below_input
columns[2].metric("Receptive field below the input", "—" if math.isnan(share) else f"{share:.0%}",
                  help=f"Input size {coverage.receptive_field.input_size:g}; median receptive field "
                       f"{coverage.receptive_field.median:g}.")
if len(coverage.baselines):
    columns[3].metric("Best found minus best baseline", format_metric(gap.gap),
                      help=f"95% Welch interval {ci_text(*gap.gap_ci, digits=4)}; positive means the search beat "
                           f"the baseline.")
    st.caption(f"Best found `{gap.best_found}` {format_metric(gap.best_found_mean)} vs best baseline "
               f"`{gap.best_baseline}` {format_metric(gap.best_baseline_mean)}: difference {format_metric(gap.gap)} "
               f"{ci_text(*gap.gap_ci, digits=4)} (95% Welch interval); {gap.share_beating_baseline:.0%} of sampled "
               "architectures beat the best baseline.")
else:
    columns[3].metric("Best found minus best baseline", "—", help="No baselines in this experiment.")
    st.info("This experiment has no baselines, so the space cannot be compared with a hand-designed architecture. "
            "Turn on *Train the task's baselines* on the Run page, or mark baselines (is_baseline) when importing.")

metric = metric_axis_label(context.metric_name)
archs = data.load_architectures(context.db, context.experiment_id, context.n_trials)
left, right = st.columns(2)
with left:
    chart(plot_op_frequency(coverage),
          "how often each op appears in the space, the sampled architectures and the top ones; an op the "
          "baselines use but the space lacks shows at zero.", key="coverage_op_frequency")
with right:
    chart(plot_op_effects(coverage, metric_name=metric),
          "mean target metric of architectures with the op minus those without it, with its interval; "
          "intervals that cross 0 show no clear effect.", key="coverage_op_effects")
left, right = st.columns(2)
with left:
    event = chart(plot_receptive_field(coverage, metric_name=metric),
                  "each dot is an architecture; the vertical line is the input size. Dots left of it cannot see "
                  "the whole input. Click a dot for its detail.", key="coverage_receptive_field", selectable=True)
    follow_selection(event, archs, key="coverage_receptive_field")
with right:
    chart(plot_target_distribution(coverage, metric_name=metric),
          "the spread of the sampled architectures' target metric; the baselines are marked on it.",
          key="coverage_target_distribution")

st.subheader("Baselines")
if len(coverage.baselines):
    table = coverage.baselines.reset_index(names="baseline")
    st.dataframe(table, hide_index=True, column_config={"target_mean": st.column_config.NumberColumn(format="%.4f")})
    st.caption("**How to read this:** each hand-designed baseline's target metric (mean over seeds), the ops it "
               "uses that the space lacks, whether the space contains it and how many choices away it is.")
else:
    st.caption("No baselines.")
