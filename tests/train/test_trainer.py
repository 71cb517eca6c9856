from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from nasdiag.tasks import Fidelity, load_task
from nasdiag.train.trainer import TrainConfig, TrialResult, _batch_sizes, run_trial, train_trial


def small_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 10),
    )


class NaNModel(nn.Module):
    """Emits NaN logits in training mode, or only in eval mode when nan_in_eval_only is set."""

    def __init__(self, nan_in_eval_only: bool = False) -> None:
        super().__init__()
        self.linear = nn.Linear(64, 10)
        self.nan_in_eval_only = nan_in_eval_only

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.linear(x.flatten(1))
        if self.training and self.nan_in_eval_only:
            return logits
        return logits * float("nan")


@pytest.fixture(scope="module")
def digits():
    return load_task("digits", split_seed=0)


@pytest.fixture(scope="module")
def small_digits(digits):
    return Fidelity("proxy", epochs=2, data_fraction=0.25).apply(digits, seed=0)


def _train(data, init_seed=0, data_seed=0, epochs=2, **kwargs) -> TrialResult:
    return train_trial(
        small_cnn, data, epochs=epochs, init_seed=init_seed, data_seed=data_seed, **kwargs
    )


@pytest.mark.slow
def test_same_seeds_bitwise_identical(small_digits):
    first = _train(small_digits)
    second = _train(small_digits)
    assert first.status == "ok"
    assert first.curve == second.curve
    assert first.val_metric == second.val_metric
    assert first.test_metric == second.test_metric


@pytest.mark.slow
def test_init_seed_changes_result(small_digits):
    first = _train(small_digits, init_seed=0)
    other = _train(small_digits, init_seed=1)
    assert [loss for _, loss, _ in first.curve] != [loss for _, loss, _ in other.curve]


@pytest.mark.slow
def test_data_seed_changes_result(small_digits):
    first = _train(small_digits, data_seed=0)
    other = _train(small_digits, data_seed=1)
    assert [loss for _, loss, _ in first.curve] != [loss for _, loss, _ in other.curve]


@pytest.mark.slow
def test_init_independent_of_data_seed(small_digits):
    initial_weights = []

    def recording_cnn() -> nn.Module:
        model = small_cnn()
        initial_weights.append(model[0].weight.detach().clone())
        return model

    for data_seed in (0, 1):
        train_trial(recording_cnn, small_digits, epochs=1, init_seed=3, data_seed=data_seed)
    assert torch.equal(initial_weights[0], initial_weights[1])


@pytest.mark.slow
def test_global_rng_state_restored(small_digits):
    before = torch.random.get_rng_state()
    _train(small_digits, epochs=1)
    assert torch.equal(torch.random.get_rng_state(), before)


@pytest.mark.slow
def test_result_fields(small_digits):
    result = _train(small_digits, epochs=2)
    assert result.status == "ok"
    assert result.epochs_run == 2
    assert [epoch for epoch, _, _ in result.curve] == [1, 2]
    assert result.val_metric == result.curve[-1][2]
    assert 0.0 <= result.val_metric <= 1.0
    assert 0.0 <= result.test_metric <= 1.0
    assert result.params == sum(p.numel() for p in small_cnn().parameters())
    assert result.wall_time_s > 0
    assert result.device == "cpu"


@pytest.mark.slow
def test_learns_digits(digits):
    result = _train(digits, epochs=3)
    # Chance is 0.1; three epochs of this 8-channel CNN reach well above 0.5 on digits.
    assert result.val_metric > 0.5
    assert result.curve[-1][1] < result.curve[0][1]


@pytest.mark.slow
def test_huge_lr_diverges_and_keeps_curve(small_digits):
    result = _train(small_digits, epochs=3, lr=1e6)
    assert result.status == "diverged"
    assert math.isnan(result.val_metric)
    assert math.isnan(result.test_metric)
    assert len(result.curve) >= 1
    assert result.epochs_run == len(result.curve)
    assert not math.isfinite(result.curve[-1][1])
    assert math.isnan(result.curve[-1][2])


def test_nan_model_diverges_first_step(small_digits):
    result = train_trial(NaNModel, small_digits, epochs=3, init_seed=0, data_seed=0)
    assert result.status == "diverged"
    assert result.epochs_run == 1
    assert len(result.curve) == 1
    assert math.isnan(result.curve[0][1])


def test_nan_in_eval_only_diverges(small_digits):
    result = train_trial(
        lambda: NaNModel(nan_in_eval_only=True), small_digits, epochs=3, init_seed=0, data_seed=0
    )
    assert result.status == "diverged"
    assert result.epochs_run == 1
    assert math.isfinite(result.curve[0][1])
    assert math.isnan(result.curve[0][2])


def test_cuda_falls_back_to_cpu(small_digits):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here, so there is no fallback to test")
    result = train_trial(NaNModel, small_digits, epochs=1, init_seed=0, data_seed=0, device="cuda")
    assert result.device == "cpu"


def test_model_error_propagates(small_digits):
    wrong_input = lambda: nn.Linear(3, 10)  # noqa: E731
    with pytest.raises(RuntimeError):
        train_trial(wrong_input, small_digits, epochs=1, init_seed=0, data_seed=0)


def test_too_small_training_split_rejected(small_digits):
    one_sample = dataclasses.replace(
        small_digits, x_train=small_digits.x_train[:1], y_train=small_digits.y_train[:1]
    )
    with pytest.raises(ValueError, match="1 training"):
        train_trial(NaNModel, one_sample, epochs=1, init_seed=0, data_seed=0)


def test_build_model_must_return_module(small_digits):
    with pytest.raises(ValueError, match="build_model returned int"):
        train_trial(lambda: 3, small_digits, epochs=1, init_seed=0, data_seed=0)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"epochs": 0}, "epochs=0 is invalid"),
        ({"epochs": 1, "batch_size": 0}, "batch_size=0 is invalid"),
        ({"epochs": 1, "lr": 0.0}, "lr=0.0 is invalid"),
        ({"epochs": 1, "lr": float("inf")}, "lr=inf is invalid"),
        ({"epochs": 1, "weight_decay": -1.0}, "weight_decay=-1.0 is invalid"),
        ({"epochs": 1, "device": "tpu"}, "device='tpu' is invalid"),
    ],
)
def test_config_rejects_invalid(kwargs, expected):
    with pytest.raises(ValueError, match=expected):
        TrainConfig(**kwargs)


@pytest.mark.parametrize(
    "seeds", [{"init_seed": -1, "data_seed": 0}, {"init_seed": 0, "data_seed": 1.0}]
)
def test_invalid_seed_rejected(small_digits, seeds):
    with pytest.raises(ValueError, match="seed"):
        run_trial(NaNModel, small_digits, TrainConfig(epochs=1), **seeds)


@pytest.mark.parametrize(
    ("num_samples", "batch_size", "expected"),
    [
        (128, 64, [64, 64]),
        (129, 64, [64, 65]),  # a last batch of one is merged, because BatchNorm needs two
        (130, 64, [64, 64, 2]),
        (10, 64, [10]),
        (1, 64, [1]),
    ],
)
def test_batch_sizes(num_samples, batch_size, expected):
    assert _batch_sizes(num_samples, batch_size) == expected


@pytest.mark.slow
def test_trains_sequence_task():
    data = Fidelity("p", epochs=1, data_fraction=0.2, classes=(0, 1, 2)).apply(
        load_task("mnist1d", split_seed=0), seed=0
    )

    def conv1d_model() -> nn.Module:
        return nn.Sequential(
            nn.Conv1d(1, 8, 5, padding=2),
            nn.BatchNorm1d(8),
            nn.ReLU(),
            nn.AdaptiveAvgPool1d(1),
            nn.Flatten(),
            nn.Linear(8, data.num_classes),
        )

    result = train_trial(conv1d_model, data, epochs=2, init_seed=0, data_seed=0)
    assert result.status == "ok"
    assert result.epochs_run == 2
    assert 0.0 <= result.val_metric <= 1.0
