"""A table over a list too long to load: it asks its source for the rows on screen only.

The source counts the rows and fetches a window (offset, limit), both in worker threads;
the body renders with Textual's line API (``render_line``), so 100,000 rows cost what
100 do. Rows are plain dicts; columns (tui.widgets.columns) say how to show them.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

from rich.segment import Segment
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from engine.errors import UserError
from tui.widgets.columns import Column, Row, fit_cell, format_row

__all__ = ["Column", "LazyTable", "Row", "Source", "TableBody", "format_row"]


class Source(Protocol):
    """Where rows come from. Called in worker threads, never on the UI thread. After a new
    filter the table fetches the first rows before it counts: neither may rely on the other
    having run."""

    def count(self) -> int: ...

    def fetch(self, offset: int, limit: int) -> list[Row]: ...


@runtime_checkable
class ReadySource(Source, Protocol):
    """A source that may have its first rows in memory already (read by the start-up
    process): ``ready`` gives them on the UI thread, without waiting, or None."""

    def ready(self, limit: int) -> list[Row] | None: ...


class ListSource:
    """Rows already read (a dossier's entries, a customer's contacts…): set ``rows``, then
    ``LazyTable.show_rows``."""

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def count(self) -> int:
        return len(self.rows)

    def fetch(self, offset: int, limit: int) -> list[Row]:
        return self.rows[offset : offset + limit]


class TableBody(ScrollView, can_focus=True):
    """The rows; holds the cursor and the page cache."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor(1)", show=False),
        Binding("up,k", "cursor(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("home,g", "first", show=False),
        Binding("end,G", "last", show=False),
        Binding("enter", "select", show=False),
    ]
    DEFAULT_CSS = """
    TableBody { height: 1fr; }
    TableBody > .table--cursor { background: $accent; color: $text; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"table--cursor"}
    PAGE = 100

    cursor = reactive(0)

    class Highlighted(Message):
        def __init__(self, row: Row | None, index: int) -> None:
            super().__init__()
            self.row, self.index = row, index

    class Selected(Message):
        def __init__(self, row: Row, index: int) -> None:
            super().__init__()
            self.row, self.index = row, index

    class Window(Message, bubble=False):
        """Rows fetched by a worker, to show (internal)."""

        def __init__(
            self, generation: int, count: int, page: int, rows: list[Row], cursor: int, final: bool
        ) -> None:
            super().__init__()
            self.args = (generation, count, page, rows, cursor, final)

    class Counted(Message, bubble=False):
        """The count for the rows a Window showed (internal)."""

        def __init__(self, generation: int, count: int) -> None:
            super().__init__()
            self.generation, self.count = generation, count

    class Loaded(Message):
        """The count is known (after every reload)."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(self, columns: list[Column], source: Source, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.columns = columns
        self.source = source
        self.count = 0
        self.loaded = False
        self._pages: dict[int, list[Row]] = {}
        self._pending: set[int] = set()
        self._generation = 0  # results of a fetch made before a reload are dropped

    # -- data

    def reload(self, keep_cursor: bool = True) -> None:
        self._generation += 1
        self._pending.clear()
        cursor = self.cursor if keep_cursor else 0
        rows = None
        if cursor == 0 and isinstance(self.source, ReadySource):
            rows = self.source.ready(self.PAGE)
        if rows is not None:  # in this very frame, not one frame after a worker's
            self._loaded(self._generation, len(rows), {0: rows}, 0, False)
        self._load(self._generation, cursor, shown=rows is not None)

    @work(thread=True, exclusive=True, group="table-reload", exit_on_error=False)
    def _load(self, generation: int, cursor: int, shown: bool = False) -> None:
        """``shown``: the first rows are on screen already, only the count is missing."""
        try:
            if cursor == 0:
                # A new filter or sort: paint the first screenful before counting, which can
                # take longer than the window itself on a filtered 100,000-row list.
                if not shown:
                    rows = self.source.fetch(0, self.PAGE)
                    # A message, not call_from_thread: the worker goes on counting meanwhile.
                    self.post_message(self.Window(generation, len(rows), 0, rows, 0, False))
                count = self.source.count()  # sources may show totals when counting
                self.post_message(self.Counted(generation, count))  # after the Window
                return
            count = self.source.count()
            first = max(min(cursor, count - 1), 0) // self.PAGE
            rows = self.source.fetch(first * self.PAGE, self.PAGE) if count else []
        except UserError as exc:  # refused (an unknown login…): say so, show nothing
            self.app.call_from_thread(self.app.notify, exc.message, severity="error", timeout=10)
            count, first, rows = 0, 0, []
        self.app.call_from_thread(self._loaded, generation, count, {first: rows}, cursor, True)

    def on_table_body_window(self, message: TableBody.Window) -> None:
        generation, count, page, rows, cursor, final = message.args
        self._loaded(generation, count, {page: rows}, cursor, final)

    def show_rows(self, rows: list[Row]) -> None:
        """Rows already in memory (a dossier's entries): shown at once, without a worker;
        the cursor stays where it was."""
        self._generation += 1
        self._pending.clear()
        size = self.PAGE
        pages = {i // size: rows[i : i + size] for i in range(0, len(rows), size)}
        self._loaded(self._generation, len(rows), pages, self.cursor, True)

    def _loaded(
        self,
        generation: int,
        count: int,
        pages: dict[int, list[Row]],
        cursor: int,
        final: bool,
    ) -> None:
        if generation != self._generation:
            return
        self._pages = pages
        self._set_count(count)
        self.cursor = max(min(cursor, count - 1), 0)
        self._scroll_to_cursor()
        self.refresh()
        if final:
            self.loaded = True
            self.post_message(self.Loaded(count))
        self.post_message(self.Highlighted(self.row_at(self.cursor), self.cursor))

    def on_table_body_counted(self, message: TableBody.Counted) -> None:
        if message.generation != self._generation:
            return
        count = message.count
        self._set_count(count)
        self.loaded = True
        self.post_message(self.Loaded(count))

    def _set_count(self, count: int) -> None:
        self.count = count
        self.virtual_size = Size(self._row_width(), count)

    def _want(self, page: int) -> None:
        if page in self._pages or page in self._pending:
            return
        self._pending.add(page)
        self._fetch(self._generation, page)

    @work(thread=True, group="table-page", exit_on_error=False)
    def _fetch(self, generation: int, page: int) -> None:
        try:
            rows = self.source.fetch(page * self.PAGE, self.PAGE)
        except UserError:
            rows = []
        self.app.call_from_thread(self._fetched, generation, page, rows)

    def _fetched(self, generation: int, page: int, rows: list[Row]) -> None:
        self._pending.discard(page)
        if generation != self._generation:
            return
        self._pages[page] = rows
        if len(self._pages) > 20:  # keep memory flat while scrolling far
            for old in sorted(self._pages, key=lambda p: abs(p - page))[20:]:
                del self._pages[old]
        self.refresh()
        if page == self.cursor // self.PAGE:
            self.post_message(self.Highlighted(self.row_at(self.cursor), self.cursor))

    def row_at(self, index: int) -> Row | None:
        rows = self._pages.get(index // self.PAGE)
        if rows is None or index % self.PAGE >= len(rows):
            return None
        return rows[index % self.PAGE]

    @property
    def current(self) -> Row | None:
        return self.row_at(self.cursor)

    # -- rendering

    def _row_width(self) -> int:
        return sum(col.width + 1 for col in self.columns)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        if index >= self.count:
            return Strip.blank(width, self.rich_style)
        row = self.row_at(index)
        if row is None:
            self._want(index // self.PAGE)
        text = format_row(self.columns, row)
        style = self.rich_style
        if index == self.cursor:
            style = style + self.get_component_rich_style("table--cursor")
        text = text[scroll_x : scroll_x + width].ljust(width)
        return Strip([Segment(text, style)], width)

    # -- cursor

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old - self.scroll_offset.y)
        self.refresh_line(new - self.scroll_offset.y)

    def _scroll_to_cursor(self) -> None:
        self.scroll_to_region(
            Region(0, self.cursor, 1, 1), animate=False, force=True, immediate=True
        )

    def _move(self, index: int) -> None:
        if not self.count:
            return
        self.cursor = max(0, min(index, self.count - 1))
        self._scroll_to_cursor()
        self.post_message(self.Highlighted(self.current, self.cursor))

    def move_to(self, index: int) -> None:
        """Put the cursor on row ``index`` (a row just saved), scrolled into view."""
        self._move(index)

    def action_cursor(self, delta: int) -> None:
        self._move(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move(self.cursor + direction * max(self.size.height - 1, 1))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(self.count - 1)

    def action_select(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Selected(row, self.cursor))


class LazyTable(Vertical):
    """Header line plus body. ``table.body`` takes the focus and the keys."""

    DEFAULT_CSS = """
    LazyTable { height: 1fr; }
    LazyTable > .lazy-header { height: 1; text-style: bold; background: $boost; }
    """

    def __init__(self, columns: list[Column], source: Source, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.columns = columns
        self.body = TableBody(columns, source)

    def compose(self) -> Any:
        yield Static(self.header_text(), classes="lazy-header", markup=False)
        yield self.body

    def header_text(self, sort: str | None = None, descending: bool = False) -> Text:
        parts = []
        for col in self.columns:
            if sort and col.sort == sort:
                arrow = "▼" if descending else "▲"
                parts.append(
                    fit_cell(
                        fit_cell(col.title, col.width - 1, False).rstrip() + arrow,
                        col.width,
                        col.right,
                    )
                )
            else:
                parts.append(fit_cell(col.title, col.width, col.right))
        return Text(" ".join(parts))

    def show_sort(self, sort: str | None, descending: bool) -> None:
        # One line, always: no layout pass.
        header = self.query_one(".lazy-header", Static)
        header.update(self.header_text(sort, descending), layout=False)

    def reload(self, keep_cursor: bool = True) -> None:
        self.body.reload(keep_cursor)

    def show_rows(self, rows: list[Row]) -> None:
        self.body.show_rows(rows)

    def set_columns(
        self, columns: list[Column], sort: str | None = None, descending: bool = False
    ) -> None:
        """New columns (the terminal was resized): the header, the rows and the scrollable
        width follow, whether or not the rows have arrived yet."""
        if columns == self.columns:
            return
        self.columns[:] = columns
        self.body.columns = columns
        self.body._set_count(self.body.count)
        self.show_sort(sort, descending)
        self.body.refresh()
