"""Create the PostgreSQL database named by a URL if it does not exist yet (make run-scale).

    python scripts/create_database.py postgres://postgres@127.0.0.1:5432/outcry_scale

Connects to the server's ``postgres`` database with the same user and creates the
database, owned by that user; an existing one is left as it is. Prints one line.
"""

import sys
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql


def main(url: str) -> int:
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        print(f"Not a PostgreSQL URL: {parts.scheme}://…", file=sys.stderr)
        return 1
    name = unquote(parts.path.lstrip("/"))
    if not name:
        print("The URL names no database.", file=sys.stderr)
        return 1
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists:
                print(f"Database {name} exists.")
            else:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"Created database {name}.")
    except psycopg.OperationalError as error:
        print(
            f"Cannot reach PostgreSQL at {parts.hostname}:{parts.port or 5432}: {error}".strip(),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
