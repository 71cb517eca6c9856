"""Training throughput on digits: nasdiag's trainer against a tutorial-style Optuna search.

Measures, on the machine it runs on:
  * matmul FLOP/s (1024x1024 float32 torch.matmul) with 1 and with 2 intra-op threads;
  * a tutorial-style search: an Optuna study with RandomSampler whose objective trains each
    sampled architecture for every seed with a torch.utils.data.DataLoader loop, once with
    torch's default thread count and once set to 1 thread;
  * the same architectures, seeds and epochs through nasdiag.train.trainer, run (a) in two
    worker processes with one intra-op thread each and (b) in one process with two threads;
  * all three at a proxy fidelity (fewer epochs, a fraction of the training data) and at
    the target fidelity;
  * achieved model FLOP/s = 3 x forward FLOPs per sample x training samples x epochs / time,
    as a fraction of the measured matmul FLOP/s.

Architectures come from a preset search space (`--space digits_chain`, built by
nasdiag.train.model.build_model) or from a hand-built family of plain CNNs (`--space
handbuilt`: 1-3 Conv-BN-ReLU layers of 8, 16 or 32 channels, kernel 3 or 5). They run in
rounds of --block architectures, and every round runs every mode in a rotated order, so load
from other processes on a shared machine slows all modes alike.

Usage:
    python bench/bench_train.py                  # 20 architectures x 3 seeds
    python bench/bench_train.py --archs 4 --seeds 1 --json bench/out/train.json

It prints a Markdown table and writes progress to stderr.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import platform
import signal
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import optuna
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nasdiag.space import load_preset_space  # noqa: E402
from nasdiag.tasks import DEFAULT_WEIGHT_DECAY, Fidelity, TaskData, load_task  # noqa: E402
from nasdiag.train.model import build_model  # noqa: E402
from nasdiag.train.profile import count_flops  # noqa: E402
from nasdiag.train.seeding import configure_threads  # noqa: E402
from nasdiag.train.trainer import train_trial  # noqa: E402

TASK = "digits"
SPLIT_SEED = 0
HANDBUILT = "handbuilt"
# The proxy's training subset is drawn once (seed 0) and shared by every trial, so all
# architectures are ranked on the same samples.
SUBSET_SEED = 0
# Candidate architectures drawn from a preset space; Optuna then picks among them.
NUM_CANDIDATES = 500

TUTORIAL = "tutorial: Optuna + DataLoader, 1 process"
TUTORIAL_ONE_THREAD = "tutorial, set to 1 thread"
POOL = "nasdiag (a): 2 processes x 1 thread"
THREADS = "nasdiag (b): 1 process x 2 threads"


# ---------------------------------------------------------------------------------------------
# Architectures: canonical strings of a preset space, or labels of the hand-built CNN family.


def build_handbuilt(label: str, input_channels: int, num_classes: int, width: float) -> nn.Module:
    """Build 'convs=3,channels=16,kernel=3': Conv-BN-ReLU layers, global average pool, linear."""
    settings = dict(item.split("=") for item in label.split(","))
    channels = max(1, round(int(settings["channels"]) * width))
    kernel = int(settings["kernel"])
    layers: list[nn.Module] = []
    channels_in = input_channels
    for _ in range(int(settings["convs"])):
        layers += [
            nn.Conv2d(channels_in, channels, kernel, padding=kernel // 2),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
        ]
        channels_in = channels
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels_in, num_classes)]
    return nn.Sequential(*layers)


@functools.lru_cache(maxsize=4)
def _space(name: str):
    return load_preset_space(name)


def candidate_archs(space_name: str) -> list[str]:
    """Return the architectures Optuna chooses from, as labels or canonical strings."""
    if space_name == HANDBUILT:
        return [
            f"convs={convs},channels={channels},kernel={kernel}"
            for convs in (1, 2, 3)
            for channels in (8, 16, 32)
            for kernel in (3, 5)
        ]
    space = _space(space_name)
    rng = np.random.default_rng(0)
    canonical = {space.sample(rng).canonical for _ in range(NUM_CANDIDATES)}
    return sorted(canonical)


def model_builder(
    space_name: str, arch: str, data: TaskData, width_mult: float
) -> Callable[[], nn.Module]:
    if space_name == HANDBUILT:
        return lambda: build_handbuilt(arch, data.input_shape[0], data.num_classes, width_mult)
    space = _space(space_name)
    member = space.parse(arch)
    return lambda: build_model(
        member, space, data.input_shape, data.num_classes, width_mult=width_mult
    )


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


def new_study() -> optuna.Study:
    return optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))


def sample_archs(candidates: list[str], num_archs: int) -> list[str]:
    """Return the architectures a RandomSampler(seed=0) study proposes, in order.

    RandomSampler ignores objective values, so a tutorial study with the same seed proposes
    the same sequence, and `tutorial_block` checks that.
    """
    study = new_study()
    study.optimize(lambda trial: len(trial.suggest_categorical("arch", candidates)), num_archs)
    return [trial.params["arch"] for trial in study.trials]


def tutorial_objective(
    space_name: str, candidates: list[str], data: TaskData, seeds: list[int], fidelity: Fidelity
) -> Callable[[optuna.Trial], float]:
    from torch.utils.data import DataLoader, TensorDataset

    def objective(trial: optuna.Trial) -> float:
        arch = trial.suggest_categorical("arch", candidates)
        accuracies = []
        for seed in seeds:
            torch.manual_seed(seed)
            model = model_builder(space_name, arch, data, fidelity.width_mult)()
            train_loader = DataLoader(
                TensorDataset(data.x_train, data.y_train),
                batch_size=fidelity.batch_size,
                shuffle=True,
            )
            val_loader = DataLoader(TensorDataset(data.x_val, data.y_val), batch_size=256)
            optimizer = torch.optim.AdamW(
                model.parameters(), lr=fidelity.lr, weight_decay=DEFAULT_WEIGHT_DECAY
            )
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
                optimizer, T_max=fidelity.epochs * len(train_loader)
            )
            for _ in range(fidelity.epochs):
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

    return objective


def tutorial_block(
    study: optuna.Study, objective: Callable[[optuna.Trial], float], block: list[str]
) -> float:
    """Run len(block) more trials of the tutorial study and return the seconds they took."""
    start = time.perf_counter()
    study.optimize(objective, n_trials=len(block))
    elapsed = time.perf_counter() - start
    proposed = [trial.params["arch"] for trial in study.trials[-len(block) :]]
    if proposed != block:
        raise RuntimeError(f"tutorial study proposed {proposed}, expected {block}")
    return elapsed


# ---------------------------------------------------------------------------------------------
# nasdiag's trainer, in one process or in a pool of single-thread worker processes.

_FULL_DATA: dict[str, TaskData] = {}


def _run_trial(job: tuple[str, str, dict, int]) -> tuple[str, float]:
    space_name, arch, fidelity_dict, seed = job
    fidelity = Fidelity.from_dict(fidelity_dict)
    data = fidelity.apply(_FULL_DATA["digits"], seed=SUBSET_SEED)
    result = train_trial(
        model_builder(space_name, arch, data, fidelity.width_mult),
        data,
        epochs=fidelity.epochs,
        init_seed=seed,
        data_seed=seed,
        batch_size=fidelity.batch_size,
        lr=fidelity.lr,
    )
    return result.status, result.val_metric


def _warm_up(space_name: str) -> None:
    """Train one short trial, so first-call costs (kernel selection, allocator) are paid here."""
    _FULL_DATA["digits"] = load_task(TASK, split_seed=SPLIT_SEED)
    fidelity = Fidelity("warm_up", epochs=1, data_fraction=0.1)
    _run_trial((space_name, candidate_archs(space_name)[0], fidelity.to_dict(), 0))


def _init_worker(space_name: str) -> None:
    configure_threads(1)
    _warm_up(space_name)


def in_process_block(jobs: list[tuple[str, str, dict, int]], num_threads: int) -> float:
    previous = configure_threads(num_threads)
    try:
        start = time.perf_counter()
        for job in jobs:
            _run_trial(job)
        return time.perf_counter() - start
    finally:
        configure_threads(previous)


def pool_block(pool: ProcessPoolExecutor, jobs: list[tuple[str, str, dict, int]]) -> float:
    start = time.perf_counter()
    list(pool.map(_run_trial, jobs, chunksize=1))
    return time.perf_counter() - start


def start_pool(num_workers: int, space_name: str) -> tuple[ProcessPoolExecutor, float]:
    """Start spawned single-thread workers; return the pool and the seconds until all are ready."""
    context = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    pool = ProcessPoolExecutor(
        num_workers, mp_context=context, initializer=_init_worker, initargs=(space_name,)
    )
    # Each call sleeps briefly, so every worker receives one and runs its initializer.
    list(pool.map(time.sleep, [0.05] * (num_workers * 4)))
    return pool, time.perf_counter() - start


# ---------------------------------------------------------------------------------------------


def training_flops(
    space_name: str, archs: list[str], num_seeds: int, data: TaskData, fidelity: Fidelity
) -> float:
    total = 0.0
    for arch in archs:
        with torch.random.fork_rng(devices=[]):
            model = model_builder(space_name, arch, data, fidelity.width_mult)()
        per_sample = count_flops(model, data.input_shape)
        total += 3 * per_sample * data.num_train * fidelity.epochs * num_seeds
    return total


def run_benchmark(args: argparse.Namespace) -> dict:
    seeds = list(range(args.seeds))
    fidelities = [Fidelity.parse("proxy", args.proxy), Fidelity.parse("target", args.target)]
    spec_texts = {"proxy": args.proxy, "target": args.target}
    load_before = os.getloadavg()

    matmul_1 = matmul_flops_per_second(1)
    matmul_2_start = matmul_flops_per_second(2)
    tutorial_threads = torch.get_num_threads()
    _warm_up(args.space)
    full = _FULL_DATA["digits"]
    pool, startup_s = start_pool(2, args.space)

    candidates = candidate_archs(args.space)
    archs = sample_archs(candidates, args.archs)
    blocks = [archs[i : i + args.block] for i in range(0, len(archs), args.block)]
    modes = [TUTORIAL, TUTORIAL_ONE_THREAD, POOL, THREADS]
    studies = {(f.name, mode): new_study() for f in fidelities for mode in modes[:2]}
    seconds = {(f.name, mode): 0.0 for f in fidelities for mode in modes}
    round_ratios = []
    try:
        for round_index, block in enumerate(blocks):
            round_seconds = {}
            for fidelity in fidelities:
                data = fidelity.apply(full, seed=SUBSET_SEED)
                jobs = [
                    (args.space, arch, fidelity.to_dict(), seed) for arch in block for seed in seeds
                ]
                objective = tutorial_objective(args.space, candidates, data, seeds, fidelity)
                # Rotate the order every round, so slow phases of a shared machine hit every mode.
                shift = round_index % len(modes)
                for mode in modes[shift:] + modes[:shift]:
                    if mode == TUTORIAL:
                        study = studies[(fidelity.name, mode)]
                        elapsed = tutorial_block(study, objective, block)
                    elif mode == TUTORIAL_ONE_THREAD:
                        previous = configure_threads(1)
                        try:
                            study = studies[(fidelity.name, mode)]
                            elapsed = tutorial_block(study, objective, block)
                        finally:
                            configure_threads(previous)
                    elif mode == POOL:
                        elapsed = pool_block(pool, jobs)
                    else:
                        elapsed = in_process_block(jobs, num_threads=2)
                    seconds[(fidelity.name, mode)] += elapsed
                    round_seconds[(fidelity.name, mode)] = elapsed
            best_ours = min(round_seconds[("target", POOL)], round_seconds[("target", THREADS)])
            round_ratios.append(best_ours / round_seconds[("target", TUTORIAL)])
            print(
                f"round {round_index + 1}/{len(blocks)}: time / tutorial at target "
                f"{round_ratios[-1]:.2f}, load average {os.getloadavg()[0]:.1f}",
                file=sys.stderr,
            )
    finally:
        pool.shutdown(cancel_futures=True)

    matmul_2_end = matmul_flops_per_second(2)
    # The larger of the two measurements is closer to the machine's unloaded matmul rate.
    matmul_2 = max(matmul_2_start, matmul_2_end)
    num_trials = args.archs * len(seeds)
    rows = []
    for fidelity in fidelities:
        data = fidelity.apply(full, seed=SUBSET_SEED)
        flops = training_flops(args.space, archs, len(seeds), data, fidelity)
        tutorial_s = seconds[(fidelity.name, TUTORIAL)]
        for mode in modes:
            mode_s = seconds[(fidelity.name, mode)]
            rows.append(
                {
                    "fidelity": f"{fidelity.name} ({spec_texts[fidelity.name]})",
                    "mode": mode,
                    "trials": num_trials,
                    "seconds": mode_s,
                    "trials_per_min": 60 * num_trials / mode_s,
                    "archs_per_min": 60 * args.archs / mode_s,
                    "model_gflops_per_s": flops / mode_s / 1e9,
                    "fraction_of_matmul": flops / mode_s / matmul_2,
                    "time_over_tutorial": mode_s / tutorial_s,
                }
            )
    return {
        "task": TASK,
        "space": args.space,
        "archs": args.archs,
        "distinct_archs": len(set(archs)),
        "seeds": len(seeds),
        "torch": torch.__version__,
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} usable cores",
        "load_average_before": load_before[0],
        "load_average_after": os.getloadavg()[0],
        "matmul_gflops_1_thread": matmul_1 / 1e9,
        "matmul_gflops_2_threads": matmul_2 / 1e9,
        "matmul_gflops_2_threads_start_end": [matmul_2_start / 1e9, matmul_2_end / 1e9],
        "tutorial_threads": tutorial_threads,
        "pool_startup_s": startup_s,
        "target_round_ratios": round_ratios,
        "rows": rows,
    }


def format_markdown(report: dict) -> str:
    lines = [
        f"Task {report['task']}, space {report['space']}, {report['archs']} architectures "
        f"({report['distinct_archs']} distinct) x {report['seeds']} seeds, torch {report['torch']}, "
        f"{report['machine']}, load average {report['load_average_before']:.1f} before and "
        f"{report['load_average_after']:.1f} after.",
        f"Matmul 1024x1024 float32: {report['matmul_gflops_1_thread']:.1f} GFLOP/s on 1 thread, "
        f"{report['matmul_gflops_2_threads']:.1f} GFLOP/s on 2 threads.",
        "",
        "| fidelity | mode | trials | seconds | trials/min | archs/min | model GFLOP/s "
        "| of matmul FLOP/s | time / tutorial |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['fidelity']} | {row['mode']} | {row['trials']} | {row['seconds']:.1f} "
            f"| {row['trials_per_min']:.0f} | {row['archs_per_min']:.1f} "
            f"| {row['model_gflops_per_s']:.2f} | {100 * row['fraction_of_matmul']:.1f}% "
            f"| {row['time_over_tutorial']:.2f} |"
        )
    ratios = ", ".join(f"{ratio:.2f}" for ratio in report["target_round_ratios"])
    lines += [
        "",
        f"Worker pool startup (spawn, import torch, load task, one warm-up trial): "
        f"{report['pool_startup_s']:.1f} s once per search, not included above. The tutorial "
        f"ran with torch's default of {report['tutorial_threads']} intra-op threads.",
        f"Target time / tutorial of the faster nasdiag mode, per round: {ratios}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=20, help="architectures (default 20)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per architecture (default 3)")
    parser.add_argument(
        "--block", type=int, default=5, help="architectures per interleaved round (default 5)"
    )
    parser.add_argument(
        "--space",
        default="digits_chain",
        help=f"preset search space name, or '{HANDBUILT}' for plain CNNs (default digits_chain)",
    )
    parser.add_argument("--proxy", default="epochs=2,data=0.25", help="proxy fidelity spec")
    parser.add_argument("--target", default="epochs=10", help="target fidelity spec")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # Turn SIGTERM into SystemExit, so the `finally` clauses stop the worker processes.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    report = run_benchmark(args)
    print(format_markdown(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
