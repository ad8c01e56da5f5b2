"""The Textual application. For now one screen: the dossier counts of the database.

The full agent's day (dossiers, actions, customers, scenarios) is the TUI issue's work.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import Engine, func
from sqlmodel import select
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from engine.context import Ctx
from engine.errors import UserError
from engine.i18n import _
from models.db import session_factory, transaction
from models.tables import Dossier


class RecouvrementApp(App[None]):
    TITLE = "Recouvrement"
    BINDINGS: ClassVar = [Binding("q", "quit", _("Quit"))]

    def __init__(self, engine: Engine, login: str, today: dt.date) -> None:
        super().__init__()
        self.db_engine = engine
        self.factory = session_factory(engine)
        self.login = login
        self.today = today

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Loading…"), id="summary")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.login} — {self.today.isoformat()}"
        self.load_summary()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load_summary(self) -> None:
        try:
            with transaction(self.factory) as session:
                Ctx.load(session, self.login, self.today)
                counts = dict(
                    session.execute(
                        select(Dossier.status, func.count()).group_by(Dossier.status)
                    ).all()
                )
            text = _("Dossiers: {open} open, {paused} paused, {closed} closed.").format(
                open=counts.get("open", 0),
                paused=counts.get("paused", 0),
                closed=counts.get("closed", 0),
            )
        except UserError as exc:
            text = exc.message
        self.call_from_thread(self.query_one("#summary", Static).update, text)


def run_app(engine: Engine, login: str, today: dt.date) -> None:
    RecouvrementApp(engine, login, today).run()
