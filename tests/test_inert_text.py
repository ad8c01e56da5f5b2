"""Text from data never drives the terminal (docs/RULES.md): names, labels, notes and reasons
holding escape sequences, C1 controls, bidi overrides or carriage returns are shown as
visible escapes by the command line (the bytes it writes) and by the TUI (what the
widgets draw); JSON stays exact.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select
from textual.command import CommandPalette

from engine.csv_import import import_csv
from engine.dossiers import find_dossier, open_dossier, pause
from engine.inert import first_unsafe, inert, inert_escaped
from engine.interventions import add_manual
from engine.reads.views import to_json
from engine.scenarios import BUILTIN_NAME
from models.tables import Intervention, ScenarioStep
from tests import tui_helpers
from tests.conftest import MANAGER, TestDB
from tests.tui_helpers import wait_for
from tui.app import RecouvrementApp
from tui.cli import main
from tui.screens.actions import ActionsScreen
from tui.screens.customers import CustomerDetailScreen, CustomersScreen
from tui.screens.dossier_detail import DossierDetailScreen
from tui.screens.forms import DoneForm, PauseForm
from tui.widgets.lazy_table import TableBody

TODAY = "2026-03-02"

# What hostile data looks like: a title change, a screen clear with the alternate screen, a
# clipboard write (OSC 52), a carriage return hiding the start of a row, C1 CSI, DEL, bidi
# overrides and isolates, Unicode line separators, and Rich markup.
TITLE = "Title\x1b]0;PWNED\x07Co"
CLEAR = "Evil\x1b[2J\x1b[?1049h"
CLIPBOARD = "\x1b]52;c;SGVsbG8=\x07"
HIDDEN = "Hidden\rSafe Name"
C1_BIDI = "Bidi\u202eevil\u2066x\u2069 \x9b31m\x7f\u2028end"
MARKUP = "[bold red]X[/] [/]"
NORMAL = "Cécile œ € ’ 中文 😀"
NOTE = "note\x1b[2J\x1b]0;T\x07"
REASON = "litige\x1b[31m\x85"

CODE = "CCLEAR\x1b[2J"  # codes come from the file too
CUSTOMERS = {
    "CTITLE": TITLE,
    CODE: CLEAR,
    "CHIDDEN": HIDDEN,
    "CBIDI": C1_BIDI,
    "CMARKUP": MARKUP,
    "CNORMAL": NORMAL,
}
LABELS = {
    "CTITLE": CLIPBOARD,
    CODE: "Line\r\nbreak",
    "CHIDDEN": "\x1b[1A\x1b[2Kup",
    "CBIDI": "\u202dlabel",
    "CMARKUP": "[link=http://x]y[/link]",
    "CNORMAL": NORMAL,
}
HEADER = [
    "customer_code",
    "customer_name",
    "journal",
    "date",
    "piece",
    "invoice",
    "account",
    "label",
    "due_date",
    "debit",
    "credit",
]

STEP = "Step\x1b]0;X\x07 [b]bold[/b]"
STEP_SHOWN = "Step\\x1b]0;X\\x07 [b]bold[/b]"
CLIPBOARD_SHOWN = "\\x1b]52;c;SGVsbG8=\\x07"
# The escapes a person sees in place of the controls.
VISIBLE = ["Title\\x1b]0;PWNED\\x07Co", "Evil\\x1b[2J", "Hidden\\rSafe Name", "\\u202e", "\\x9b"]

# What must never reach a terminal: C0 but tab and newline, DEL, C1, bidi, line separators.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def assert_inert_bytes(data: bytes) -> str:
    """No control byte but newline and tab, valid UTF-8, no C1/bidi code point."""
    bad = sorted({b for b in data if (b < 0x20 and b not in (0x09, 0x0A)) or b == 0x7F})
    assert not bad, (bad, data[:400])
    text = data.decode("utf-8")
    found = UNSAFE.findall(text)
    assert not found, (found, text[:400])
    return text


def write_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for number, (code, name) in enumerate(CUSTOMERS.items(), start=1):
            writer.writerow(
                [
                    code,
                    name,
                    "VTE",
                    "2025-12-01",
                    f"F{number}",
                    f"F{number}",
                    "411000",
                    LABELS[code],
                    "2026-01-15",
                    "1000.00",
                    "",
                ]
            )
    return path


class Run:
    """``tui.cli.main`` in-process, capturing the bytes written on file descriptors 1 and 2."""

    def __init__(self, db: TestDB, capfd: pytest.CaptureFixture[bytes]) -> None:
        self.db, self.capfd = db, capfd

    def __call__(self, *args: str, user: str = MANAGER) -> tuple[int, bytes, bytes]:
        self.capfd.readouterr()
        code = main(["--db", self.db.url, "--user", user, "--today", TODAY, *args])
        out, err = self.capfd.readouterr()
        return code, out, err

    def ok(self, *args: str) -> bytes:
        code, out, err = self(*args)
        assert code == 0, err
        assert_inert_bytes(err)
        return out


@pytest.fixture
def hostile(db: TestDB, tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> Run:
    """Six customers imported from CSV, their names and labels hostile; dossiers opened with
    a hostile reason, a note, a pause reason; everything through the command line."""
    run = Run(db, capfdbinary)
    out = run.ok("import", "csv", str(write_csv(tmp_path / "hostile.csv")))
    assert_inert_bytes(out)
    for code in CUSTOMERS:
        number = run.ok("dossier", "open", code, "--scenario", BUILTIN_NAME, "--reason", REASON)
        assert number.strip().startswith(b"D")
    run.ok("intervention", "add", "D000001", "--type", "phone", "--note", NOTE, "--contact", CLEAR)
    run.ok("dossier", "pause", "D000002", "--until", "2026-03-20", "--reason", TITLE)
    return run


COMMANDS = [
    ("customers", "list"),
    ("dossier", "list"),
    ("dossier", "show", "D000001"),
    ("dossier", "show", "D000002"),
    ("dossier", "show", "D000004"),
    ("actions",),
    ("run",),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_text_output_of_hostile_data_is_inert(hostile: Run, command: tuple[str, ...]) -> None:
    text = assert_inert_bytes(hostile.ok(*command))
    if command in (("customers", "list"), ("dossier", "show", "D000001")):
        assert "Title\\x1b]0;PWNED\\x07Co" in text
    if command == ("customers", "list"):
        for shown in VISIBLE:
            assert shown in text, (shown, text)
        assert NORMAL in text  # ordinary text untouched
        assert MARKUP in text  # shown literally
    if command == ("dossier", "show", "D000001"):
        assert "\\x1b]52;c;SGVsbG8=\\x07" in text  # the label
        assert "note\\x1b[2J" in text  # the note
        assert "litige\\x1b[31m\\x85" in text  # the reason
    if command == ("dossier", "show", "D000002"):
        assert "Line\\r\\nbreak" in text  # a label's line break stays in its cell
        assert "CCLEAR\\x1b[2J Evil\\x1b[2J\\x1b[?1049h" in text
    if command == ("actions",):
        assert "CCLEAR\\x1b[2J" in text  # the code column
        assert "Title\\x1b]0;PWNED\\x07Co" in text  # why D000002 waits (its pause)
    if command == ("run",):
        assert "Relance" in text  # the worklist of the day follows the summary


def test_error_quoting_hostile_data_is_inert(hostile: Run) -> None:
    # The customer's invoices are all in its dossier: the refusal names the customer.
    code, out, err = hostile("dossier", "open", CODE, "--scenario", BUILTIN_NAME)
    assert code == 2 and out == b""
    text = assert_inert_bytes(err)
    assert text.count("\n") == 1, text
    assert "Customer CCLEAR\\x1b[2J has no overdue invoice" in text
    code, out, err = hostile("dossier", "open", "C\x1b[2J\x9b", "--scenario", BUILTIN_NAME)
    assert code == 2
    assert_inert_bytes(err)


FORGED = "Good\nConsumer: yes · Overdue: 0.00\x1b[2J\u202e"


def test_customers_show_keeps_each_field_on_its_line(
    db: TestDB, tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A line break in a name (a quoted CSV field may hold one) is shown as ``\\n``, not
    printed as a line of its own; amounts of zero read 0.00, not a dash."""
    run = Run(db, capfdbinary)
    path = tmp_path / "forged.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        row = ["CFORGE", FORGED, "VTE", "2026-02-20", "F1", "F1", "411000", "Label\nx"]
        writer.writerow([*row, "2026-04-30", "100.00", ""])  # not yet due: overdue 0.00
    run.ok("import", "csv", str(path))
    text = assert_inert_bytes(run.ok("customers", "show", "CFORGE"))
    lines = text.splitlines()
    assert lines[0] == "CFORGE · Good\\nConsumer: yes · Overdue: 0.00\\x1b[2J\\u202e", lines
    assert not any(line.startswith("Consumer: yes") for line in lines), text
    assert "Outstanding: 100.00 · Overdue: 0.00" in lines, text


@pytest.mark.parametrize(
    "command",
    [("customers", "list"), ("dossier", "list"), ("dossier", "show", "D000001"), ("actions",)],
)
def test_json_stays_exact_and_inert(hostile: Run, command: tuple[str, ...]) -> None:
    raw = hostile.ok(*command, "--json")
    text = assert_inert_bytes(raw)
    data: Any = json.loads(text)
    if command == ("customers", "list"):
        assert {row["code"]: row["name"] for row in data} == CUSTOMERS
    if command == ("dossier", "show", "D000001"):
        assert data["customer_name"] == TITLE
        assert data["reason"] == REASON
        assert [e["label"] for e in data["entries"]] == [CLIPBOARD]
        assert any(i["note"] == NOTE for i in data["interventions"])
    if command == ("actions",):
        assert {r["customer_name"] for r in data if "customer_name" in r} <= set(CUSTOMERS.values())


def test_scenario_export_escapes_c1(db: TestDB, tmp_path: Path, capfdbinary: Any) -> None:
    run = Run(db, capfdbinary)
    source = tmp_path / "s.toml"
    source.write_text(
        'name = "Hostile"\n[[steps]]\nname = "Step \\u009b31m \\u202e x"\ndelay = 0\n'
        'type = "letter"\n',
        encoding="utf-8",
    )
    run.ok("scenario", "import", str(source))
    exported = assert_inert_bytes(run.ok("scenario", "export", "Hostile"))
    import tomllib

    assert tomllib.loads(exported)["steps"][0]["name"] == "Step \x9b31m \u202e x"


# --- the function itself ---------------------------------------------------------------------


def test_inert_examples() -> None:
    assert inert(TITLE) == "Title\\x1b]0;PWNED\\x07Co"
    assert inert(HIDDEN) == "Hidden\\rSafe Name"
    assert inert("a\nb") == "a\\nb"
    assert inert("a\nb\r", multiline=True) == "a\nb\\r"
    assert inert("\x9b\x7f\u202e\u2028") == "\\x9b\\x7f\\u202e\\u2028"
    assert inert("tab\tkept") == "tab\tkept"
    assert inert(NORMAL) == NORMAL
    assert inert(None) == ""
    assert inert(12) == "12"


def test_first_unsafe_names_the_first_character_inert_would_escape() -> None:
    assert first_unsafe(TITLE) == "\\x1b"
    assert first_unsafe(HIDDEN) == "\\r"
    assert first_unsafe("a\nb") == "\\n"
    assert first_unsafe("a\nb", multiline=True) is None
    assert first_unsafe("a\nb\r", multiline=True) == "\\r"
    assert first_unsafe("x\x00") == "\\x00"
    assert [first_unsafe(c) for c in "\x9b\x7f\u202e\u2028\u2066\u061c"] == [
        "\\x9b",
        "\\x7f",
        "\\u202e",
        "\\u2028",
        "\\u2066",
        "\\u061c",
    ]
    assert first_unsafe("tab\tkept") is None
    assert first_unsafe(NORMAL) is None
    assert first_unsafe("") is None


CONTROL = st.characters(
    codec="utf-8",
    categories=["Cc", "Cf", "Zl", "Zp", "L", "N", "P", "S", "Zs"],
)


@given(st.text(CONTROL))
def test_inert_never_leaves_a_control_character(text: str) -> None:
    for multiline in (False, True):
        shown = inert(text, multiline=multiline)
        found = UNSAFE.findall(shown)
        assert not found
        if not multiline:
            assert "\n" not in shown
        assert inert(shown, multiline=multiline) == shown  # inert twice is inert once


@given(st.text(CONTROL))
def test_first_unsafe_agrees_with_inert(text: str) -> None:
    for multiline in (False, True):
        bad = first_unsafe(text, multiline=multiline)
        shown = inert(text, multiline=multiline)
        assert (bad is None) == (shown == text)
        if bad is not None:
            assert bad in shown


@given(st.text(st.characters(codec="utf-8").filter(lambda c: not UNSAFE.match(c) and c != "\n")))
def test_inert_leaves_ordinary_text_unchanged(text: str) -> None:
    assert inert(text) == text
    assert inert(text, multiline=True) == text


@given(st.recursive(st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_json_round_trips_exactly_and_is_inert(value: Any) -> None:
    for pretty in (False, True):
        text = to_json(value, pretty=pretty)
        assert json.loads(text) == value
        assert not UNSAFE.findall(text.replace("\n", ""))
    assert inert_escaped("plain") == "plain"


# --- the TUI: what the widgets draw ----------------------------------------------------------


def seed_hostile(db: TestDB, tmp_path: Path) -> None:
    """The same hostile file, dossiers, note and pause as the command line's, in-process."""
    with db.ctx(TODAY) as ctx:
        import_csv(ctx, write_csv(tmp_path / "hostile.csv"))
        for code in CUSTOMERS:
            open_dossier(ctx, code, BUILTIN_NAME, reason=REASON)
        add_manual(ctx, "D000001", "phone", note=NOTE, contact=CLEAR)
        pause(ctx, "D000002", dt.date(2026, 3, 20), TITLE)
        scenario = find_dossier(ctx.session, "D000001").scenario_id
        step = ctx.session.exec(
            select(ScenarioStep).where(ScenarioStep.scenario_id == scenario)
        ).first()
        assert step is not None
        step.name = STEP  # step names are data too (interventions keep a copy)
        for item in ctx.session.exec(select(Intervention).where(Intervention.step_no == 1)):
            item.step = STEP


def drawn(app: RecouvrementApp) -> str:
    """Every character the screen draws now (toasts and modals included), line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def assert_drawn_inert(app: RecouvrementApp, *expected: str) -> str:
    text = drawn(app)
    found = UNSAFE.findall(text)
    assert not found, (found, text)
    for part in expected:
        assert part in text, (part, text)
    return text


async def test_tui_screens_draw_hostile_data_inert(sqlite_db: TestDB, tmp_path: Path) -> None:
    seed_hostile(sqlite_db, tmp_path)
    app = RecouvrementApp(sqlite_db.engine, "boss", tui_helpers.TODAY)
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        # Dossiers: the name column (wide terminal).
        await wait_for(pilot, lambda: bool(app.screen.query(TableBody)))
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == len(CUSTOMERS))
        await pilot.pause()
        assert_drawn_inert(app, "Title\\x1b]0;PWNED\\x07Co", "Hidden\\rSafe", MARKUP, NORMAL)

        # The detail of D000001: fields, entries, interventions, history.
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DossierDetailScreen))
        screen = app.screen
        assert isinstance(screen, DossierDetailScreen)
        await wait_for(pilot, lambda: screen.data is not None)
        await pilot.pause()
        assert_drawn_inert(
            app, "Title\\x1b]0;PWNED\\x07Co", "litige\\x1b[31m\\x85", CLIPBOARD_SHOWN
        )
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: screen.tables["interventions"].body.count >= 2)
        await pilot.pause()
        assert_drawn_inert(app, "note\\x1b[2J", STEP_SHOWN, "Evil\\x1b[2J")
        await pilot.press("right_square_bracket", "right_square_bracket")
        history = screen.tables["history"].body
        await wait_for(pilot, lambda: history.loaded and history.count > 0)
        await pilot.pause()
        assert_drawn_inert(app, "litige\\x1b[31m\\x85")

        # Done on the current step: the form's title quotes the step name.
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DoneForm))
        await pilot.pause()
        assert_drawn_inert(app, STEP_SHOWN)
        await pilot.press("escape")
        await pilot.press("escape")

        # Actions: codes, names, steps and the pause's reason.
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsScreen) and app.screen.started)
        actions = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: actions.loaded and actions.count == len(CUSTOMERS) + 1)
        await pilot.pause()
        assert_drawn_inert(app, "CCLEAR\\x1…", "Title\\x1b]0;PWNED\\x07Co")  # code cut to fit
        await pilot.press("G")  # the paused one, last: the detail line shows why it waits
        await pilot.pause()
        assert_drawn_inert(app, "paused until 2026-03-20: Title\\x1b]0;PWNED\\x07Co")

        # Customers, and the detail of the customer with the markup name.
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        customers = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: customers.loaded and customers.count == len(CUSTOMERS))
        await pilot.pause()
        assert_drawn_inert(app, "Evil\\x1b[2J\\x1b[?1049h", "Bidi\\u202eevil", MARKUP)
        app.push_screen(CustomerDetailScreen(CODE))
        await wait_for(pilot, lambda: app.screen.detail is not None)  # type: ignore[attr-defined]
        await pilot.pause()
        assert_drawn_inert(app, "Evil\\x1b[2J\\x1b[?1049h", "Line\\r\\nbreak", "CCLEAR\\x1b[2J")
        app.push_screen(CustomerDetailScreen("CMARKUP"))
        await wait_for(pilot, lambda: app.screen.detail is not None)  # type: ignore[attr-defined]
        await pilot.pause()
        assert_drawn_inert(app, MARKUP, "[link=http://x]y[/link]")

        # A refusal quoting data shows in a toast, inert and literal.
        app.notify(f"Unknown customer {MARKUP} {TITLE}", severity="error")
        await wait_for(pilot, lambda: "Unknown customer" in drawn(app))
        assert_drawn_inert(app, f"Unknown customer {MARKUP}", "PWNED\\x07Co")  # wrapped
        await pilot.press("q")


async def test_tui_palette_forms_and_scenarios_draw_inert(
    sqlite_db: TestDB, tmp_path: Path
) -> None:
    seed_hostile(sqlite_db, tmp_path)
    app = RecouvrementApp(sqlite_db.engine, "boss", tui_helpers.TODAY)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == len(CUSTOMERS))

        # The palette's results name customers and dossiers.
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Title")
        await wait_for(pilot, lambda: "PWNED" in drawn(app))
        assert_drawn_inert(app, "Title\\x1b]0;PWNED\\x07Co")
        await pilot.press("ctrl+k", *"markup")
        await wait_for(pilot, lambda: "[bold red]" in drawn(app))
        assert_drawn_inert(app, MARKUP)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))

        # A form prefilled with data shows it inert; saved unchanged, the data is kept as is.
        screen = DossierDetailScreen("D000002")
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.data is not None)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PauseForm))
        await pilot.pause()
        assert_drawn_inert(app, "Title\\x1b]0;PWNED\\x07Co")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await app.workers.wait_for_complete()
        with sqlite_db.session() as session:
            assert find_dossier(session, "D000002").pause_reason == TITLE
        await pilot.press("escape")

        # Scenarios: the list and the steps of the chosen one.
        await pilot.press("4")
        await wait_for(pilot, lambda: STEP_SHOWN[:20] in drawn(app))  # the column cuts it
        assert_drawn_inert(app, STEP_SHOWN[:20])
        await pilot.press("q")


HOSTILE_RISK = "Risk\x1b[2J\u202e"
HOSTILE_RISK_SHOWN = "Risk\\x1b[2J\\u202e"


async def test_tui_rates_risks_and_risk_choices_draw_inert(sqlite_db: TestDB) -> None:
    """Risk codes, their labels and rate notes are data (inserted here as an older version
    or another tool could have stored them): screen 9 and a step's list of risk codes show
    them inert; the code chosen is still the stored one."""
    from models.tables import PenaltyRate, RiskCode
    from tests.test_tui_scenarios import RISK, goto, open_screen

    with sqlite_db.session() as session:
        session.add(RiskCode(code=HOSTILE_RISK, label="Label\x1b]0;PWNED\x07\x9b", position=99))
        note = "Note\x1b[1A\u2066"
        rate = PenaltyRate(start=dt.date(2025, 8, 15), rate=Decimal("9.5"), note=note)
        session.add(rate)
    app = RecouvrementApp(sqlite_db.engine, "boss", tui_helpers.TODAY)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("9")
        await wait_for(pilot, lambda: HOSTILE_RISK_SHOWN in drawn(app))
        assert_drawn_inert(app, "Label\\x1b]0;PWNED\\x07\\x9b", "Note\\x1b[1A\\u2066")

        screen = await open_screen(pilot, BUILTIN_NAME)
        grid = screen.grid
        await goto(pilot, grid, 1, RISK)
        await pilot.press("enter")
        await wait_for(pilot, lambda: grid.editing)
        await pilot.pause()
        assert_drawn_inert(app, HOSTILE_RISK_SHOWN)  # the list of codes, open
        await pilot.press("end", "enter")
        await wait_for(pilot, lambda: not grid.editing)
        assert grid.rows[1]["risk"] == HOSTILE_RISK  # the stored code, not its escape
        await pilot.pause()
        assert_drawn_inert(app, HOSTILE_RISK_SHOWN[:8])  # the column cuts it
        await pilot.press("escape", "escape")
