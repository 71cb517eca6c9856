"""Lesson 1: search space mismatch. Layout and widgets only; numbers come from nasdiag.lessons."""

from __future__ import annotations

import streamlit as st

from nasdiag.lessons import live
from nasdiag.lessons.bundles import LessonData
from nasdiag.lessons.figures import plot_space_gap
from nasdiag.lessons.mismatch import (
    INPUT_SIZE,
    Widening,
    check_sentences,
    check_space,
    mismatch_outcome,
    outcome_sentences,
    widened_space,
    widening_sentence,
)
from nasdiag.ui import data
from nasdiag.ui.lessons import common
from nasdiag.viz.coverage import plot_receptive_field

LESSON = "mismatch"


@st.cache_data(show_spinner=False)
def space_check(widening: Widening):
    return check_space(widened_space(widening))


def diagnosis_of(lesson_data: LessonData):
    outcome = data.diagnosis(common.database(), lesson_data.experiment_id, len(lesson_data.trials))
    if outcome.error:
        st.error(f"This experiment cannot be diagnosed: {outcome.error}")
        return None
    return outcome.diagnosis


def show_result(lesson_data: LessonData, heading: str) -> None:
    diagnosis = diagnosis_of(lesson_data)
    if diagnosis is None:
        return
    st.markdown(f"**{heading}**")
    for sentence in outcome_sentences(mismatch_outcome(diagnosis)):
        st.markdown(f"- {sentence}")
    common.verdict_box(diagnosis.verdicts["coverage"])


st.title("Lesson 1: search space mismatch")
st.markdown(
    f"""
A search can only return what its **search space** contains. If every architecture in the space
is blind to part of the input, or lacks an operation the task needs, the best one found can stay
below a hand-designed **baseline**, however long the search runs. Whether it does, and by how
much, only training against the baseline can tell.

Here the task is **MNIST-1D**: 40-sample sequences whose digit shape spans most of the input.
The narrow space (the `mnist1d_chain_narrow` preset, with the widths of `mnist1d_chain`) offers
kernel-3 convolutions only, one block per stage and no downsampling: every architecture sees
9 of the {INPUT_SIZE} samples. Two checks predict the problem **before any training**: the
receptive-field check and the baseline-coverage check. Training then measures what the mismatch
costs on this task.
"""
)

st.header("1. Before training: what can the space express?")
st.markdown("Switch on additions to the narrow space. The checks update at once; nothing is trained.")
columns = st.columns(4)
widening = Widening(
    larger_kernels=columns[0].toggle("Larger kernels (5, 7)", key="mismatch_kernels"),
    dilation=columns[1].toggle("Dilated convs", key="mismatch_dilation"),
    depth=columns[2].toggle("Depth 1-3 per stage", key="mismatch_depth"),
    downsample=columns[3].toggle("Downsample (stride 2)", key="mismatch_downsample"),
)
check = space_check(widening)
metrics = st.columns(4)
metrics[0].metric("Architectures in the space", f"{check.cardinality:,}")
metrics[1].metric("Largest receptive field", f"{check.max_receptive_field} samples",
                  help=f"The input has {INPUT_SIZE} samples.")
metrics[2].metric("Share seeing the whole input", f"{check.share_seeing_input:.0%}")
metrics[3].metric("Baseline in the space", "yes" if check.baseline_in_space else "no")
for sentence in check_sentences(check):
    st.markdown(f"- {sentence}")

st.header("2. The prepared experiment: narrow vs widened space")
narrow = common.open_bundled(LESSON, "narrow")
widened = common.open_bundled(LESSON, "widened")
if narrow is not None and widened is not None:
    common.source_note(narrow, widened)
    st.markdown("Both spaces were searched at random with 3 seeds per architecture at 8 epochs; the baseline "
                "(`resnet_chain`) was trained alongside. The widened space has every addition switched on.")
    left, right = st.columns(2)
    with left:
        show_result(narrow, "Narrow space")
    with right:
        show_result(widened, "Widened space")
    narrow_diagnosis, widened_diagnosis = diagnosis_of(narrow), diagnosis_of(widened)
    if narrow_diagnosis is not None and widened_diagnosis is not None:
        outcomes = {"narrow": mismatch_outcome(narrow_diagnosis), "widened": mismatch_outcome(widened_diagnosis)}
        floor = narrow_diagnosis.noise.noise_floor.sd
        st.markdown(f"- {widening_sentence(outcomes['narrow'], outcomes['widened'], floor)}")
        common_chart = st.columns(2)
        with common_chart[0]:
            st.plotly_chart(plot_space_gap(outcomes), key="mismatch_gap")
            st.caption("**How to read this:** bars are the best searched architecture per space, whiskers the "
                       "95% interval of its gap to the baseline (dashed line), colour the coverage verdict.")
        with common_chart[1]:
            st.plotly_chart(plot_receptive_field(narrow_diagnosis.coverage, "validation accuracy"),
                            key="mismatch_rf")
            st.caption("**How to read this:** each point is a searched architecture of the narrow space; all sit "
                       "left of the dashed input-size line.")

st.header("3. Rerun it yourself")
st.markdown(f"Search the space you set up in step 1 (now **{widening.label()}**) with 2 seeds per architecture. "
            "The search runs as a background process; the page keeps working meanwhile.")
with st.form("mismatch_rerun"):
    budget = st.slider("Architectures to sample", 2, live.MISMATCH_MAX_BUDGET, 4, key="mismatch_budget")
    submitted = st.form_submit_button("Run", type="primary")
if submitted:
    common.start_rerun(LESSON, live.mismatch_rerun(widening, budget=budget, space_dir=common.runs_dir() / "lesson_spaces"))
common.rerun_status(LESSON, lambda lesson_data: (common.source_note(lesson_data),
                                                 show_result(lesson_data, lesson_data.name)))

common.questions([
    ("Your NAS on a sequence task never beats a simple hand-designed CNN, even with 10x more search budget. "
     "What do you check first, and why before training more?",
     "Whether the space can express the baseline at all: compute the receptive field of its architectures "
     "against the input length and check whether the baseline's ops and depth are members of the space. Both "
     "are cheap and need no training. If no architecture sees the whole input, more budget only samples more "
     "variants of the same blind models."),
    ("What is a receptive field, and how do kernel size, dilation, depth and stride change it?",
     "The span of input samples that can influence one output. Each layer adds (k_eff - 1) x jump, where "
     "k_eff = 1 + dilation x (k - 1) and jump is the product of earlier strides. Larger kernels and dilation "
     "raise k_eff, depth adds layers, and stride multiplies the growth of every later layer."),
    ("The widened space contains the baseline. Does that guarantee the search finds something as good?",
     "No. Membership makes it possible, not likely: random search over millions of architectures may miss the "
     "good region. The coverage diagnostic compares the best found with the baseline on the same seeds, so the "
     "verdict says whether the search reached it, not only whether the space could."),
    ("A colleague reports their searched model beats the baseline by 0.2 points. What do you ask?",
     "For the seeds: the gap's interval over several seeds on both models. A 0.2-point gap inside the seed noise "
     "is no evidence either way; the lesson's sentences say 'within seed noise' for exactly that case."),
], key=LESSON)
