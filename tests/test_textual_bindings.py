"""translate_bindings reaches into Textual's per-instance bindings (``_bindings``), which
Textual does not make public (pyproject pins its minor version): this checks, through the
public ``active_bindings`` that the footer and help read, that it still works."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from engine.i18n import N_, set_language
from tui.screens.base import translate_bindings


class _Keys(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f2", "help", N_("Help"))]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)


class _App(App[None]):
    def on_mount(self) -> None:
        self.push_screen(_Keys())


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    set_language("en")


async def _description() -> str:
    app = _App()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, _Keys)
        return app.screen.active_bindings["f2"].binding.description


async def test_binding_descriptions_follow_the_language_of_each_instance() -> None:
    set_language("fr")
    assert await _description() == "Aide"
    set_language("en")
    # The class keeps its catalog ids: a later instance translates on its own.
    assert await _description() == "Help"


def test_the_pilot_idle_wait_is_still_where_conftest_tunes_it() -> None:
    """conftest shortens the grain of Textual's idle wait (``textual._wait``): the wait must
    still read the module's constants at each step, or the tuning silently does nothing."""
    import inspect

    import textual._wait as textual_wait

    assert textual_wait.SLEEP_GRANULARITY == 0.002
    source = inspect.getsource(textual_wait.wait_for_idle)
    assert "sleep(SLEEP_GRANULARITY)" in source and "SLEEP_IDLE" in source
