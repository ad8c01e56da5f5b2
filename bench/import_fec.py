"""FEC import benchmark: a generated general-ledger export imported into a new SQLite
database by ``rcv import fec`` in a child process (its time and peak memory), beside
``sqlite3``'s own ``.import`` of the same file into a bare table (the floor), in the same run.

    python bench/import_fec.py [--lines 1000000] [--customers 2000] [--keep DIR]

The file: sales entries on journal VT (411 customer debit, 706000 and 445710 credits) and
bank entries on journal BQ (512000 debit, 411 customer credit), five lines for each
invoice and its payment; four payments in five are lettered with their invoice (codes AA,
AB… per customer account), the rest stay open. Tab-separated, UTF-8, comma decimals.
Targets (issue 10): under 60 s and under 600 MB for 1,000,000 lines.
A benchmark, not a test: it reports, it does not fail the build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from engine.bootstrap import initialize  # noqa: E402
from engine.fec_import import FIELDS  # noqa: E402
from models.db import make_engine  # noqa: E402

TARGET_SECONDS = 60.0
TARGET_MB = 600.0
START = dt.date(2025, 1, 1)


def letters(n: int) -> str:
    """AA, AB, … AZ, BA, … for n = 0, 1, …"""
    first, second = divmod(n, 26)
    code = chr(65 + second)
    while True:
        first, rest = divmod(first, 26)
        code = chr(65 + rest) + code
        if first == 0:
            return code


def generate(path: Path, lines: int, customers: int) -> int:
    """Write about ``lines`` lines (whole entries); return how many were written."""
    pairs = max(1, lines // 5)
    next_code = [0] * customers
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\t".join(FIELDS) + "\r\n")
        for n in range(pairs):
            c = n % customers
            aux, name = f"C{c:06d}", f"Client {c:06d} SARL"
            day = START + dt.timedelta(days=(n * 365) // pairs)
            paid = day + dt.timedelta(days=30 + n % 20)
            ttc = Decimal(1000 + (n * 7919) % 900000) / 100
            ht = (ttc / Decimal("1.2")).quantize(Decimal("0.01"))
            tva = ttc - ht
            lettered = n % 5 != 0
            letter = letters(next_code[c]) if lettered else ""
            if lettered:
                next_code[c] += 1
            date, pdate = day.strftime("%Y%m%d"), paid.strftime("%Y%m%d")
            piece = f"F{n:07d}"
            amount = f"{ttc:.2f}".replace(".", ",")
            rows = (
                ("VT", "Ventes", f"VT{n}", date, "411000", "Clients", aux, name, piece, date,
                 f"Facture {piece}", amount, "0,00", letter, pdate if letter else ""),
                ("VT", "Ventes", f"VT{n}", date, "706000", "Ventes de marchandises", "", "",
                 piece, date, f"Facture {piece}", "0,00", f"{ht:.2f}".replace(".", ","), "", ""),
                ("VT", "Ventes", f"VT{n}", date, "445710", "TVA collectée", "", "", piece,
                 date, f"Facture {piece}", "0,00", f"{tva:.2f}".replace(".", ","), "", ""),
                ("BQ", "Banque", f"BQ{n}", pdate, "512000", "Banque", "", "", f"VIR{n}",
                 pdate, f"Virement {name}", amount, "0,00", "", ""),
                ("BQ", "Banque", f"BQ{n}", pdate, "411000", "Clients", aux, name, f"VIR{n}",
                 pdate, f"Virement {piece}", "0,00", amount, letter, pdate if letter else ""),
            )  # fmt: skip
            for row in rows:
                out.write("\t".join((*row, pdate, "", "")) + "\r\n")
            written += 5
    return written


# Forked from the bench process, a child would count the bench's own memory in its peak
# (Linux keeps the high-water mark of the memory it had before exec). This small launcher,
# started with ``python -S``, forks the measured command and reports the command's
# ``ru_maxrss`` (os.wait4, as resource.getrusage(RUSAGE_CHILDREN) gives it) on stdout.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_pid, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def timed_child(command: list[str], stdin: str | None = None) -> tuple[float, float, int]:
    """(seconds, peak resident MB, exit status) of one child process."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *command],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    maxrss, status = (int(part) for part in done.stdout.split())
    if status:
        print(done.stderr[-2000:], file=sys.stderr)
    return seconds, maxrss / 1024, status  # ru_maxrss: KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--keep", help="a folder to keep the file and databases in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        fec = folder / "bench.fec"
        started = time.perf_counter()
        count = generate(fec, args.lines, args.customers)
        made = time.perf_counter() - started
        db = folder / "fec.sqlite3"
        floor_db = folder / "floor.sqlite3"
        for old in (db, floor_db):
            old.unlink(missing_ok=True)
        engine = make_engine(str(db))
        initialize(engine, "bench")
        engine.dispose()
        rcv = [sys.executable, "-m", "tui.cli", "--db", str(db), "--user", "bench"]
        first = timed_child([*rcv, "--today", "2026-03-02", "import", "fec", str(fec)])
        again = timed_child([*rcv, "--today", "2026-03-02", "import", "fec", str(fec)])
        floor = timed_child(
            ["sqlite3", str(floor_db)],
            stdin=f'.mode tabs\n.import "{fec}" fec\nSELECT count(*) FROM fec;\n',
        )
    size = fec.stat().st_size / 1e6 if args.keep else None
    print(f"{count:,} lines, {args.customers:,} customers, generated in {made:.1f} s")
    if size:
        print(f"file {size:.0f} MB")
    for label, (seconds, mb, status) in (
        ("import fec, new database", first),
        ("import fec again (same)", again),
        ("sqlite3 .import (floor)", floor),
    ):
        flag = "" if status == 0 else f"  FAILED (exit {status})"
        print(f"{label:26} {seconds:8.2f} s  {mb:7.0f} MB peak{flag}")
    print(f"targets: < {TARGET_SECONDS:g} s and < {TARGET_MB:g} MB (1,000,000 lines)")


if __name__ == "__main__":
    main()
