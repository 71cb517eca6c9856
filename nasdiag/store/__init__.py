"""nasdiag's DuckDB store: the one owner of the database file and of all SQL."""

from nasdiag.store.bundle import export_bundle, load_bundle
from nasdiag.store.connection import StoreError, StoreLockedError
from nasdiag.store.schema import SCHEMA_VERSION
from nasdiag.store.store import DB_ENV_VAR, DEFAULT_DB_PATH, TRIAL_STATUSES, Store, TrialRecord

__all__ = [
    "DB_ENV_VAR",
    "DEFAULT_DB_PATH",
    "SCHEMA_VERSION",
    "TRIAL_STATUSES",
    "Store",
    "StoreError",
    "StoreLockedError",
    "TrialRecord",
    "export_bundle",
    "load_bundle",
]
