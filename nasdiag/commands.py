"""The CLI's command handlers: parse arguments into library calls and present the results.

Each handler returns an exit status. User errors raise `CliError` (exit 2) before the database
is opened, so nothing is written.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from pathlib import Path

from nasdiag.cli import CliError, print_json

logger = logging.getLogger(__name__)


def search(args: argparse.Namespace) -> int:
    """`nasdiag search`: validate, then run or resume the search with a progress bar."""
    from tqdm import tqdm

    from nasdiag.search import SearchProgress, run_search
    from nasdiag.search.setup import SearchSetupError, build_search_config
    from nasdiag.store import Store

    if args.workers is not None and args.workers < 1:
        raise CliError(f"--workers must be at least 1, got {args.workers}")
    if args.threads < 1:
        raise CliError(f"--threads must be at least 1, got {args.threads}")
    options = {}
    if args.strategy == "evolution":
        options = {"population_size": args.population, "sample_size": args.sample_size}
    elif args.strategy == "halving":
        options = {"eta": args.eta}
    try:
        config = build_search_config(
            space=args.space, task=args.task, strategy=args.strategy, budget=args.budget,
            seeds=args.seeds, rank_seeds=args.rank_seeds,
            proxies=[] if args.no_proxy else (args.proxy or ["proxy:epochs=2,data=0.25"]),
            target=args.target, target_eval=args.target_eval, top_k=args.top_k,
            data_order=args.data_order, with_baselines=not args.no_baselines, search_seed=args.seed,
            name=args.name, strategy_options=options,
        )
    except (SearchSetupError, ValueError) as error:
        raise CliError(str(error)) from error

    store = Store(args.db)
    bar = None if args.no_progress else tqdm(total=0, unit="trial", file=sys.stderr, dynamic_ncols=True)

    def on_progress(progress: SearchProgress) -> None:
        if bar is None:
            return
        bar.total = max(progress.planned, progress.done)
        bar.n = progress.done
        bar.set_postfix(trained=progress.trained, reused=progress.reused, diverged=progress.diverged,
                        failed=progress.failed, refresh=False)
        bar.refresh()

    try:
        summary = run_search(config, store, workers=args.workers, threads=args.threads,
                             device=args.device, progress=on_progress)
    finally:
        if bar is not None:
            bar.close()
    best = "none" if summary.best_arch is None else f"{summary.best_arch} ({summary.best_score:.4f})"
    print(f"experiment {summary.experiment_id} ({config.name}) {summary.status}: "
          f"{summary.trials_trained} trials trained, {summary.trials_reused} reused from the database")
    ranked = config.ranking_seeds
    by = "1 seed" if ranked == 1 else f"the mean of {ranked} seeds"
    print(f"best by the search's own ranking ({by} at the search fidelity): {best}")
    if ranked < config.seeds:
        print(f"this ranking used {ranked} of {config.seeds} seeds per architecture; the diagnosis shows how "
              "much of the best score is luck")
    print(f"next: nasdiag diagnose --experiment {summary.experiment_id} --db {args.db}")
    return 0 if summary.status == "finished" else 1


def list_experiments(args: argparse.Namespace) -> int:
    """`nasdiag list`: one line per experiment."""
    from nasdiag.store import Store

    if not Path(args.db).exists():
        raise CliError(f"database {args.db} not found; pass --db PATH (or set $NASDIAG_DB), "
                       "or run `nasdiag search` or `nasdiag import` first")
    frame = Store(args.db).list_experiments()
    if args.json:
        for row in frame.to_dict(orient="records"):
            print(json.dumps(row, default=str))
        return 0
    if frame.empty:
        print(f"no experiments in {args.db}")
        return 0
    columns = ["experiment_id", "name", "kind", "status", "task", "n_archs", "n_seeds", "n_trials",
               "best_target_metric", "created_at"]
    table = frame[columns].copy()
    table["best_target_metric"] = table["best_target_metric"].map(
        lambda value: "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4f}"
    )
    table["created_at"] = table["created_at"].astype(str).str.slice(0, 19)
    print(table.to_string(index=False))
    return 0


def spaces(args: argparse.Namespace) -> int:
    """`nasdiag spaces`: the preset search spaces with their sizes."""
    from nasdiag.space import list_presets, load_preset_space

    rows = []
    for name in list_presets():
        space = load_preset_space(name)
        rows.append({"name": name, "family": space.family, "dims": space.spec.get("dims", 2),
                     "cardinality": space.cardinality(), "distinct": space.distinct_cardinality(),
                     "ops": list(space.ops)})
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        print(f"{row['name']:<28} {row['family']:<6} {row['dims']}D  {row['cardinality']:>14,} archs "
              f"({row['distinct']:,} distinct)  ops: {', '.join(row['ops'])}")
    return 0


def _resolve_experiment(store, key: str) -> str:
    from nasdiag.store import StoreError

    try:
        return store.get_experiment(key)["experiment_id"]
    except StoreError:
        experiments = store.list_experiments()
        matches = experiments.loc[experiments["name"] == key, "experiment_id"].tolist()
        if not matches:
            raise CliError(f"experiment {key!r} not found by id or name; run `nasdiag list --db {store.path}`") from None
        if len(matches) > 1:
            raise CliError(f"{len(matches)} experiments are named {key!r} ({', '.join(matches)}); "
                           f"pass one of these ids to --experiment") from None
        return matches[0]


def load_experiment_for_diagnosis(store, experiment_id: str):
    """Return (trials, curves, context kwargs for `diagnose`) for a stored experiment."""
    from nasdiag.space import SearchSpace, canonical_op_name

    experiment = store.get_experiment(experiment_id)
    trials = store.load_trials(experiment_id)
    # Baselines and spaces may spell one op two ways: conv_3x3 and NAS-Bench-201's nor_conv_3x3.
    # Coverage compares op names, so every name is brought to one spelling first.
    trials["ops"] = [
        ";".join(canonical_op_name(op) for op in ops.split(";")) if isinstance(ops, str) else ops
        for ops in trials["ops"]
    ]
    curves = store.load_curves(experiment_id)
    context: dict = {"maximize": bool(experiment["maximize"])}
    if experiment.get("target_fidelity"):
        context["target"] = experiment["target_fidelity"]
    config = experiment.get("config") or {}
    if isinstance(config, str):
        config = json.loads(config)
    if experiment.get("kind") == "search" and isinstance(config.get("seeds"), int):
        # A nasdiag search ranks by the mean of its first rank_seeds seeds (0: all of them).
        context["ranking_seeds"] = int(config.get("rank_seeds") or config["seeds"])
    proxies = experiment.get("proxy_fidelities") or []
    if len(proxies) == 1:
        context["proxy"] = proxies[0]
    # With several proxies `diagnose` picks the cheapest and records that choice in its notes.
    if experiment.get("space_hash"):
        spec = store.load_space_spec(experiment["space_hash"])
        if spec is not None:
            space = SearchSpace.from_dict(spec)
            # `none` cuts an edge and is never listed among an architecture's ops, so it is left out.
            context["space_ops"] = tuple(dict.fromkeys(
                canonical_op_name(op) for op in space.ops if op != "none"))
            context["cardinality"] = space.distinct_cardinality()
            baselines = trials.loc[trials["is_baseline"].astype(bool), "arch"].dropna().unique()
            membership = []
            for arch in baselines:
                # A baseline from the other family, such as a ResNet chain next to a cell space, can
                # never be a member. Coverage judges it by its ops and score only.
                if ("chain" if str(arch).startswith("chain:") else "cell") != space.family:
                    continue
                try:
                    membership.append({"baseline": arch, "in_space": bool(space.contains(arch)),
                                       "distance": int(space.distance(arch))})
                except ValueError:
                    membership.append({"baseline": arch, "in_space": False, "distance": None})
            if membership:
                import pandas as pd

                context["baseline_membership"] = pd.DataFrame(membership)
    if experiment.get("task"):
        from nasdiag.tasks import load_task

        try:
            data = load_task(experiment["task"], split_seed=0)
            context["input_size"] = int(max(data.input_shape[1:]))
        except ValueError:
            logger.warning("task %s of experiment %s could not be loaded; input size unknown",
                           experiment["task"], experiment_id)
    return trials, curves, context


def diagnose(args: argparse.Namespace) -> int:
    """`nasdiag diagnose`: verdicts for a file or a stored experiment."""
    from nasdiag.diagnose_cmd import DiagnoseInputError, run_diagnose
    from nasdiag.store import Store

    if (args.file is None) == (args.experiment is None):
        raise CliError("give either a FILE or --experiment ID (not both); see `nasdiag diagnose --help`")
    try:
        if args.file is not None:
            if not args.file.exists():
                raise CliError(f"file {args.file} not found")
            text, code = run_diagnose(args.file, proxy=args.proxy, target=args.target,
                                      maximize=args.maximize, json_out=args.json,
                                      fail_on=args.fail_on, seed=args.seed,
                                      ranking_seeds=1 if args.ranking_seeds is None else args.ranking_seeds)
        else:
            if not Path(args.db).exists():
                raise CliError(f"database {args.db} not found; pass --db PATH or set $NASDIAG_DB")
            store = Store(args.db)
            experiment_id = _resolve_experiment(store, args.experiment)
            trials, curves, context = load_experiment_for_diagnosis(store, experiment_id)
            if args.proxy:
                context["proxy"] = args.proxy
            if args.target:
                context["target"] = args.target
            context["maximize"] = context.get("maximize", True) and args.maximize
            if args.ranking_seeds is not None:
                context["ranking_seeds"] = args.ranking_seeds
            name = store.get_experiment(experiment_id)["name"]
            text, code = run_diagnose(trials, json_out=args.json, fail_on=args.fail_on,
                                      seed=args.seed, curves=curves,
                                      label=f"experiment {experiment_id} ({name})", **context)
    except DiagnoseInputError as error:
        raise CliError(str(error)) from error
    print(text)
    return code


def import_file(args: argparse.Namespace) -> int:
    """`nasdiag import`: import a foreign log into the database in one transaction."""
    from nasdiag.import_cmd import describe_formats, run_import
    from nasdiag.ingest.errors import ImportFormatError
    from nasdiag.store import StoreError

    if args.help_formats:
        print(describe_formats())
        return 0
    if args.path is None:
        raise CliError("give the file or folder to import, e.g. `nasdiag import runs.csv`")
    options = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"--option {item!r} is not KEY=VALUE")
        options[key.strip().replace("-", "_")] = value.strip()
    try:
        report, experiment_id = run_import(args.path, db_path=args.db, format=args.format,
                                           name=args.name, **options)
    except ImportFormatError as error:
        raise CliError(str(error)) from error
    except StoreError as error:
        raise CliError(f"import of {args.path} was not written: {error}") from error
    print(report)
    print(f"next: nasdiag diagnose --experiment {experiment_id} --db {args.db}")
    return 0


def report(args: argparse.Namespace) -> int:
    """`nasdiag report`: the diagnosis of a stored experiment as HTML or Markdown."""
    from nasdiag.diagnostics import DiagnoseInputError
    from nasdiag.diagnostics import diagnose as run_diagnosis
    from nasdiag.report import render_html, render_markdown
    from nasdiag.store import Store

    if not Path(args.db).exists():
        raise CliError(f"database {args.db} not found; pass --db PATH or set $NASDIAG_DB")
    store = Store(args.db)
    experiment_id = _resolve_experiment(store, args.experiment)
    trials, curves, context = load_experiment_for_diagnosis(store, experiment_id)
    if args.proxy:
        context["proxy"] = args.proxy
    if args.target:
        context["target"] = args.target
    if args.ranking_seeds is not None:
        context["ranking_seeds"] = args.ranking_seeds
    try:
        diagnosis = run_diagnosis(trials, curves=curves, **context)
    except DiagnoseInputError as error:
        raise CliError(str(error)) from error
    experiment = store.get_experiment(experiment_id)
    meta = {"experiment_id": experiment_id, "name": experiment["name"], "source": experiment["source"]}
    output_format = args.format
    if output_format is None:
        markdown = args.output is not None and args.output.suffix.lower() in (".md", ".markdown")
        output_format = "md" if markdown else "html"
    text = render_html(diagnosis, meta) if output_format == "html" else render_markdown(diagnosis, meta)
    if args.output is None:
        print(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0
