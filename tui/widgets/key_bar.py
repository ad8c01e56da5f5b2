"""The bottom line: the keys that apply now, with what they do.

Textual's Footer builds one widget per key and restyles them all whenever the focus or the
bindings change: about 0.2 s each time a screen opens, most of the time it takes to open
a dossier. This bar is one widget that renders one line of text from the same
``screen.active_bindings``, so it follows the keymap, ``check_action`` and focus alike.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget, can_focus=False):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeyBar > .key-bar--disabled { text-style: dim; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--disabled",
    }

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.refresh()

    def entries(self) -> tuple[list[tuple[Binding, bool]], tuple[Binding, bool] | None]:
        """The keys to show (one per action, in binding order) and the palette key."""
        active = self.screen.active_bindings
        shown: dict[str, tuple[Binding, bool]] = {}
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = (binding, enabled)
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = (binding, enabled)
            shown.pop(binding.action, None)
        return list(shown.values()), palette

    def piece(self, binding: Binding, enabled: bool) -> Text:
        key = self.get_component_rich_style("key-bar--key", partial=True)
        description = self.get_component_rich_style("key-bar--description", partial=True)
        text = Text.assemble(
            (f" {self.app.get_key_display(binding)} ", key),
            (f"{binding.description} ", description),
        )
        if not enabled:
            text.stylize(self.get_component_rich_style("key-bar--disabled", partial=True))
        return text

    @staticmethod
    def kept(binding: Binding) -> bool:
        """The keys that switch mode (1–5): shown whatever the width, the others give way."""
        return binding.action.startswith("mode(")

    def render(self) -> Text:
        keys, palette = self.entries()
        right = Text(end="")
        if palette is not None:
            right = Text("▏", style="dim").append_text(self.piece(*palette))
        room = max(self.size.width - right.cell_len, 0)
        pieces = [(binding, self.piece(binding, enabled)) for binding, enabled in keys]
        # The mode keys have their room first; the others follow in order while they fit
        # (whole keys only: `?` lists them all). All show in binding order.
        shown = {i for i, (binding, _piece) in enumerate(pieces) if self.kept(binding)}
        used = sum(pieces[i][1].cell_len for i in shown)
        for index, (binding, piece) in enumerate(pieces):
            if self.kept(binding):
                continue
            if used + piece.cell_len > room:
                break
            shown.add(index)
            used += piece.cell_len
        line = Text(no_wrap=True, end="")
        for index, (_binding, piece) in enumerate(pieces):
            if index in shown:
                line.append_text(piece)
        line.pad_right(room - line.cell_len)
        return line.append_text(right)
