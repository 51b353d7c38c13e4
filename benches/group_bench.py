"""What the group benchmarks (bench_sop, bench_metrics) share: their options, and an empty
database at the latest schema to run in."""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from scrm import create_app  # noqa: E402
from scrm.db import MIGRATIONS_DIR, db  # noqa: E402
from scrm.groups.models import CustomerGroup  # noqa: E402


def parse_group_args(
    description: str, quick_help: str, max_groups: int, argv: list[str] | None = None
) -> argparse.Namespace:
    """``--quick`` (1,000 groups), ``--groups N`` (default 10,000) and ``--database URL``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--groups", type=int, help="customer groups (default 10,000)")
    parser.add_argument(
        "--database", help="an empty database URL (default: a new SQLite file in a temp folder)"
    )
    args = parser.parse_args(argv)
    if args.groups is None:
        args.groups = 1000 if args.quick else 10_000
    if not 1 <= args.groups <= max_groups:
        parser.error(f"--groups must be between 1 and {max_groups:,}")
    return args


@contextmanager
def database_url(name: str, database: str | None) -> Iterator[str]:
    """``database``, or a new SQLite file in a temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"{name}_") as folder:
        yield database or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


@contextmanager
def empty_database(name: str, uri: str) -> Iterator[None]:
    """An app context on ``uri`` at the latest schema; exits when it already holds groups."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": secrets.token_hex(32)})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        if db.session.scalar(select(func.count()).select_from(CustomerGroup)):
            sys.exit(f"{name}: the database already holds groups; give --database an empty one")
        yield
