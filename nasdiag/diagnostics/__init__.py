"""Diagnostics: pure functions from the tidy trials table to noise, proxy and coverage verdicts.

Nothing here touches the database or Streamlit. ``diagnose`` runs everything; the
``analyse_*`` functions run one failure mode on a table cleaned by ``clean_trials``.
"""

from nasdiag.diagnostics.coverage import CoverageResult, analyse_coverage
from nasdiag.diagnostics.diagnosis import Diagnosis, choose_fidelities, diagnose
from nasdiag.diagnostics.noise import NoiseResult, analyse_noise
from nasdiag.diagnostics.power import seeds_needed
from nasdiag.diagnostics.proxy import ProxyResult, analyse_proxy
from nasdiag.diagnostics.rank import RankCorrelation, kendall_tau, rank_correlation, spearman_rho
from nasdiag.diagnostics.table import DiagnoseInputError, ExcludedRows, clean_trials
from nasdiag.diagnostics.verdicts import FAIL, INSUFFICIENT, OK, WARN, Thresholds, Verdict

__all__ = [
    "FAIL", "INSUFFICIENT", "OK", "WARN",
    "CoverageResult", "Diagnosis", "DiagnoseInputError", "ExcludedRows", "NoiseResult", "ProxyResult",
    "RankCorrelation", "Thresholds", "Verdict",
    "analyse_coverage", "analyse_noise", "analyse_proxy", "choose_fidelities", "clean_trials", "diagnose",
    "kendall_tau", "rank_correlation", "seeds_needed", "spearman_rho",
]
