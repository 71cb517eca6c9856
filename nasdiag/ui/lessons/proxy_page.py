"""Lesson 2: proxy task divergence. Layout and widgets only; numbers come from nasdiag.lessons."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nasdiag.lessons import live
from nasdiag.lessons.bundles import LessonData
from nasdiag.lessons.figures import plot_recheck, plot_tau_vs_cost
from nasdiag.lessons.proxy import (
    ProxyPoint,
    accuracy_range_sentence,
    baseline_target_means,
    cheapest_sentence,
    correlation_sentence,
    describe_proxy,
    proxy_sweep,
    recheck_sentence,
    recheck_table,
    regret_sentence,
)
from nasdiag.ui.lessons import common
from nasdiag.viz.proxy import plot_proxy_scatter

LESSON = "proxy"


@st.cache_data(show_spinner="Comparing every proxy with the target...")
def sweep(db: str, experiment_id: str, n_trials: int, _lesson_data: LessonData) -> list[ProxyPoint]:
    context = {k: v for k, v in _lesson_data.context.items() if k not in ("proxy", "target")}
    return proxy_sweep(_lesson_data.trials, _lesson_data.fidelities, **context)


def baselines_of(lesson_data: LessonData, target: str = "target") -> pd.Series:
    return baseline_target_means(lesson_data.trials, target)


def show_point(point: ProxyPoint, lesson_data: LessonData, key: str) -> None:
    for sentence in (correlation_sentence(point), regret_sentence(point), accuracy_range_sentence(point)):
        st.markdown(f"- {sentence}")
    common.verdict_box(point.diagnosis.verdicts["proxy"])
    st.plotly_chart(plot_proxy_scatter(point.diagnosis.proxy, baselines_of(lesson_data), "validation accuracy"),
                    key=key)
    st.caption("**How to read this:** one point per architecture, its mean over seeds at the proxy (x) and at "
               "the target (y). A proxy that ranks like the target puts the points on a rising line.")


def show_rerun(lesson_data: LessonData) -> None:
    common.source_note(lesson_data)
    points = sweep(common.database(), lesson_data.experiment_id, len(lesson_data.trials), lesson_data)
    if not points:
        st.warning("The rerun has no proxy trials to compare.")
        return
    point = points[0]
    if point.n_archs < 10:
        st.info(f"Only {point.n_archs} architectures reached the target, fewer than the 10 the proxy verdict "
                "needs. That is what `--target-eval top` does: it trains only the proxy's current top k at the "
                "target, so it guards the pick but cannot measure the correlation.")
    show_point(point, lesson_data, key="proxy_rerun_scatter")


st.title("Lesson 2: proxy task divergence")
st.markdown(
    """
Searches rank thousands of architectures, so they rank them on a **proxy**: a few epochs, a
fraction of the data or a subset of classes. The proxy is only useful if it orders architectures
the way the full training (the **target**) does. When it does not, the search optimises the
wrong thing and its winner disappoints on the target.

The prepared experiment trains 30 architectures on 8x8 digits at four proxies of rising cost and
at the target (10 epochs, all data), 2 seeds each. Move the slider to pick a proxy.
"""
)

bundled = common.open_bundled(LESSON, "sweep")
if bundled is not None:
    common.source_note(bundled)
    points = sweep(common.database(), bundled.experiment_id, len(bundled.trials), bundled)
    if points:
        st.header("1. How well does each proxy rank?")
        labels = {describe_proxy(p): p for p in points}
        chosen = st.select_slider("Proxy (by training cost)", options=list(labels), value=list(labels)[0],
                                  key="proxy_choice")
        point = labels[chosen]
        left, right = st.columns(2)
        with left:
            show_point(point, bundled, key="proxy_scatter")
        with right:
            st.plotly_chart(plot_tau_vs_cost(points, selected=point.proxy), key="proxy_tau_cost")
            st.caption("**How to read this:** Kendall tau of each proxy against the target, with its 95% bootstrap "
                       "interval, by cost; colour is the proxy verdict, dotted lines its thresholds.")

        st.header("2. The fixes")
        st.subheader("Re-check the proxy's best candidates at the target")
        st.markdown("With `--target-eval top` a search trains the proxy's current top k at the target while it "
                    "runs and reports the best of those. Here is what that would have saved with this proxy:")
        k = st.slider("k: proxy's top candidates trained at the target", 1, min(10, point.n_archs), 5,
                      key="proxy_recheck_k")
        st.markdown(f"- {recheck_sentence(point, k)}")
        st.plotly_chart(plot_recheck(recheck_table(point.diagnosis.proxy.means), point.proxy), key="proxy_recheck")
        st.subheader("Choose a proxy whose ranking holds")
        st.markdown(f"- {cheapest_sentence(points)}")

st.header("3. Rerun it yourself")
st.markdown("Pick a proxy and search other architectures (search seed 1) with 2 seeds each. With target-eval "
            "**all** every architecture is also trained at the target, so the correlation can be measured; with "
            "**top** only the proxy's top k are, as in a real search that guards its pick.")
with st.form("proxy_rerun"):
    columns = st.columns(3)
    epochs = columns[0].slider("Proxy epochs", 1, 10, 1, key="proxy_epochs")
    data_fraction = columns[1].select_slider("Proxy data fraction", options=[0.1, 0.25, 0.5, 1.0], value=0.1,
                                             key="proxy_data")
    budget = columns[2].slider("Architectures", 4, live.PROXY_MAX_BUDGET, 12, key="proxy_budget")
    target_eval = st.radio("Target evaluation", ["all", "top"], horizontal=True, key="proxy_target_eval")
    top_k = st.slider("k for target-eval top", 1, 5, 3, key="proxy_top_k")
    submitted = st.form_submit_button("Run", type="primary")
if submitted:
    common.start_rerun(LESSON, live.proxy_rerun(epochs=epochs, data_fraction=float(data_fraction), budget=budget,
                                                target_eval=target_eval, top_k=top_k))
common.rerun_status(LESSON, show_rerun)

common.questions([
    ("Your proxy has Spearman 0.8 with the target over the whole space, yet the search's winner is mediocre on "
     "the target. How can both be true?",
     "A global correlation is dominated by the easy pairs: bad architectures are easy to tell from good ones. "
     "The search only cares about the top, where differences are small and the proxy's ranking can be close to "
     "random. Check the correlation among the top 10% and the regret of the proxy's pick, not only the global tau."),
    ("What is regret here and why measure it in noise floors?",
     "Target accuracy of the best architecture minus that of the proxy's pick. A regret smaller than the seed "
     "noise (the noise floor) is not a real loss, so the verdict divides by the noise floor before judging it."),
    ("How does `--target-eval top` make a cheap proxy safer, and what does it cost?",
     "It trains the proxy's top k at the target during the search and keeps the best of them, so a proxy that "
     "only misorders the top few no longer picks the winner alone. The cost is k target trainings per seed; "
     "the price is that the correlation over the whole space is no longer measured."),
    ("Why use Kendall tau with a bootstrap interval rather than one number?",
     "With 30 architectures, tau's sampling error is around +/-0.15; two proxies whose point estimates differ "
     "by 0.1 may be indistinguishable. The interval says whether a proxy is clearly above the threshold."),
], key=LESSON)
