"""The columns of every list, and the one rule that fits them to the terminal's width.

The rule: **an amount is never cut**. An amount column keeps its full width, right-aligned;
when the room runs short the least important columns go first (highest ``rank``; rank 0
and 1 stay), then the ``flex`` columns (the name, the step, the label: they take the room
left) shrink to ``minimum``, then the other text columns narrow. A text cut ends with an
ellipsis; a title is never cut unless the room runs out. An amount wider than its column
(a very large one) takes the room from the text on its left.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.inert import inert
from tui import format as fmt

Row = dict[str, Any]
SCROLLBAR = 2  # the vertical scrollbar's width, kept free on the right
FLEX_MINIMUM = 10
NARROWEST = 4  # a text column narrowed to make room keeps this much


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    right: bool = False  # amounts and counts
    show: Callable[[Any], str] = _plain
    sort: str | None = None  # the sort key this column stands for, if it can be sorted
    money: bool = False  # an amount: never cut
    rank: int = 0  # which goes first when the room runs short: the highest; 0 and 1 stay
    flex: bool = False  # takes (a share of) the room the other columns leave


def amount_column(
    key: str, title: str, width: int = 13, *, sort: str | None = None, rank: int = 0
) -> Column:
    """A column of amounts: right-aligned, no currency symbol, never cut."""
    return Column(key, title, width, True, fmt.amount, sort, money=True, rank=rank)


def _used(columns: Sequence[Column]) -> int:
    return sum(c.width + 1 for c in columns) + SCROLLBAR


def fit(columns: Sequence[Column], width: int, minimum: int = FLEX_MINIMUM) -> list[Column]:
    """The columns that fit ``width`` terminal cells, and their widths (see the module)."""
    chosen = [
        c if c.flex else dataclasses.replace(c, width=max(c.width, len(c.title))) for c in columns
    ]
    flexible = [c for c in chosen if c.flex]
    fixed_room = width - (minimum + 1) * len(flexible)

    def fixed() -> list[Column]:
        return [c for c in chosen if not c.flex]

    # 1. The least important columns go, the rightmost first among equals.
    while _used(fixed()) > fixed_room:
        candidates = [(c.rank, i) for i, c in enumerate(chosen) if not c.flex and c.rank > 1]
        if not candidates:
            break
        _rank, index = max(candidates)
        del chosen[index]
    # 2. Text columns narrow (the least important first), down to NARROWEST; amounts stay.
    short = _used(fixed()) - fixed_room
    if short > 0:
        order = sorted(
            (i for i, c in enumerate(chosen) if not c.flex and not c.money),
            key=lambda i: (-chosen[i].rank, -i),
        )
        for i in order:
            give = min(short, max(chosen[i].width - NARROWEST, 0))
            chosen[i] = dataclasses.replace(chosen[i], width=chosen[i].width - give)
            short -= give
            if short <= 0:
                break
    # 3. The flex columns share what is left.
    room = max(width - _used(fixed()) - len(flexible), minimum * len(flexible))
    if flexible:
        share, extra = divmod(room, len(flexible))
        widths = iter([share + 1 if n < extra else share for n in range(len(flexible))])
        chosen = [
            dataclasses.replace(c, width=max(next(widths), 1)) if c.flex else c for c in chosen
        ]
    return chosen


def _clean(text: str) -> str:
    return inert(text).replace("\t", " ")


def _cut(text: str, width: int, right: bool) -> str:
    if len(text) > width:
        text = text[: max(width - 1, 0)] + "…"
    return text.rjust(width) if right else text.ljust(width)


def fit_cell(text: str, width: int, right: bool) -> str:
    """One cell: data shown inert (a control character as a visible escape, engine.inert),
    cut to the column's width with an ellipsis."""
    return _cut(_clean(text), width, right)


def format_row(columns: Sequence[Column], row: Row | None) -> str:
    """One line of a list. An amount longer than its column takes the room it lacks from
    the text columns on its left (they get an ellipsis): the line keeps its width."""
    if row is None:
        return "…"
    texts = [_clean(col.show(row.get(col.key))) for col in columns]
    widths = [col.width for col in columns]
    for i, col in enumerate(columns):
        lack = len(texts[i]) - widths[i]
        if not col.money or lack <= 0:
            continue
        for j in range(i - 1, -1, -1):
            if columns[j].money:
                continue
            give = min(lack, widths[j] - 1)
            if give > 0:
                widths[j] -= give
                widths[i] += give
                lack -= give
            if lack <= 0:
                break
        widths[i] += max(lack, 0)  # no room anywhere: the line grows rather than cut it
    return " ".join(
        _cut(text, w, col.right) for text, w, col in zip(texts, widths, columns, strict=True)
    )
