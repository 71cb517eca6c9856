from __future__ import annotations

import json

import pytest
import torch

from nasdiag.tasks import DEFAULT_BATCH_SIZE, DEFAULT_LR, Fidelity, FidelityError, load_task


def test_parse_full_spec():
    fidelity = Fidelity.parse("proxy", "epochs=2,data=0.25,classes=0-4,width=0.5")
    assert fidelity.name == "proxy"
    assert fidelity.epochs == 2
    assert fidelity.data_fraction == 0.25
    assert fidelity.classes == (0, 1, 2, 3, 4)
    assert fidelity.width_mult == 0.5
    assert fidelity.batch_size == DEFAULT_BATCH_SIZE
    assert fidelity.lr == DEFAULT_LR


def test_parse_class_list_with_commas_and_ranges():
    fidelity = Fidelity.parse("p", "classes=7,0-2,epochs=3,batch=32,lr=0.01")
    assert fidelity.classes == (0, 1, 2, 7)
    assert fidelity.batch_size == 32
    assert fidelity.lr == 0.01


def test_cost_formula():
    assert Fidelity("target", epochs=10).cost == 10.0
    assert Fidelity("proxy", epochs=2, data_fraction=0.25, width_mult=0.5).cost == 0.125


def test_spec_and_dict_roundtrip():
    fidelity = Fidelity.parse("proxy", "epochs=2,data=0.3,classes=1,3,width=0.75")
    assert Fidelity.parse("proxy", fidelity.to_spec()) == fidelity
    restored = Fidelity.from_dict(json.loads(json.dumps(fidelity.to_dict())))
    assert restored == fidelity
    assert Fidelity.from_dict(Fidelity("t", epochs=1).to_dict()).classes is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("epochs=0", "epochs=0 is invalid; expected an integer >= 1"),
        ("epochs=two", "epochs='two' is not an integer"),
        ("epochs=2,data=0", "data_fraction=0.0 is invalid; expected 0 < data <= 1"),
        ("epochs=2,data=1.5", "data_fraction=1.5 is invalid; expected 0 < data <= 1"),
        ("epochs=2,width=0", "width_mult=0.0 is invalid; expected width > 0"),
        ("epochs=2,width=nan", "width_mult=nan is invalid"),
        ("epochs=2,classes=3", "classes=\\[3\\] keeps fewer than 2 classes"),
        ("epochs=2,classes=1,1", "repeats a label"),
        ("epochs=2,classes=4-1", "'4-1' is not a label or an ascending range"),
        ("epochs=2,speed=3", "unknown key 'speed'"),
        ("epochs=2,epochs=3", "key 'epochs' is given twice"),
        ("data=0.5", "has no epochs"),
        ("epochs=2,0.5", "'0.5' is not key=value"),
        ("epochs=2,lr=-1", "lr=-1.0 is invalid; expected lr > 0"),
        ("epochs=2,batch=0", "batch_size=0 is invalid"),
    ],
)
def test_parse_rejects_invalid(spec, expected):
    with pytest.raises(FidelityError, match=expected):
        Fidelity.parse("proxy", spec)


def test_from_dict_unknown_key():
    with pytest.raises(FidelityError, match="unknown keys \\['speed'\\]"):
        Fidelity.from_dict({"name": "p", "epochs": 1, "speed": 2})


@pytest.fixture(scope="module")
def digits():
    return load_task("digits", split_seed=0)


def test_apply_full_fidelity_returns_data(digits):
    assert Fidelity("target", epochs=10).apply(digits, seed=0) is digits


def test_apply_class_subset_remaps_labels(digits):
    subset = Fidelity("p", epochs=1, classes=(7, 2, 5)).apply(digits, seed=0)
    assert subset.num_classes == 3
    assert subset.class_names == ("2", "5", "7")
    for split in ("train", "val", "test"):
        original_y = getattr(digits, f"y_{split}")
        new_y = getattr(subset, f"y_{split}")
        assert set(new_y.tolist()) == {0, 1, 2}
        expected = int(sum((original_y == c).sum() for c in (2, 5, 7)))
        assert len(new_y) == expected
    # The first training sample of class 5 keeps its pixels and gets label 1.
    original_index = int(torch.nonzero(digits.y_train == 5)[0])
    new_index = int(torch.nonzero(subset.y_train == 1)[0])
    assert torch.equal(subset.x_train[new_index], digits.x_train[original_index])


def test_apply_fraction_only_touches_train(digits):
    reduced = Fidelity("p", epochs=1, data_fraction=0.25).apply(digits, seed=0)
    assert torch.equal(reduced.x_val, digits.x_val)
    assert torch.equal(reduced.y_test, digits.y_test)
    full_counts = torch.bincount(digits.y_train, minlength=10)
    kept_counts = torch.bincount(reduced.y_train, minlength=10)
    expected = torch.floor(full_counts.double() * 0.25 + 0.5).long()
    assert torch.equal(kept_counts, expected)


def test_apply_fraction_seeded(digits):
    fidelity = Fidelity("p", epochs=1, data_fraction=0.5)
    first = fidelity.apply(digits, seed=1)
    again = fidelity.apply(digits, seed=1)
    other = fidelity.apply(digits, seed=2)
    assert torch.equal(first.x_train, again.x_train)
    assert not torch.equal(first.x_train, other.x_train)


def test_apply_class_outside_task_rejected(digits):
    with pytest.raises(FidelityError, match="classes \\[10, 12\\] are not labels.*labels 0-9"):
        Fidelity("p", epochs=1, classes=(0, 10, 12)).apply(digits, seed=0)


def test_apply_negative_seed_rejected(digits):
    with pytest.raises(FidelityError, match="seed=-1"):
        Fidelity("p", epochs=1, data_fraction=0.5).apply(digits, seed=-1)
