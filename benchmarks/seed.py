"""Create and fill the items table with a rendered project's own models.

Run with the rendered project as the working directory (its package is importable from
there), so the schema is the one the project declares, not a copy:

    cd <project> && PYTHONPATH=<repo> python -m benchmarks.seed --url sqlite:///bench.db --rows 10000
"""

from __future__ import annotations

import argparse
import importlib

from sqlalchemy import create_engine, insert, text

DESCRIPTION = "Seeded by the benchmark: a short description of roughly the size a real one might have."


def seed(url: str, package: str, rows: int) -> None:
    models = importlib.import_module(f"{package}.models")
    table = models.Item.__table__
    engine = create_engine(url)
    try:
        models.Base.metadata.drop_all(engine)
        models.Base.metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                insert(table), [{"title": f"item {n}", "description": DESCRIPTION} for n in range(1, rows + 1)]
            )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE items"))
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="synchronous SQLAlchemy URL of the database to fill")
    parser.add_argument("--package", default="items_service", help="the rendered project's package")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    seed(args.url, args.package, args.rows)


if __name__ == "__main__":
    main()
