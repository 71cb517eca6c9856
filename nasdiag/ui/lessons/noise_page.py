"""Lesson 3: evaluation noise. Layout and widgets only; numbers come from nasdiag.lessons."""

from __future__ import annotations

import numpy as np
import streamlit as st

from nasdiag.lessons import live
from nasdiag.lessons.bundles import LessonData
from nasdiag.lessons.figures import plot_pick, plot_seed_effects
from nasdiag.lessons.noise import (
    SeedScores,
    compare_data_order,
    curse_sentence,
    data_order_sentence,
    one_seed_view,
    pick_sentence,
    rank_by_seeds,
    ranking_sentence,
    reveal_pick,
    seed_count_effects,
    seed_scores,
    tie_sentence,
)
from nasdiag.ui import data
from nasdiag.ui.components import seeds_text
from nasdiag.ui.lessons import common

LESSON = "noise"
PICK_KEY = "noise_pick"


@st.cache_data(show_spinner=False)
def scores_of(db: str, experiment_id: str, n_trials: int, _lesson_data: LessonData) -> SeedScores:
    return seed_scores(_lesson_data.trials)


@st.cache_data(show_spinner="Ranking with every subset of seeds...")
def effects_of(db: str, experiment_id: str, n_trials: int, _scores: SeedScores):
    return seed_count_effects(_scores)


def show_seed_control(lesson_data: LessonData, key: str) -> None:
    """Show the seeds-for-ranking slider with the winner, its chance of being best and the winner's curse."""
    n_trials = len(lesson_data.trials)
    try:
        scores = scores_of(common.database(), lesson_data.experiment_id, n_trials, lesson_data)
    except ValueError as error:
        st.error(f"This experiment cannot show seed effects: {error}")
        return
    n_seeds = st.slider("Seeds used for ranking", 1, scores.n_seeds, 1, key=f"{key}_seeds")
    ranking = rank_by_seeds(scores, n_seeds, rng=np.random.default_rng(0))
    effects = effects_of(common.database(), lesson_data.experiment_id, n_trials, scores)
    st.markdown(f"- {ranking_sentence(ranking, scores)}")
    st.markdown(f"- {curse_sentence(effects, n_seeds)}")
    st.markdown(f"- {tie_sentence(scores)}")
    left, right = st.columns(2)  # the table's last column, the rank by all seeds, must stay in view
    with left:
        st.plotly_chart(plot_seed_effects(effects, selected=n_seeds), key=f"{key}_effects")
        st.caption("**How to read this:** bars are the average drop of the winner when re-evaluated on the seeds "
                   "it was not ranked by; the line is the share of seed sets whose winner is the best by all seeds.")
    with right:
        columns = ["mean_n", "sd_n", "rank_n", "rank_all"] if n_seeds > 1 else ["mean_n", "rank_n", "rank_all"]
        table = (ranking.table.head(8)[columns] * [100 if c in ("mean_n", "sd_n") else 1 for c in columns]).round(2)
        st.dataframe(table.rename(columns={"mean_n": f"mean of {n_seeds} (%)", "sd_n": "sd (points)",
                                           "rank_n": "rank", "rank_all": "rank, all seeds"}), key=f"{key}_table")
    outcome = data.diagnosis(common.database(), lesson_data.experiment_id, n_trials, ranking_seeds=n_seeds)
    if outcome.diagnosis is not None:
        st.markdown(f"**The noise verdict for a search that ranks by {seeds_text(n_seeds)}:**")
        common.verdict_box(outcome.diagnosis.verdicts["noise"])


def show_failure_and_fix(failure: LessonData, fix: LessonData) -> None:
    """Show the noise verdicts of the prepared failure and fix side by side, each as its search ranked."""
    columns = st.columns(2)
    for column, (title, shown) in zip(columns, (("The failure", failure), ("The fix", fix)), strict=True):
        ranked = int(shown.context.get("ranking_seeds", 1))
        order = "fixed" if shown.data_order == "fixed" else "shuffled"
        with column:
            st.subheader(title)
            st.markdown(f"Ranked by **{seeds_text(ranked)}**, {order} data order.")
            outcome = data.diagnosis(common.database(), shown.experiment_id, len(shown.trials))
            if outcome.diagnosis is not None:
                common.verdict_box(outcome.diagnosis.verdicts["noise"])
            else:
                st.error(outcome.error)


st.title("Lesson 3: evaluation noise")
st.markdown(
    """
Train the same architecture twice with different seeds and its accuracy moves by a few tenths of a
point. When the architectures of a search differ by about as much, a ranking by **one seed**
picks the luckiest run, not the best architecture, and that winner falls back when it is
trained again (the **winner's curse**).

The prepared experiment trains 20 architectures on 8x8 digits with 5 seeds each, twice. The
**failure** shuffles the data order per seed and ranks by one seed; its other 4 seeds are there
only to measure how much that ranking is luck. The **fix** fixes the data order and ranks by the
mean of 3 seeds.
"""
)

varied = common.open_bundled(LESSON, "varied")
fixed = common.open_bundled(LESSON, "fixed")
if varied is not None and fixed is not None:
    common.source_note(varied, fixed)
    st.header("1. The failure and the fix")
    show_failure_and_fix(varied, fixed)
    st.caption("**How to read this:** with one seed the top architectures trade places from seed to seed "
               "(the seed_tau_top check); the mean of 3 seeds is judged by its reliability, ICC(3), instead.")

    st.header("2. How many seeds does the ranking need?")
    order = st.toggle("Fixed data order (same batches for every seed)", key="noise_fixed_order")
    shown = fixed if order else varied
    show_seed_control(shown, key="noise_bundled")

    st.header("3. How much noise does a fixed data order remove?")
    comparison = compare_data_order(seed_scores(varied.trials), seed_scores(fixed.trials))
    metrics = st.columns(3)
    metrics[0].metric("Noise floor, shuffled order", f"{100 * comparison.floor_varied:.2f} points")
    metrics[1].metric("Noise floor, fixed order", f"{100 * comparison.floor_fixed:.2f} points")
    metrics[2].metric("Seed variance removed", f"{comparison.variance_removed:.0%}")
    st.markdown(f"- {data_order_sentence(comparison)}")

    st.header("4. Your pick")
    st.markdown("Below are the results of **one seed** (seed 0, shuffled order). Pick the architecture you "
                "would ship, then reveal how it does on the 4 seeds you did not see.")
    scores = seed_scores(varied.trials)
    view = one_seed_view(scores)
    shown_view = view.assign(accuracy=(100 * view["accuracy"]).round(2))
    st.dataframe(shown_view.rename(columns={"accuracy": "accuracy, seed 0 (%)"})[["label", "accuracy, seed 0 (%)"]],
                 hide_index=True, key="noise_one_seed")
    pick = st.selectbox("Your pick", list(view["label"]), index=None, placeholder="Choose an architecture",
                        key=PICK_KEY)
    if st.button("Reveal", key="noise_reveal", disabled=pick is None):
        st.session_state["noise_revealed"] = pick
    revealed = st.session_state.get("noise_revealed")
    if revealed is not None and revealed == pick:
        st.markdown(f"- {pick_sentence(reveal_pick(scores, revealed))}")
        st.plotly_chart(plot_pick(scores, revealed), key="noise_pick_chart")
        st.caption("**How to read this:** points below the dotted line did worse on the other seeds than on the "
                   "seed you saw; the best one-seed scores usually sit furthest below it.")

st.header("5. Rerun it yourself")
with st.form("noise_rerun"):
    columns = st.columns(3)
    seeds = columns[0].slider("Seeds per architecture", 2, live.NOISE_MAX_SEEDS, 3, key="noise_rerun_seeds")
    budget = columns[1].slider("Architectures", 3, live.NOISE_MAX_BUDGET, 6, key="noise_rerun_budget")
    data_order = columns[2].radio("Data order", ["varied", "fixed"], key="noise_rerun_order")
    submitted = st.form_submit_button("Run", type="primary")
if submitted:
    common.start_rerun(LESSON, live.noise_rerun(seeds=seeds, data_order=data_order, budget=budget))


def show_rerun(lesson_data: LessonData) -> None:
    common.source_note(lesson_data)
    show_seed_control(lesson_data, key="noise_yours")


common.rerun_status(LESSON, show_rerun)

common.questions([
    ("Your NAS paper reports the best of 1,000 architectures at 94.6% from one training run. A reviewer asks for "
     "more seeds. Why, and what do you expect to happen?",
     "The maximum of 1,000 noisy scores is biased upwards: the winner is partly the luckiest run. Retrained with "
     "new seeds it will most likely score lower (the winner's curse), by up to a few noise floors, and another "
     "architecture may overtake it."),
    ("What is the noise floor and how would you measure it cheaply?",
     "The pooled standard deviation of the metric across seeds within an architecture. Retrain 5-10 architectures "
     "with 3 seeds each; with about 20 degrees of freedom the estimate is within roughly +/-30%."),
    ("Does fixing the data order make the ranking more trustworthy?",
     "It removes the data-order share of the variance, which can be small (step 2 measures it here), and the "
     "result then depends on one particular data order while the init seed's variance remains. Rank by the mean over seeds and report the interval instead of hiding the noise."),
    ("How many seeds do you need to tell apart two architectures 0.3 points apart with a noise floor of 0.5?",
     "With a two-sided t test at 80% power, n is about 2 x (1.96 + 0.84)^2 x (0.5 / 0.3)^2, roughly 44 per "
     "architecture: a gap below the noise floor is very expensive to resolve, so report ties as ties."),
    ("One seed gives an ICC of 0.5 on your task: half the score variance is seed noise. How reliable is a "
     "ranking by the mean of 3 seeds?",
     "The mean of k seeds has reliability k r / (1 + (k - 1) r) (Spearman-Brown), so 3 x 0.5 / (1 + 2 x 0.5) = "
     "0.75: good by the usual 0.75 bar, where one seed was poor. Averaging does not help the archs tied at the "
     "top, though: report those as ties."),
], key=LESSON)
