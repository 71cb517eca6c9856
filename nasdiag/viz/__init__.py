"""Plotly figure builders: numbers first (a NamedTuple per figure), drawing second.

Every ``plot_*`` returns a ``go.Figure`` with axis titles and hover text naming the
architecture. Empty input gives an empty figure with a message instead of an exception.
"""

from nasdiag.viz.coverage import (
    plot_op_effects,
    plot_op_frequency,
    plot_receptive_field,
    plot_target_distribution,
)
from nasdiag.viz.curves import plot_best_so_far, plot_learning_curves
from nasdiag.viz.noise import (
    plot_prob_best,
    plot_rank_stability,
    plot_seed_spread,
    plot_seeds_needed,
    plot_winners_curse,
)
from nasdiag.viz.proxy import (
    plot_correlation_heatmap,
    plot_overlap_curve,
    plot_proxy_scatter,
    plot_rank_flips,
)

__all__ = [
    "diagnosis_figures",
    "plot_best_so_far", "plot_correlation_heatmap", "plot_learning_curves", "plot_op_effects", "plot_op_frequency",
    "plot_overlap_curve", "plot_prob_best", "plot_proxy_scatter", "plot_rank_flips", "plot_rank_stability",
    "plot_receptive_field", "plot_seed_spread", "plot_seeds_needed", "plot_target_distribution",
    "plot_winners_curse",
]


def diagnosis_figures(diagnosis, metric_name: str = "metric") -> list:
    """Build the standard figures of a Diagnosis, in report order."""
    baselines = diagnosis.coverage.baselines["target_mean"]
    proxy = diagnosis.proxy
    figures = [
        plot_seed_spread(diagnosis.noise, metric_name=metric_name),
        plot_prob_best(diagnosis.noise),
        plot_rank_stability(diagnosis.noise),
        plot_winners_curse(diagnosis.noise, metric_name=metric_name),
        plot_seeds_needed(diagnosis.noise, metric_name=metric_name),
        plot_proxy_scatter(proxy, baselines, metric_name=metric_name),
        plot_overlap_curve(proxy),
        plot_correlation_heatmap(proxy.fidelity_matrix if proxy else None),
        plot_rank_flips(proxy),
        plot_op_frequency(diagnosis.coverage),
        plot_op_effects(diagnosis.coverage, metric_name=metric_name),
        plot_receptive_field(diagnosis.coverage, metric_name=metric_name),
        plot_target_distribution(diagnosis.coverage, metric_name=metric_name),
    ]
    if proxy is not None and proxy.epoch_matrix is not None:
        figures.append(plot_correlation_heatmap(proxy.epoch_matrix, title="Rank correlation between epochs"))
    return figures
