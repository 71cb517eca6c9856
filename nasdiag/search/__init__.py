"""Search strategies, the runner that drives them, and the executors that train trials."""

from nasdiag.search.executors import Executor, InlineExecutor, LocalProcessExecutor, make_executor
from nasdiag.search.runner import (
    SearchConfig,
    SearchProgress,
    SearchRunner,
    SearchSummary,
    run_search,
)
from nasdiag.search.strategy import (
    STRATEGIES,
    Candidate,
    RandomSearch,
    RegularizedEvolution,
    Strategy,
    SuccessiveHalving,
    make_strategy,
)

__all__ = [
    "STRATEGIES",
    "Candidate",
    "Executor",
    "InlineExecutor",
    "LocalProcessExecutor",
    "RandomSearch",
    "RegularizedEvolution",
    "SearchConfig",
    "SearchProgress",
    "SearchRunner",
    "SearchSummary",
    "Strategy",
    "SuccessiveHalving",
    "make_executor",
    "make_strategy",
    "run_search",
]
