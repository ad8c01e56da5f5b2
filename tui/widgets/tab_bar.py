"""A row of tab titles with the bar under them, drawn by one widget.

Textual's TabbedContent builds fifteen widgets for four tabs (the tabs, their scroll
containers, the underline, a pane per tab) and styles and lays out each of them when a
screen opens: about half the time it took to open a dossier. This bar looks and answers
the same (titles, the underline under the active one, a click, left and right when it has
the focus, the same colours focused or not) from one widget; the screen shows the active
tab's content in a ContentSwitcher.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget


class TabBar(Widget, can_focus=True):
    # The rules of Textual's Tab, Tabs and Underline, on component classes.
    DEFAULT_CSS = """
    TabBar { width: 100%; height: 2; }
    TabBar > .tab-bar--tab { color: $foreground 50%; }
    TabBar > .tab-bar--active { color: $foreground; }
    TabBar > .tab-bar--bar { color: $block-cursor-background; background: $foreground 10%; }
    TabBar:focus > .tab-bar--bar { background: $foreground 30%; }
    TabBar:focus > .tab-bar--active {
        text-style: $block-cursor-text-style;
        color: $block-cursor-foreground;
        background: $block-cursor-background;
    }
    TabBar:ansi > .tab-bar--tab { text-style: dim; }
    TabBar:ansi > .tab-bar--active { text-style: not dim bold; }
    TabBar:ansi > .tab-bar--bar { color: $block-cursor-background; background: $border-blurred; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"tab-bar--tab", "tab-bar--active", "tab-bar--bar"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "step(-1)", show=False),
        Binding("right", "step(1)", show=False),
    ]

    active: reactive[str] = reactive("", init=False)

    class Activated(Message):
        """The active tab changed (by a key, a click or by setting ``active``)."""

        def __init__(self, bar: TabBar, key: str) -> None:
            super().__init__()
            self.bar, self.key = bar, key

        @property
        def control(self) -> TabBar:
            return self.bar

    def __init__(self, titles: dict[str, str], active: str, *, id: str | None = None) -> None:
        """``titles``: the tabs' keys to their titles, in order."""
        super().__init__(id=id)
        self.titles = titles
        self.set_reactive(TabBar.active, active)

    def watch_active(self) -> None:
        self.refresh()
        self.post_message(self.Activated(self, self.active))

    def spans(self) -> dict[str, tuple[int, int]]:
        """Where each title is, first and last column + 1: one cell of padding each side."""
        spans, x = {}, 0
        for key, title in self.titles.items():
            width = Text(title).cell_len
            spans[key] = (x + 1, x + 1 + width)
            x += width + 2
        return spans

    def render_line(self, y: int) -> Strip:
        """The titles, then the bar. Drawn as strips, not as text: the padding around each
        title then has no colour of its own, cell for cell as Textual's tabs."""
        width = self.size.width
        blank = Style.from_color(bgcolor=self.rich_style.bgcolor)
        if y == 0:
            tab = self.get_component_rich_style("tab-bar--tab")
            active = self.get_component_rich_style("tab-bar--active")
            segments = []
            for key, title in self.titles.items():
                style = active if key == self.active else tab
                segments += [Segment(" ", blank), Segment(title, style), Segment(" ", blank)]
            return Strip(segments).extend_cell_length(width, blank).crop(0, width)
        if y == 1:
            bar = self.get_component_rich_style("tab-bar--bar")
            line = underline(
                width,
                self.spans().get(self.active),
                blank + Style.from_color(bar.color),
                blank + Style.from_color(bar.bgcolor),
            )
            return Strip(line.render(self.app.console), width)
        return Strip.blank(width, blank)

    def action_step(self, step: int) -> None:
        keys = list(self.titles)
        self.active = keys[(keys.index(self.active) + step) % len(keys)]

    def on_click(self, event: events.Click) -> None:
        """A click on a title or under it activates that tab, as in Textual's tabs."""
        self.focus()
        for key, (start, end) in self.spans().items():
            if start - 1 <= event.x < end + 1:
                self.active = key
                return


def underline(width: int, span: tuple[int, int] | None, high: Style, low: Style) -> Text:
    """The bar as Textual's Underline draws it: ``━`` highlighted under the active title,
    the rest dimmer, with half bars where they meet."""
    if span is None:
        return Text("━" * width, low, end="")
    start, end = max(span[0], 0), min(span[1], width)
    bar = Text(no_wrap=True, end="")
    bar.append("━" * max(start - 1, 0), low)
    if start > 0:
        bar.append("╸", low)
    bar.append("━" * (end - start), high)
    if end != width:
        bar.append("╺", low)
    bar.append("━" * max(width - end - 1, 0), low)
    return bar
