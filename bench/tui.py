"""TUI benchmark: the whole process in a real terminal (tmux), as a user over SSH sees it.

    python bench/tui.py [--large PATH] [--small PATH] [--repeat 9]

For the small demo and the 100,000-dossier demo (built when missing), and beside a bare
Textual app that paints 40 lines, measured in the same run:
- launch → the dossier list painted (first paint);
- a filter keystroke → the list repainted (once 0.3 s after the list appears, while the
  app still loads in the background, and once it has settled);
- Enter on a dossier → its detail painted.
Targets: first paint ≤ 1.5× the bare app and within ±20 % between the two databases; open
detail < 150 ms; a filter keystroke < 100 ms. Needs tmux (it runs its own tmux server).
``RECOUVREMENT_PREFETCH=0`` in the environment measures the start without the start-up
process. A benchmark: it reports, it does not fail a build. Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# A tmux server of its own: two benchmarks (or a user's tmux) never touch each other's panes.
SOCKET = f"rcv-bench-{os.getpid()}"
SESSION = "rcv-bench"
TODAY = "2026-11-27"
# Once the list is up the app loads the database layer in a background thread (~0.5 s of
# work, see docs/ARCHITECTURE.md); keystrokes are measured after it, and once during it.
SETTLE = 1.5
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV.update({"RECOUVREMENT_LANG": "en", "TERM": "xterm-256color"})


def tmux(*args: str) -> str:
    command = ["tmux", "-L", SOCKET, *args]
    return subprocess.run(command, capture_output=True, text=True, env=ENV).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait(predicate: Callable[[str], bool], timeout: float = 30) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if predicate(screen()):
            return time.perf_counter() - started
        time.sleep(0.005)
    raise TimeoutError(f"the screen never showed what was expected:\n{screen()}")


def launch(command: list[str]) -> float:
    """Start ``command`` in a fresh 120×40 pane; the pane stays after it exits, so what it
    printed can be read. A new-session that reached a server still shutting down (the last
    session was just killed) is tried again."""
    line = " ".join(shlex.quote(part) for part in command) + "; sleep 60"
    for _attempt in range(3):
        tmux("kill-session", "-t", SESSION)
        started = time.perf_counter()
        tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", line)
        alive = subprocess.run(
            ["tmux", "-L", SOCKET, "has-session", "-t", SESSION], capture_output=True, env=ENV
        )
        if alive.returncode == 0:
            break
    return started


def first_paint(command: list[str], ready: Callable[[str], bool]) -> float:
    started = launch(command)
    wait(ready)
    return time.perf_counter() - started


def rcv(db: str) -> list[str]:
    return [sys.executable, "-m", "tui.cli", "--db", db, "--user", "mlefebvre", "--today", TODAY]


def keystroke(key: str, changed: Callable[[str, str], bool]) -> float:
    before = screen()
    started = time.perf_counter()
    tmux("send-keys", "-t", SESSION, "-l", key)
    wait(lambda s: changed(before, s))
    return time.perf_counter() - started


def session(db: str) -> dict[str, float]:
    """One launch: first paint, a keystroke early and one settled, then open a dossier."""
    result = {"first paint": first_paint(rcv(db), lambda s: "D000001" in s)}
    wait(lambda s: "dossiers ·" in s)  # totals painted
    tmux("send-keys", "-t", SESSION, "/")
    time.sleep(0.3)
    # Right after launch the app is still loading the database layer in the background.
    result["first keystroke (0.3 s in)"] = keystroke(
        "9", lambda before, s: s != before and "D000001" not in s
    )
    time.sleep(SETTLE)
    result["filter keystroke"] = keystroke(
        "9", lambda before, s: s != before and "D000009" not in s
    )
    tmux("send-keys", "-t", SESSION, "Enter")  # to the first match
    time.sleep(0.3)
    started = time.perf_counter()
    tmux("send-keys", "-t", SESSION, "Enter")  # open it
    wait(lambda s: "Principal" in s)
    result["open detail"] = time.perf_counter() - started
    tmux("kill-session", "-t", SESSION)
    return result


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {label: statistics.median(run[label] for run in runs) for label in runs[0]}


def ensure(db: str, size: str) -> None:
    if not Path(db).exists():
        print(f"building the {size} demo at {db}…", file=sys.stderr)
        subprocess.run(
            [*rcv(db)[:-4], "--db", db, "--today", TODAY, "demo", "--size", size],
            check=True,
            cwd=ROOT,
            env=ENV,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", default=str(HERE / "small.sqlite3"))
    parser.add_argument("--large", default=str(HERE / "large.sqlite3"))
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    os.chdir(ROOT)
    ensure(args.small, "small")
    ensure(args.large, "large")
    # Interleaved, so that a machine getting busier or quieter weighs on all three alike.
    bares, smalls, larges = [], [], []
    for _ in range(args.repeat):
        bares.append(
            first_paint([sys.executable, str(HERE / "bare_app.py")], lambda s: "line 39" in s)
        )
        tmux("kill-session", "-t", SESSION)
        smalls.append(session(args.small))
        larges.append(session(args.large))
    tmux("kill-server")
    bare = statistics.median(bares)
    small, large = medians(smalls), medians(larges)
    print(f"bare Textual app, first paint      {bare:7.3f} s")
    for label in small:
        print(f"{label:34} {small[label]:7.3f} s (small)  {large[label]:7.3f} s (100,000)")
    ratio = large["first paint"] / bare
    spread = large["first paint"] / small["first paint"] - 1
    print(
        f"first paint / bare app: {ratio:.2f} (target ≤ 1.5); "
        f"100,000 vs small: {spread:+.0%} (target ±20 %)"
    )
    for label, target in (("filter keystroke", 100), ("open detail", 150)):
        worst = max(small[label], large[label])
        print(f"{label}: {worst * 1000:.0f} ms at worst (target < {target} ms)")


if __name__ == "__main__":
    main()
