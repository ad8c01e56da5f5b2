"""Readable without colour (NO_COLOR) and in 256 colours.

Textual turns every colour grey under NO_COLOR (its Monochrome filter) and the terminal maps
true colours to the 256-colour palette. Both are checked on what the screens really draw:
every piece of text keeps a contrast with its background, and the row under the cursor
still stands out. NO_COLOR snapshots show the result.
"""

from __future__ import annotations

from typing import Any

import pytest
from rich.color import Color as RichColor
from rich.color import ColorSystem
from rich.style import Style
from textual.color import Color
from textual.pilot import Pilot

from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, settle, wait_for
from tui.app import RecouvrementApp
from tui.widgets.lazy_table import TableBody

# Muted hints (placeholders, dim captions) are allowed less contrast than text; below this
# a line is lost on a grey screen.
MINIMUM_CONTRAST = 2.0


def luminance(color: Color) -> float:
    """WCAG relative luminance."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(color.r) + 0.7152 * linear(color.g) + 0.0722 * linear(color.b)


def contrast(one: Color, two: Color) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def lines(app: RecouvrementApp) -> list[list[tuple[str, Style]]]:
    update: Any = app.screen._compositor.render_full_update()
    return [
        [(seg.text, seg.style or Style()) for strip in chop for seg in strip]
        for chop in update.strips
    ]


def downgrade(color: RichColor | None, system: ColorSystem | None) -> Color | None:
    if color is None:
        return None
    if system is not None:
        color = color.downgrade(system)
    return Color.from_rich_color(color)


def is_text(text: str) -> bool:
    """Letters and figures, not the lines and blocks that draw borders and underlines."""
    return any(not ("\u2500" <= char <= "\u259f") and not char.isspace() for char in text)


def low_contrast(app: RecouvrementApp, system: ColorSystem | None) -> list[tuple[str, float]]:
    """Text drawn too close to its background, after mapping to the colour system."""
    found = []
    for line in lines(app):
        for text, style in line:
            fg = downgrade(style.color, system)
            bg = downgrade(style.bgcolor, system)
            if not is_text(text) or fg is None or bg is None:
                continue
            ratio = contrast(fg, bg)
            if ratio < MINIMUM_CONTRAST:
                found.append((text.strip(), round(ratio, 2)))
    return found


def row_background(app: RecouvrementApp, y: int, system: ColorSystem | None) -> Color | None:
    line = lines(app)[y]
    _text, style = max(line, key=lambda part: len(part[0]))
    return downgrade(style.bgcolor, system)


async def open_screen(pilot: Pilot[Any], keys: list[str]) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.screen.query_one(TableBody).loaded)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


SCREENS = {"dossiers": [], "detail": ["enter"], "actions": ["2"], "customers": ["3"]}


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("colours", ["no_color", "256"])
async def test_text_stays_readable(
    sqlite_db: TestDB, monkeypatch: pytest.MonkeyPatch, screen: str, colours: str
) -> None:
    if colours == "no_color":
        monkeypatch.setenv("NO_COLOR", "1")
    system = ColorSystem.EIGHT_BIT if colours == "256" else None
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_screen(pilot, SCREENS[screen])
        assert low_contrast(app, system) == []
        body = app.screen.query(TableBody).first()
        await wait_for(pilot, lambda: body.count >= 1)  # the next line: a row or blank
        top = body.region.y
        cursor, other = row_background(app, top, system), row_background(app, top + 1, system)
        assert cursor is not None and other is not None
        assert contrast(cursor, other) >= 1.5, "the row under the cursor must stand out"
