"""The yardstick for bench/tui.py: a bare Textual app that paints 40 lines and waits."""

from textual.app import App, ComposeResult
from textual.widgets import Static


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("\n".join(f"line {i}" for i in range(40)))


if __name__ == "__main__":
    Bare().run()
