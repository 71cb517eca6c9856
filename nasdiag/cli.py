"""The `nasdiag` command line: search, list, diagnose, import and report, headless.

Every command validates its input before it opens the database, so a bad argument exits with
status 2 and a one-line message and leaves the database untouched.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from nasdiag.store import DB_ENV_VAR, DEFAULT_DB_PATH

logger = logging.getLogger("nasdiag")

EXIT_USAGE = 2


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


def _add_db(parser: argparse.ArgumentParser) -> None:
    # The dashboard reads $NASDIAG_DB too, so both default to the same file.
    default = Path(os.environ.get(DB_ENV_VAR) or DEFAULT_DB_PATH)
    parser.add_argument(
        "--db", type=Path, default=default,
        help=f"DuckDB database file to read and write (default: ${DB_ENV_VAR} if set, else {DEFAULT_DB_PATH}; "
        f"now {default})",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nasdiag",
        description="Check whether a neural architecture search can be trusted: evaluation noise, "
        "proxy-vs-target divergence and search-space coverage.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    search = commands.add_parser(
        "search", help="run (or resume) a multi-seed search and store every trial",
        description="Run a search. Running the same command again resumes it: finished trials are "
        "reused, only missing ones are trained.",
    )
    search.add_argument("--space", default="digits_cell",
                        help="search space: a preset name (see `nasdiag spaces`) or a YAML file (default: digits_cell)")
    search.add_argument("--task", default="digits",
                        help="dataset: digits, mnist1d or npz:PATH with arrays x and y (default: digits)")
    search.add_argument("--strategy", default="random", choices=["random", "evolution", "halving"],
                        help="search strategy (default: random)")
    search.add_argument("--budget", type=int, default=20,
                        help="number of architectures the strategy proposes (default: 20)")
    search.add_argument("--seeds", type=int, default=3,
                        help="init seeds per architecture and fidelity (default: 3)")
    search.add_argument("--rank-seeds", type=int, default=0, metavar="N",
                        help="rank each architecture by the mean of its first N seeds only; the other seeds "
                        "are trained to measure how much that ranking is luck (default: 0, all seeds)")
    search.add_argument("--proxy", action="append", default=None, metavar="SPEC",
                        help="a proxy fidelity, repeatable, as NAME:KEY=VALUE,... with keys epochs, data "
                        "(fraction of the training split, 0-1], classes (e.g. 0-4), width (multiplier), "
                        "batch, lr; e.g. proxy:epochs=2,data=0.25 (default: proxy:epochs=2,data=0.25)")
    search.add_argument("--no-proxy", action="store_true", help="search at the target fidelity only")
    search.add_argument("--target", default="target:epochs=10", metavar="SPEC",
                        help="the target fidelity in the same form (default: target:epochs=10)")
    search.add_argument("--target-eval", default="all", choices=["all", "top", "none"],
                        help="which architectures are also trained at the other fidelities: all of them, "
                        "the current top-k by the proxy as the search goes, or none (default: all)")
    search.add_argument("--top-k", type=int, default=5, help="k for --target-eval top (default: 5)")
    search.add_argument("--data-order", default="varied", choices=["varied", "fixed"],
                        help="data-order seed equal to the init seed (varied) or always 0 (fixed) (default: varied)")
    search.add_argument("--no-baselines", action="store_true",
                        help="do not train the task's hand-designed baselines next to the search")
    search.add_argument("--seed", type=int, default=0,
                        help="search seed: sampling, mutation and the data split (default: 0)")
    search.add_argument("--population", type=int, default=10, help="evolution: population size (default: 10)")
    search.add_argument("--sample-size", type=int, default=3, help="evolution: tournament size (default: 3)")
    search.add_argument("--eta", type=int, default=3, help="halving: keep 1/eta per rung (default: 3)")
    search.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: one per core)")
    search.add_argument("--threads", type=int, default=1,
                        help="intra-op threads per worker; 1 was fastest on 2 cores (default: 1)")
    search.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="training device (default: cpu)")
    search.add_argument("--name", default=None, help="experiment name (default: STRATEGY-TASK-SPACE)")
    search.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_db(search)

    listing = commands.add_parser("list", help="list the experiments in the database")
    listing.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    _add_db(listing)

    spaces = commands.add_parser("spaces", help="list the preset search spaces and their sizes")
    spaces.add_argument("--json", action="store_true", help="print JSON")

    diagnose = commands.add_parser(
        "diagnose", help="diagnose noise, proxy divergence and coverage with verdicts",
        description="Diagnose a stored experiment (--experiment) or a long-format CSV/Parquet file with "
        "columns arch, seed, fidelity, metric and optional ops, is_baseline, status.",
    )
    diagnose.add_argument("file", nargs="?", type=Path, help="long-format CSV or Parquet file")
    diagnose.add_argument("--experiment", help="experiment id or name in the database")
    diagnose.add_argument("--proxy", help="proxy fidelity name (default: chosen from the data and named in the report)")
    diagnose.add_argument("--target", help="target fidelity name (default: chosen from the data and named in the report)")
    direction = diagnose.add_mutually_exclusive_group()
    direction.add_argument("--maximize", dest="maximize", action="store_true", default=True,
                           help="higher metric is better (default)")
    direction.add_argument("--minimize", dest="maximize", action="store_false", help="lower metric is better")
    diagnose.add_argument("--json", action="store_true", help="print one JSON object (see docs/diagnose-json.md)")
    diagnose.add_argument("--fail-on", choices=["warn", "fail"], default=None,
                          help="exit 1 when any verdict is at this level or worse, to gate CI")
    diagnose.add_argument("--seed", type=int, default=0, help="seed of the bootstrap resampling (default: 0)")
    diagnose.add_argument("--ranking-seeds", type=int, default=None, metavar="N",
                          help="seeds per architecture whose mean the search ranked by, 0 for all (default: the "
                          "search's own setting for a nasdiag search, 1 for a file or an imported log)")
    _add_db(diagnose)

    importer = commands.add_parser(
        "import", help="import logged runs (CSV/Parquet/JSONL, NAS benchmarks, Optuna, NNI, TensorBoard)",
    )
    importer.add_argument("path", type=Path, nargs="?", help="file or folder to import")
    importer.add_argument("--format", default=None, help="input format (default: detected and named in the output)")
    importer.add_argument("--name", default=None, help="experiment name (default: the file name)")
    importer.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                          help="a format option, repeatable (see `nasdiag import --help-formats`)")
    importer.add_argument("--help-formats", action="store_true", help="list the formats and their options")
    _add_db(importer)

    report = commands.add_parser("report", help="write the diagnosis of an experiment as HTML or Markdown")
    report.add_argument("--experiment", required=True, help="experiment id or name")
    report.add_argument("--format", choices=["html", "md"], default=None,
                        help="output format (default: md for an -o file ending in .md, else html)")
    report.add_argument("-o", "--output", type=Path, default=None, help="output file (default: stdout)")
    report.add_argument("--proxy", help="proxy fidelity name")
    report.add_argument("--target", help="target fidelity name")
    report.add_argument("--ranking-seeds", type=int, default=None, metavar="N",
                        help="seeds per architecture whose mean the search ranked by (default: as for diagnose)")
    _add_db(report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # scipy warns about precision loss when every seed of an architecture scored the same
    # accuracy; the statistics handle that case, so the warning is only noise on the terminal.
    warnings.filterwarnings("ignore", message="Precision loss occurred", category=RuntimeWarning)
    from nasdiag import commands

    handlers = {
        "search": commands.search,
        "list": commands.list_experiments,
        "spaces": commands.spaces,
        "diagnose": commands.diagnose,
        "import": commands.import_file,
        "report": commands.report,
    }
    try:
        return handlers[args.command](args)
    except CliError as error:
        print(f"nasdiag {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"nasdiag {args.command}: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (such as `| head`) closed the pipe. Point stdout at devnull so that the
        # interpreter's final flush does not raise again, and exit quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def print_json(payload: object) -> None:
    print(json.dumps(payload, indent=2, sort_keys=False, default=str))


if __name__ == "__main__":
    sys.exit(main())
