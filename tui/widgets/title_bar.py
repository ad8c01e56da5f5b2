"""The title line at the top of every screen: one widget drawing what Textual's ``Header``
draws (its icon, the title and sub-title centred, room for a clock), in the same cells.

``Header`` is four widgets with four style sheets to parse, style and lay out before the
first frame; drawing the line in one widget takes ~10 ms off the first paint
(docs/ARCHITECTURE.md, "Starting fast").
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widget import Widget

ICON = "⭘"
LEFT = 8  # Header's icon: 8 cells, docked left, padded one cell each side
RIGHT = 10  # and the clock's room, docked right


class TitleBar(Widget):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def on_mount(self) -> None:
        # The screen's title or the app's, whichever is in force, as Header does.
        for owner in (self.app, self.screen):
            self.watch(owner, "title", self.retitle, init=False)
            self.watch(owner, "sub_title", self.retitle, init=False)

    def retitle(self, *_args: Any) -> None:
        self.refresh()

    def render(self) -> Content:
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        middle = max(self.size.width - LEFT - RIGHT, 0)
        text = app.format_title(title, sub_title).center(middle, ellipsis=True)
        return Content.assemble(Content(f" {ICON}".ljust(LEFT)), text, " " * RIGHT)
