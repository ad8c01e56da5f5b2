"""What every command prints, and how: text and tables on stdout, messages on stderr, JSON,
and the exit status of a refusal. Data is always shown inert (engine.inert)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from engine.inert import inert

EXIT_BAD_INPUT = 2


def out(text: str) -> None:
    """Print on stdout. Data is shown inert (engine.inert): a control character in it never
    reaches the terminal; only the line breaks of the layout are kept."""
    text = inert(text, multiline=True)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def err(text: str) -> None:
    """A message on stderr, inert like ``out``: messages quote names, labels and codes. A
    message of several lines (a refused CSV file names each bad line) keeps its lines."""
    for line in str(text).split("\n"):
        print(inert(line), file=sys.stderr)


def out_json(data: Any) -> None:
    from engine.reads.views import to_json

    # Indented for a person at a terminal, compact (and much faster) for a script.
    out(to_json(data, pretty=sys.stdout.isatty()))


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> None:
    """A plain aligned text table (amounts right-aligned)."""
    from decimal import Decimal

    cells = [[inert(v) for v in row] for row in rows]  # one line per row, whatever the data
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    right = [any(isinstance(row[i], Decimal) for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        ).rstrip()

    out(line(headers))
    for row in cells:
        out(line(row))
