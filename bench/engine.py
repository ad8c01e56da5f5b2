"""Engine benchmark on the 100,000-dossier demo: whole commands, as a user or cron runs them.

    python bench/engine.py [--db PATH_OR_URL] [--size large|N] [--repeat 5]

Builds the demo database once (kept at bench/large.sqlite3 unless --db says otherwise),
then times each command as a separate process and prints the median beside its target.
A benchmark, not a test: it reports, it does not fail the build.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# As a user's machine runs it: bytecode cached after the first run (this sandbox sets
# PYTHONDONTWRITEBYTECODE, which would recompile our modules on every command).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["RECOUVREMENT_LANG"] = "en"
RCV = [sys.executable, "-m", "tui.cli"]
TODAY = "2026-11-27"
SCENARIO = "Absence paiement - Recouv. amiable"

# (label, target seconds)
TARGETS = {
    "demo --size large (build)": 180.0,
    "run (daily pass)": 10.0,
    "dossier show": 0.3,
    "actions --agent X --json": 1.0,
    "dossier open": None,
    "import csv (1 line)": None,
    "aging --json": None,
    "aging --json, a month back": None,
}


def rcv(db: str, *args: str, check: bool = True) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [*RCV, "--db", db, "--user", "bench", "--today", TODAY, *args],
        capture_output=True,
        text=True,
        cwd=HERE.parent,
        env=ENV,
    )
    elapsed = time.perf_counter() - started
    if check and result.returncode != 0:
        raise SystemExit(f"rcv {' '.join(args)} failed: {result.stderr.strip()}")
    return elapsed, result.stdout


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=HERE.parent, env=ENV)
    return time.perf_counter() - started


def median(db: str, repeat: int, *args: str) -> float:
    return statistics.median(rcv(db, *args)[0] for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(HERE / "large.sqlite3"))
    parser.add_argument("--size", default="large")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    db, figures = args.db, {}

    fresh = "://" not in db and not Path(db).exists()
    if fresh:
        figures["demo --size large (build)"] = rcv(db, "demo", "--size", args.size)[0]
    figures["run (daily pass)"] = median(db, min(args.repeat, 3), "run")
    # The floor under every command: the interpreter and the imports (SQLAlchemy, SQLModel).
    figures["python + imports (floor)"] = statistics.median(
        _timed([sys.executable, "-c", "import tui.cli, engine.reads.views, engine.context"])
        for _ in range(args.repeat)
    )

    dossiers = json.loads(rcv(db, "dossier", "list", "--status", "open", "--json")[1])
    middle = dossiers[len(dossiers) // 2]
    figures["dossier show"] = median(db, args.repeat, "dossier", "show", middle["number"])
    agent = middle["agent"] or "bench"
    figures["actions --agent X --json"] = median(
        db, args.repeat, "actions", "--agent", agent, "--json"
    )

    # The whole aged balance, on the day and on a day a month back (the lettering groups with
    # a payment booked since are cut and allocated again: engine/reads/aging.py).
    figures["aging --json"] = median(db, min(args.repeat, 3), "aging", "--json")
    figures["aging --json, a month back"] = statistics.median(
        rcv(db, "--today", "2026-10-31", "aging", "--json")[0] for _ in range(min(args.repeat, 3))
    )

    # A new customer with an overdue invoice, imported, then a dossier opened for it.
    code = f"BENCH{int(time.time())}"
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as f:
        f.write(
            "customer_code;customer_name;journal;date;piece;account;label;due_date;debit;credit\n"
        )
        f.write(f"{code};Banc d'essai SARL;VTE;2026-09-01;B1;411000;Facture;2026-10-01;1500,00;\n")
    figures["import csv (1 line)"] = rcv(db, "import", "csv", f.name)[0]
    figures["dossier open"] = rcv(db, "dossier", "open", code, "--scenario", SCENARIO)[0]
    os.unlink(f.name)

    print(f"database: {db}  ({len(dossiers)} open dossiers listed)")
    for label, seconds in figures.items():
        target = TARGETS.get(label)
        verdict = "" if target is None else ("  ok" if seconds <= target else "  OVER TARGET")
        shown = "" if target is None else f"(target < {target:g} s)"
        print(f"{label:32} {seconds:8.3f} s  {shown}{verdict}")


if __name__ == "__main__":
    main()
