#!/usr/bin/env python3
"""Give the demo petition N stored signatures, fast, before a bench starts the server.

Issue 16 asks that signing and the campaign page be no more than 20% slower with
1,000,000 stored signatures than with 10,000. Making them through the site (or the
ORM) would take hours; this writes them with plain SQL, generated inside the
database itself (``generate_series`` on PostgreSQL, a recursive CTE on SQLite), in
one transaction per table, and then lets the database gather its statistics as a
live site's would have. Each seeded signature has its own supporter
(``seed-<n>@seed.example.org``), is confirmed (so it counts), and about a third
show a short name and country, spread over a few countries, as a public list
would. The petition's counter (actions.counters) gets the same number on its shard 0.

    .venv/bin/python bench/seed.py sqlite:///var/x/outcry.sqlite3 1000000

Nothing from Django is imported, so a bench can seed one database after another in
one process (Django reads its settings once).
"""

from __future__ import annotations

import contextlib
import sys
import time

PETITION_SLUG = "unhcr-save-my-friend"
SEED_DOMAIN = "seed.example.org"
COUNTRIES = ("KR", "US", "DE", "FR", "JP", "GB", "CA", "AU")

# Both statements read the number of each seeded row as ``n`` (1…N), and use only
# SQL the two databases share, apart from the row source and the timestamps.
# Placeholders are psycopg's (%s, and %% for a percent sign); SQLite's are made from them.
SUPPORTERS = """
INSERT INTO supporters_supporter
    (email, name, country, postcode, language, created_at, mail_problem, soft_bounces)
SELECT 'seed-' || n || '@{domain}', 'Seed Signer ' || n, {country}, '', 'en', {at}, '', 0
FROM {rows}
"""
SIGNATURES = """
INSERT INTO petitions_signature
    (petition_id, supporter_id, name, country, comment, public_name, language, token,
     created_at, confirmed_at, email_confirmed_at, flag, flag_detail)
SELECT {petition}, s.id, s.name, s.country, '',
       CASE WHEN s.id %% 3 = 0 THEN 'first_country' ELSE 'hidden' END, 'en',
       'seed-' || s.id, s.created_at, s.created_at, s.created_at, '', ''
FROM supporters_supporter s WHERE s.email LIKE 'seed-%%@{domain}'
"""


def _country(modulo: str) -> str:
    """SQL choosing one of COUNTRIES by the row number."""
    whens = " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(COUNTRIES))
    return f"CASE {modulo} %% {len(COUNTRIES)} {whens} END"


def seed(database_url: str, count: int) -> dict:
    """Add *count* signatures to the demo petition; return the seconds each step took."""
    started = time.monotonic()
    if database_url.startswith("sqlite:///"):
        timings = _seed_sqlite(database_url.removeprefix("sqlite:///"), count)
    else:
        timings = _seed_postgres(database_url, count)
    timings["total_seconds"] = round(time.monotonic() - started, 1)
    timings["signatures"] = count
    return timings


def _steps(execute, count: int, rows: str, at: str, petition: int) -> dict:
    """Run the inserts and the counter update through *execute*; time each."""
    timings = {}
    mark = time.monotonic()
    execute(
        SUPPORTERS.format(domain=SEED_DOMAIN, country=_country("n"), at=at, rows=rows), (count,)
    )
    timings["supporters_seconds"] = round(time.monotonic() - mark, 1)
    mark = time.monotonic()
    execute(SIGNATURES.format(petition=petition, domain=SEED_DOMAIN), ())
    timings["signatures_seconds"] = round(time.monotonic() - mark, 1)
    key = f"petition:{petition}"
    execute(
        "INSERT INTO actions_countershard (key, shard, count) VALUES (%s, 0, 0)"
        " ON CONFLICT (key, shard) DO NOTHING",
        (key,),
    )
    execute(
        "UPDATE actions_countershard SET count = count + %s WHERE key = %s AND shard = 0",
        (count, key),
    )
    return timings


def _seed_sqlite(path: str, count: int) -> dict:
    import sqlite3

    with contextlib.closing(sqlite3.connect(path, timeout=60, isolation_level=None)) as db:
        db.execute("PRAGMA cache_size = -262144")  # 256 MiB of page cache for the index builds
        (petition,) = db.execute(
            "SELECT id FROM petitions_petition WHERE slug = ?", (PETITION_SLUG,)
        ).fetchone()
        rows = (
            "(WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %s)"
            " SELECT n FROM g)"
        )
        at = "strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || n || ' seconds')"

        def execute(sql: str, parameters: tuple) -> None:
            db.execute("BEGIN IMMEDIATE")
            db.execute(sql.replace("%s", "?").replace("%%", "%"), parameters)
            db.execute("COMMIT")

        timings = _steps(execute, count, rows, at, petition)
        mark = time.monotonic()
        db.execute("ANALYZE")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        timings["analyze_seconds"] = round(time.monotonic() - mark, 1)
    return timings


def _seed_postgres(url: str, count: int) -> dict:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        (petition,) = db.execute(
            "SELECT id FROM petitions_petition WHERE slug = %s", (PETITION_SLUG,)
        ).fetchone()
        rows = "generate_series(1, %s) AS g(n)"
        at = "now() - n * interval '1 second'"

        def execute(sql: str, parameters: tuple) -> None:
            with db.transaction():
                # The rows are right by construction (each signature's supporter is
                # read from the table): skip the foreign-key triggers, a third of the time.
                db.execute("SET LOCAL session_replication_role = replica")
                db.execute("SET LOCAL work_mem = '256MB'")
                db.execute(sql, parameters)

        timings = _steps(execute, count, rows, at, petition)
        mark = time.monotonic()
        # What autovacuum would do on a live site: statistics for the planner and the
        # visibility map (index-only scans), so the first minutes are not measured on
        # a freshly loaded table.
        db.execute("VACUUM ANALYZE supporters_supporter, petitions_signature")
        timings["analyze_seconds"] = round(time.monotonic() - mark, 1)
    return timings


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        raise SystemExit("usage: seed.py DATABASE_URL COUNT")
    timings = seed(argv[0], int(argv[1]))
    print(f"Seeded {int(argv[1]):,} signatures in {timings['total_seconds']} s: {timings}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
