"""CSV import benchmark: 50,000 lines (25,000 invoices and their payments, 1,000 customers)
imported into a fresh database, then the same file again (every line unchanged).

    python bench/import_csv.py [--db PATH_OR_URL] [--pairs 25000] [--customers 1000]

Moved here from the test suite, which keeps a 3,000-line import checking the same results
(tests/test_csv_import.py): how long it takes is a figure to watch, not a test to fail.
A benchmark, not a test: it reports, it does not fail the build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import func  # noqa: E402
from sqlmodel import select  # noqa: E402

from engine.bootstrap import initialize  # noqa: E402
from engine.context import Ctx  # noqa: E402
from engine.csv_import import ImportReport, import_csv  # noqa: E402
from models.db import make_engine, session_factory, transaction  # noqa: E402
from models.tables import Entry  # noqa: E402
from tests.test_csv_import import HEADER, volume_lines  # noqa: E402

TARGET = 60.0  # seconds, each run
TODAY = dt.date(2026, 3, 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="a database URL or file (default: a new temporary file)")
    parser.add_argument("--pairs", type=int, default=25_000)
    parser.add_argument("--customers", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "import.sqlite3")
        engine = make_engine(db)
        initialize(engine, "bench")
        factory = session_factory(engine)
        path = Path(tmp) / "big.csv"
        lines = volume_lines(args.pairs, args.customers)
        path.write_text("\n".join((HEADER, *lines)) + "\n", encoding="utf-8")

        def run() -> tuple[float, ImportReport]:
            started = time.perf_counter()
            with transaction(factory) as session:
                report = import_csv(Ctx.load(session, "bench", TODAY), path)
            return time.perf_counter() - started, report

        first, report = run()
        again, repeat = run()
        with transaction(factory) as session:
            owed = session.exec(select(func.sum(Entry.open_amount))).one()
        engine.dispose()
    print(f"{len(lines):,} lines, {args.customers:,} customers")
    print(f"import (new lines)     {first:8.2f} s  (target < {TARGET:g} s)  added {report.added:,}")
    unchanged = repeat.unchanged
    print(
        f"import again (same)    {again:8.2f} s  (target < {TARGET:g} s)  unchanged {unchanged:,}"
    )
    print(f"open amount afterwards  {owed}  (expected 0: lettered pairs settle)")


if __name__ == "__main__":
    main()
