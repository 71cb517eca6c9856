"""Lesson 1's numbers: the widened spaces, the checks made before training, and the sentences."""

from __future__ import annotations

import math

import pytest

from nasdiag.lessons.mismatch import (
    FULL_WIDENING,
    INPUT_SIZE,
    MismatchOutcome,
    Widening,
    check_sentences,
    check_space,
    outcome_sentences,
    widened_space,
    widening_sentence,
)
from nasdiag.space import load_preset_space


def test_narrow_space_keeps_preset_ops_and_rf():
    narrow = widened_space(Widening())
    preset = load_preset_space("mnist1d_chain_narrow")
    assert narrow.ops == preset.ops == ("conv_3x3",)
    # Stem kernel 3 then three kernel-3 blocks at stride 1: 1 + 2 + 2 + 2 + 2 = 9 samples.
    assert all(narrow.receptive_field(arch, INPUT_SIZE) == 9 for arch in narrow.enumerate())
    assert narrow.cardinality() == 8


def test_narrow_check_predicts_the_mismatch():
    check = check_space(widened_space(Widening()))
    assert check.max_receptive_field == 9
    assert check.share_seeing_input == 0.0
    assert check.lacking_ops == ("conv_5x5",)
    assert not check.baseline_in_space
    assert check.baseline_distance > 0


def test_full_widening_contains_the_baseline():
    check = check_space(widened_space(FULL_WIDENING))
    assert check.baseline_in_space
    assert check.lacking_ops == ()
    assert check.max_receptive_field >= INPUT_SIZE
    assert check.share_seeing_input > 0.5


@pytest.mark.parametrize("widening", [Widening(larger_kernels=True), Widening(dilation=True),
                                      Widening(depth=True), Widening(downsample=True)])
def test_each_addition_grows_the_receptive_field(widening):
    assert check_space(widened_space(widening)).max_receptive_field > 9


def test_check_space_sampling_is_seeded():
    space = widened_space(FULL_WIDENING)
    first = check_space(space, seed=3, n_samples=200)
    assert check_space(space, seed=3, n_samples=200) == first
    assert check_space(space, seed=4, n_samples=200).median_receptive_field != first.median_receptive_field or \
        check_space(space, seed=4, n_samples=200).share_seeing_input != first.share_seeing_input


def test_widening_label():
    assert Widening().label() == "narrow"
    assert Widening(dilation=True, downsample=True).label() == "dilation+downsample"


def test_check_sentences_for_narrow():
    text = " ".join(check_sentences(check_space(widened_space(Widening()))))
    assert "No architecture of this space sees the whole 40-sample input" in text
    assert "largest receptive field is 9 samples" in text
    assert "uses conv_5x5, which this space lacks" in text
    assert "is not a member of this space" in text


def test_check_sentences_for_full_widening():
    check = check_space(widened_space(FULL_WIDENING))
    text = " ".join(check_sentences(check))
    assert "is a member of this space" in text
    assert "lacks" not in text
    assert f"{check.share_seeing_input:.0%} of the architectures" in text


def outcome(found: float, baseline: float, ci: tuple[float, float], share: float = 0.0) -> MismatchOutcome:
    return MismatchOutcome("warn", 8, "x", found, "b", baseline, found - baseline, ci, share, 1.0)


def test_outcome_sentences_below_baseline():
    sentences = outcome_sentences(outcome(0.975, 0.984, (-0.015, -0.003)))
    assert "reaches 97.5% vs the baseline's 98.4%: 0.9 points below" in sentences[0]
    assert sentences[1] == "None of the 8 searched architectures beats the baseline."


def test_outcome_sentences_above_baseline():
    sentences = outcome_sentences(outcome(0.988, 0.984, (-0.002, 0.010), share=0.25))
    assert "0.4 points above" in sentences[0]
    assert "below" not in sentences[0]
    assert sentences[1] == "2 of the 8 searched architectures beat the baseline."


def test_outcome_sentences_without_baseline_share():
    sentences = outcome_sentences(outcome(0.98, math.nan, (math.nan, math.nan), share=math.nan))
    assert len(sentences) == 1


def test_widening_sentence_within_noise():
    text = widening_sentence(outcome(0.975, 0.984, (-0.02, 0.0)), outcome(0.977, 0.984, (-0.02, 0.0)), 0.004)
    assert "from 97.5% to 97.7%, 0.2 points up, less than the seed noise floor of 0.40 points" in text
    assert "costs little" in text


def test_widening_sentence_beyond_noise():
    text = widening_sentence(outcome(0.95, 0.984, (-0.04, -0.02)), outcome(0.98, 0.984, (-0.01, 0.0)), 0.004)
    assert "3.0 points up, more than the seed noise floor" in text
    assert "costs little" not in text


def test_widening_sentence_no_change():
    text = widening_sentence(outcome(0.9817, 0.984, (-0.01, 0.0)), outcome(0.9817, 0.984, (-0.01, 0.0)), 0.004)
    assert "no change to one decimal" in text
