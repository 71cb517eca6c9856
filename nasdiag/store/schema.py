"""The database schema and its migrations.

`MIGRATIONS[v]` moves a database from schema version v - 1 to v. `migrate` applies the missing
ones in order inside the caller's transaction and records the version in `meta`, so a database
is either fully at the new version or untouched.
"""

from __future__ import annotations

import logging

import duckdb

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_V1 = [
    """
    CREATE TABLE IF NOT EXISTS meta (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS spaces (
        space_hash VARCHAR PRIMARY KEY,
        name VARCHAR,
        family VARCHAR,
        spec VARCHAR NOT NULL          -- the validated spec as JSON
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS experiments (
        experiment_id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,         -- 'search' or 'import'
        source VARCHAR,                -- the command or the imported file
        source_format VARCHAR,
        status VARCHAR NOT NULL,       -- running, finished, cancelled, failed, imported
        cancel_requested BOOLEAN NOT NULL DEFAULT false,
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        metric_name VARCHAR NOT NULL,
        maximize BOOLEAN NOT NULL,
        task VARCHAR,
        space_hash VARCHAR,
        proxy_fidelities VARCHAR,      -- JSON list of fidelity names
        target_fidelity VARCHAR,
        planned_trials INTEGER,
        pid INTEGER,                   -- process running the search, for the dashboard
        config VARCHAR,                -- JSON
        warnings VARCHAR               -- JSON list of messages from an import
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS fidelities (
        experiment_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        role VARCHAR NOT NULL,         -- 'proxy' or 'target'
        spec VARCHAR,                  -- JSON: epochs, data_fraction, classes, width_mult
        PRIMARY KEY (experiment_id, name)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS architectures (
        experiment_id VARCHAR NOT NULL,
        arch_hash VARCHAR NOT NULL,
        arch VARCHAR NOT NULL,         -- canonical string
        ops VARCHAR,                   -- semicolon-separated op names used
        params BIGINT,
        flops BIGINT,                  -- forward FLOPs per sample
        receptive_field INTEGER,       -- input pixels (or samples for 1D inputs)
        is_baseline BOOLEAN NOT NULL DEFAULT false,
        spec_json VARCHAR,
        PRIMARY KEY (experiment_id, arch_hash)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS trials (
        experiment_id VARCHAR NOT NULL,
        trial_id VARCHAR NOT NULL,
        arch_hash VARCHAR NOT NULL,
        seed INTEGER,                  -- init seed
        data_seed INTEGER,             -- data-order seed
        fidelity VARCHAR NOT NULL,
        metric DOUBLE,
        test_metric DOUBLE,
        status VARCHAR NOT NULL,       -- ok, diverged, failed, pruned, running
        epochs INTEGER,
        wall_time_s DOUBLE,
        finished_at TIMESTAMP,
        PRIMARY KEY (experiment_id, trial_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS curves (
        experiment_id VARCHAR NOT NULL,
        trial_id VARCHAR NOT NULL,
        epoch INTEGER NOT NULL,
        train_loss DOUBLE,
        val_metric DOUBLE,
        PRIMARY KEY (experiment_id, trial_id, epoch)
    )
    """,
]

MIGRATIONS: dict[int, list[str]] = {1: _V1}


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """Return the schema version recorded in the database, 0 for an empty file."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", ["meta"]
    ).fetchall()
    if not exists or exists[0][0] == 0:
        return 0
    row = con.execute("SELECT value FROM meta WHERE key = ?", ["schema_version"]).fetchall()
    return int(row[0][0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every missing migration inside the caller's transaction; return the new version.

    Raises:
        RuntimeError: the database was written by a newer nasdiag (its version is above ours).
    """
    version = current_version(con)
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"database schema version {version} is newer than this nasdiag supports "
            f"({SCHEMA_VERSION}); upgrade nasdiag"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[target]:
            con.execute(statement)
        con.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", ["schema_version", str(target)]
        )
        logger.info("migrated database schema to version %d", target)
    return SCHEMA_VERSION
