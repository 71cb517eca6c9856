"""Training throughput on digits: nasdiag's trainer against a tutorial-style Optuna search.

Measures, on the machine it runs on:
  * matmul FLOP/s (1024x1024 float32 torch.matmul) with 1 and with 2 intra-op threads;
  * a tutorial-style search: an Optuna study with RandomSampler whose objective trains each
    sampled CNN for every seed with a torch.utils.data.DataLoader loop;
  * the same architectures, seeds and epochs through nasdiag.train.trainer, run (a) in two
    worker processes with one intra-op thread each and (b) in one process with two threads;
  * the same for a proxy fidelity (fewer epochs, a fraction of the training data);
  * achieved model FLOP/s = 3 x forward FLOPs per sample x training samples x epochs / time,
    as a fraction of the measured matmul FLOP/s.

Usage:
    python bench/bench_train.py                  # 20 architectures x 3 seeds, about 3 minutes
    python bench/bench_train.py --archs 4 --seeds 1 --json bench/out/train.json

It prints a Markdown table. Results vary with load: other processes on the same cores slow
every measurement.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nasdiag.tasks import DEFAULT_LR, DEFAULT_WEIGHT_DECAY, Fidelity, TaskData, load_task  # noqa: E402
from nasdiag.train.seeding import configure_threads  # noqa: E402
from nasdiag.train.trainer import train_trial  # noqa: E402

TASK = "digits"
SPLIT_SEED = 0
BATCH_SIZE = 64
# The proxy's training subset is drawn once (seed 0) and shared by every trial, so all
# architectures are ranked on the same samples.
SUBSET_SEED = 0
CHANNEL_CHOICES = (8, 16, 32)
KERNEL_CHOICES = (3, 5)


# ---------------------------------------------------------------------------------------------
# The architecture family: hand-built Conv-BN-ReLU stacks, global average pool, linear head.
# NOTE: nasdiag.train.model.build_model did not exist when this benchmark was written, so it
# trains this family instead of architectures from a search space preset.


@dataclass(frozen=True)
class CnnSpec:
    num_convs: int
    channels: int
    kernel: int


def build_cnn(spec: CnnSpec, input_channels: int = 1, num_classes: int = 10) -> nn.Module:
    layers: list[nn.Module] = []
    channels_in = input_channels
    for _ in range(spec.num_convs):
        layers += [
            nn.Conv2d(channels_in, spec.channels, spec.kernel, padding=spec.kernel // 2),
            nn.BatchNorm2d(spec.channels),
            nn.ReLU(),
        ]
        channels_in = spec.channels
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels_in, num_classes)]
    return nn.Sequential(*layers)


def forward_flops(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Count forward FLOPs per sample (2 x multiply-adds) of conv and linear layers.

    BatchNorm, activations and pooling are left out. Their cost per output element is a few
    FLOPs against 2 x C_in x K x K for a convolution, so the reported FLOP/s is slightly low.
    """
    total = 0

    def count(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, (nn.Conv1d, nn.Conv2d)):
            per_output = (module.in_channels // module.groups) * math.prod(module.kernel_size)
            total += 2 * per_output * output[0].numel()
        elif isinstance(module, nn.Linear):
            total += 2 * module.in_features * module.out_features

    handles = [m.register_forward_hook(count) for m in model.modules()]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    for handle in handles:
        handle.remove()
    return total


# ---------------------------------------------------------------------------------------------
# Machine reference: matmul FLOP/s.


def matmul_flops_per_second(num_threads: int, size: int = 1024, repeats: int = 20) -> float:
    previous = configure_threads(num_threads)
    try:
        a = torch.randn(size, size, generator=torch.Generator().manual_seed(0))
        b = torch.randn(size, size, generator=torch.Generator().manual_seed(1))
        for _ in range(3):
            torch.matmul(a, b)
        timings = []
        for _ in range(repeats):
            start = time.perf_counter()
            torch.matmul(a, b)
            timings.append(time.perf_counter() - start)
    finally:
        configure_threads(previous)
    # Median of single calls, so one descheduled call does not dominate.
    return 2 * size**3 / statistics.median(timings)


# ---------------------------------------------------------------------------------------------
# The tutorial-style search: Optuna + DataLoader, as the PyTorch and Optuna examples write it.


def tutorial_search(
    data: TaskData, num_archs: int, seeds: list[int], epochs: int
) -> tuple[float, list[CnnSpec]]:
    import optuna
    from torch.utils.data import DataLoader, TensorDataset

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial: optuna.Trial) -> float:
        spec = CnnSpec(
            num_convs=trial.suggest_int("num_convs", 1, 3),
            channels=trial.suggest_categorical("channels", list(CHANNEL_CHOICES)),
            kernel=trial.suggest_categorical("kernel", list(KERNEL_CHOICES)),
        )
        accuracies = []
        for seed in seeds:
            torch.manual_seed(seed)
            model = build_cnn(spec)
            train_loader = DataLoader(
                TensorDataset(data.x_train, data.y_train), batch_size=BATCH_SIZE, shuffle=True
            )
            val_loader = DataLoader(TensorDataset(data.x_val, data.y_val), batch_size=256)
            optimizer = torch.optim.AdamW(
                model.parameters(), lr=DEFAULT_LR, weight_decay=DEFAULT_WEIGHT_DECAY
            )
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
                optimizer, T_max=epochs * len(train_loader)
            )
            for _ in range(epochs):
                model.train()
                for inputs, labels in train_loader:
                    optimizer.zero_grad()
                    loss = F.cross_entropy(model(inputs), labels)
                    loss.backward()
                    optimizer.step()
                    scheduler.step()
                model.eval()
                correct = 0
                with torch.no_grad():
                    for inputs, labels in val_loader:
                        correct += (model(inputs).argmax(dim=1) == labels).sum().item()
                accuracy = correct / len(val_loader.dataset)
            accuracies.append(accuracy)
        return sum(accuracies) / len(accuracies)

    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0)
    )
    start = time.perf_counter()
    study.optimize(objective, n_trials=num_archs)
    elapsed = time.perf_counter() - start
    specs = [CnnSpec(**trial.params) for trial in study.trials]
    return elapsed, specs


# ---------------------------------------------------------------------------------------------
# nasdiag's trainer, in one process or in a pool of single-thread worker processes.

_WORKER_DATA: dict[str, TaskData] = {}


def _warm_up(data: TaskData) -> None:
    """Train one tiny trial, so first-call costs (kernel selection, allocator) are paid here."""
    tiny = Fidelity("warm_up", epochs=1, data_fraction=0.1).apply(data, seed=0)
    train_trial(lambda: build_cnn(CnnSpec(1, 8, 3)), tiny, epochs=1, init_seed=0, data_seed=0)


def _init_worker() -> None:
    configure_threads(1)
    _WORKER_DATA["full"] = load_task(TASK, split_seed=SPLIT_SEED)
    _warm_up(_WORKER_DATA["full"])


def _run_trial(job: tuple[CnnSpec, dict, int]) -> tuple[str, float, float]:
    spec, fidelity_dict, seed = job
    fidelity = Fidelity.from_dict(fidelity_dict)
    data = fidelity.apply(_WORKER_DATA["full"], seed=SUBSET_SEED)
    result = train_trial(
        lambda: build_cnn(spec, data.input_shape[0], data.num_classes),
        data,
        epochs=fidelity.epochs,
        init_seed=seed,
        data_seed=seed,
        batch_size=fidelity.batch_size,
        lr=fidelity.lr,
    )
    return result.status, result.val_metric, result.wall_time_s


def run_in_process(jobs: list[tuple[CnnSpec, dict, int]], num_threads: int) -> float:
    previous = configure_threads(num_threads)
    _WORKER_DATA["full"] = load_task(TASK, split_seed=SPLIT_SEED)
    try:
        start = time.perf_counter()
        for job in jobs:
            _run_trial(job)
        return time.perf_counter() - start
    finally:
        configure_threads(previous)


def run_in_pool(jobs: list[tuple[CnnSpec, dict, int]], num_workers: int) -> tuple[float, float]:
    """Return (seconds to start the workers, seconds to run the jobs once they are ready)."""
    context = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with ProcessPoolExecutor(num_workers, mp_context=context, initializer=_init_worker) as pool:
        # Wait until every worker has imported torch and loaded the task.
        list(pool.map(_wait_briefly, range(num_workers * 4)))
        ready = time.perf_counter()
        list(pool.map(_run_trial, jobs, chunksize=1))
        done = time.perf_counter()
    return ready - start, done - ready


def _wait_briefly(_: int) -> None:
    time.sleep(0.05)  # keeps each worker busy briefly, so that every worker gets initialised


# ---------------------------------------------------------------------------------------------


def training_flops(specs: list[CnnSpec], seeds: list[int], data: TaskData, epochs: int) -> float:
    total = 0.0
    for spec in specs:
        per_sample = forward_flops(build_cnn(spec), data.input_shape)
        total += 3 * per_sample * data.num_train * epochs * len(seeds)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=20, help="architectures (default 20)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per architecture (default 3)")
    parser.add_argument("--proxy", default="epochs=2,data=0.25", help="proxy fidelity spec")
    parser.add_argument("--target", default="epochs=10", help="target fidelity spec")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)

    seeds = list(range(args.seeds))
    proxy = Fidelity.parse("proxy", args.proxy)
    target = Fidelity.parse("target", args.target)
    full = load_task(TASK, split_seed=SPLIT_SEED)
    num_trials = args.archs * len(seeds)

    matmul_1 = matmul_flops_per_second(1)
    matmul_2 = matmul_flops_per_second(2)

    tutorial_threads = torch.get_num_threads()
    _warm_up(full)
    tutorial_s, specs = tutorial_search(full, args.archs, seeds, target.epochs)

    rows = []
    for fidelity, spec_text in ((proxy, args.proxy), (target, args.target)):
        data = fidelity.apply(full, seed=SUBSET_SEED)
        jobs = [(spec, fidelity.to_dict(), seed) for spec in specs for seed in seeds]
        flops = training_flops(specs, seeds, data, fidelity.epochs)
        one_process_s = run_in_process(jobs, num_threads=2)
        startup_s, pool_s = run_in_pool(jobs, num_workers=2)
        for mode, seconds in (
            ("(a) 2 processes x 1 thread", pool_s),
            ("(b) 1 process x 2 threads", one_process_s),
        ):
            rows.append(
                {
                    "fidelity": f"{fidelity.name} ({spec_text})",
                    "mode": mode,
                    "trials": num_trials,
                    "seconds": seconds,
                    "pool_startup_s": startup_s if mode.startswith("(a)") else 0.0,
                    "trials_per_min": 60 * num_trials / seconds,
                    "archs_per_min": 60 * args.archs / seconds,
                    "model_gflops_per_s": flops / seconds / 1e9,
                    "fraction_of_matmul": flops / seconds / matmul_2,
                }
            )

    target_rows = [row for row in rows if row["fidelity"].startswith("target")]
    best_target = min(target_rows, key=lambda row: row["seconds"])
    report = {
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} usable cores",
        "torch": torch.__version__,
        "matmul_gflops_1_thread": matmul_1 / 1e9,
        "matmul_gflops_2_threads": matmul_2 / 1e9,
        "tutorial_threads": tutorial_threads,
        "tutorial_seconds": tutorial_s,
        "archs": args.archs,
        "seeds": len(seeds),
        "rows": rows,
        "best_target_mode": best_target["mode"],
        "ours_over_tutorial": best_target["seconds"] / tutorial_s,
        "ours_over_tutorial_with_startup": (best_target["seconds"] + best_target["pool_startup_s"])
        / tutorial_s,
    }

    print(_markdown(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return 0


def _markdown(report: dict) -> str:
    lines = [
        f"Task {TASK}, {report['archs']} architectures x {report['seeds']} seeds, "
        f"torch {report['torch']}, {report['machine']}.",
        f"Matmul 1024x1024 float32: {report['matmul_gflops_1_thread']:.1f} GFLOP/s on 1 thread, "
        f"{report['matmul_gflops_2_threads']:.1f} GFLOP/s on 2 threads.",
        "",
        "| fidelity | mode | trials | seconds | trials/min | archs/min | model GFLOP/s "
        "| of matmul FLOP/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['fidelity']} | {row['mode']} | {row['trials']} | {row['seconds']:.1f} "
            f"| {row['trials_per_min']:.0f} | {row['archs_per_min']:.0f} "
            f"| {row['model_gflops_per_s']:.2f} | {100 * row['fraction_of_matmul']:.1f}% |"
        )
    startups = [row["pool_startup_s"] for row in report["rows"] if row["pool_startup_s"] > 0]
    lines += [
        "",
        "Worker pool startup (spawn, import torch, load task, one warm-up trial): "
        + ", ".join(f"{seconds:.1f} s" for seconds in startups)
        + " per pool, not included above.",
        f"Tutorial-style search (Optuna RandomSampler + DataLoader, target fidelity, "
        f"{report['tutorial_threads']} threads): {report['tutorial_seconds']:.1f} s.",
        f"Ours ({report['best_target_mode']}) over tutorial: "
        f"{report['ours_over_tutorial']:.2f} "
        f"({report['ours_over_tutorial_with_startup']:.2f} with pool startup), "
        f"a {1 / report['ours_over_tutorial']:.1f}x speedup.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
