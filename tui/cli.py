"""The command line (../shared/CLI.md): the same engine as the TUI, for scripts and SSH.

Bad input prints one clear message on stderr and exits with status 2; nothing is written,
because every command is one transaction that rolls back on any error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from engine.errors import UserError
from engine.i18n import _, ngettext, pgettext, set_language
from engine.inert import inert, inert_escaped
from engine.parsing import MAX_ID, parse_amount, parse_date
from tui import cli_customers
from tui.startup.launch import cmd_tui, run_tui, tui_invocation

EXIT_BAD_INPUT = 2


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line, with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, inert(f"{self.prog}: {message}") + "\n")


def _date(what: str) -> Callable[[str], dt.date]:
    def parse(value: str) -> dt.date:
        try:
            return parse_date(value, what)
        except UserError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    return parse


def _amount(what: str) -> Callable[[str], Decimal]:
    """An amount option: finite, 0.01 or more (a promise of nothing is no promise)."""

    def parse(value: str) -> Decimal:
        try:
            return parse_amount(value, what, minimum=Decimal("0.01"))
        except UserError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    return parse


def _id(what: str) -> Callable[[str], int]:
    """A record id: a whole number from 1 to 2^31 - 1 (larger ones cannot exist)."""

    def parse(value: str) -> int:
        text = value.strip()
        if text.isdigit() and 1 <= int(text) <= MAX_ID:
            return int(text)
        raise argparse.ArgumentTypeError(
            _("Invalid {what} {value!r}: expected a whole number from 1 to {max}.").format(
                what=what, value=value, max=MAX_ID
            )
        )

    return parse


def default_login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return os.environ.get("USER", "user")


# ---------------------------------------------------------------------------------------
# Running a command: database, transaction, context


def _one_line(text: object) -> str:
    return "; ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _masked(value: str) -> str:
    """A --db value fit to print: the password of a URL hidden."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", value)


def database_url(value: str | None) -> str:
    """The SQLAlchemy URL for ``--db`` (or RECOUVREMENT_DB), or one line naming the value and
    what is expected: a SQLite file path or a URL of a database we know (SQLite, PostgreSQL)
    whose driver is installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from models.db import normalize_url

    if value is not None and not value.strip():
        raise UserError(
            _(
                "Invalid --db {value!r}: expected a SQLite file path or a URL such as "
                "postgresql+psycopg://user@host/database."
            ).format(value=value)
        )
    given = value or os.environ.get("RECOUVREMENT_DB")
    try:
        url = normalize_url(value)
        parsed = make_url(url)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise ArgumentError(_("only SQLite and PostgreSQL are supported"))
        parsed.get_dialect().import_dbapi()  # an unknown or missing driver fails here
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError) as exc:
        raise UserError(
            _(
                "Invalid database {value!r}: expected a SQLite file path or a URL such as "
                "postgresql+psycopg://user@host/database ({reason})."
            ).format(value=_masked(given or ""), reason=_one_line(exc).rstrip("."))
        ) from None
    return url


def acting(args: argparse.Namespace) -> tuple[str, dt.date]:
    """Who acts and on which business day (``--user``, ``--today`` or the environment)."""
    if args.user is not None and not args.user.strip():
        raise UserError(
            _("Invalid --user {value!r}: expected a login such as mlefebvre.").format(
                value=args.user
            )
        )
    login: str = args.user or os.environ.get("RECOUVREMENT_USER") or default_login()
    today = args.today or os.environ.get("RECOUVREMENT_TODAY")
    if isinstance(today, str):
        return login, parse_date(today, "--today")
    return login, today or dt.date.today()


class Runtime:
    def __init__(self, args: argparse.Namespace) -> None:
        from engine.db_errors import check_lock_timeout
        from models.db import sqlite_path

        self.args = args
        self.url = database_url(args.db)
        self.path: Path | None = sqlite_path(self.url)  # the SQLite file, if SQLite
        self.login, self.today = acting(args)
        check_lock_timeout()
        self._engine: Any = None

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from models.db import make_engine

            self._engine = make_engine(self.url)
        return self._engine

    def ensure_parent(self) -> None:
        """Only the commands that create a database may create its folder."""
        path = self.path
        if path is None or path.exists():
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(exist_ok=False)  # may a file be made there? (SQLite would only say
            path.unlink()  # "unable to open database file")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            existing = next((p for p in path.parents if p.exists()), None)
            if existing is not None and not existing.is_dir():
                reason = _("{path} is a file, not a folder").format(path=existing)
            raise UserError(
                _("Cannot create the database {path}: {reason}.").format(path=path, reason=reason)
            ) from None

    def initialized(self) -> bool:
        """Whether ``init`` has run on the database, or one line saying why it cannot be
        used (a folder, a text file, a damaged file, a server that refuses)."""
        from sqlalchemy.exc import DBAPIError

        from models.db import is_initialized

        path = self.path
        if path is not None and path.is_dir():
            raise UserError(
                _("{path} is a folder: expected a SQLite database file.").format(path=path)
            )
        try:
            return is_initialized(self.engine)
        except DBAPIError as exc:
            if path is None:
                raise
            code = getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF
            reason = (
                _("it is not a SQLite database, or it is damaged")
                if code == 26  # SQLITE_NOTADB
                else _("it cannot be opened")
                if code == 14  # SQLITE_CANTOPEN
                else _("it cannot be read")
            )
            raise UserError(
                _(
                    "Cannot use {path} as a database: {reason}; expected a SQLite database "
                    "file made by `recouvrement init`."
                ).format(path=path, reason=reason)
            ) from None

    def require_initialized(self) -> None:
        path = self.path
        if path is not None and not path.exists():
            raise UserError(
                _("No database at {path}: run `recouvrement init` first (or pass --db).").format(
                    path=path
                )
            )
        if not self.initialized():
            raise UserError(
                _("The database {url} is not initialised: run `recouvrement init` first.").format(
                    url=self.safe_url
                )
            )

    def require_writable(self) -> None:
        """A change on a SQLite file that can only be read: one line naming the file."""
        from models.db import sqlite_read_only

        if self.path is not None and sqlite_read_only(self.url):
            raise UserError(
                _(
                    "The database file {path} is read-only: this change cannot be saved "
                    "(commands that only read still work)."
                ).format(path=self.path)
            )

    @property
    def safe_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def ctx(self, write: bool = True, wait: float | None = None) -> Iterator[Any]:
        """One unit of work as the acting user; rolled back entirely on any error.
        ``write=False`` for commands that only read: they never wait for a writer;
        ``wait``: seconds a writer may wait for its turn (see models.db.transaction)."""
        from engine.context import Ctx
        from models.db import session_factory, transaction

        self.require_initialized()
        if write:
            self.require_writable()
        with transaction(session_factory(self.engine), write=write, wait=wait) as session:
            yield Ctx.load(session, self.login, self.today)


def out(text: str) -> None:
    """Print on stdout. Data is shown inert (engine.inert): a control character in it never
    reaches the terminal; only the line breaks of the layout are kept."""
    text = inert(text, multiline=True)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def err(text: str) -> None:
    """A message on stderr, inert like ``out``: messages quote names, labels and codes. A
    message of several lines (a refused CSV file names each bad line) keeps its lines."""
    for line in str(text).split("\n"):
        print(inert(line), file=sys.stderr)


def out_json(data: Any) -> None:
    from engine.reads.views import to_json

    # Indented for a person at a terminal, compact (and much faster) for a script.
    out(to_json(data, pretty=sys.stdout.isatty()))


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> None:
    """A plain aligned text table (amounts right-aligned)."""
    from decimal import Decimal

    cells = [[inert(v) for v in row] for row in rows]  # one line per row, whatever the data
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    right = [any(isinstance(row[i], Decimal) for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        ).rstrip()

    out(line(headers))
    for row in cells:
        out(line(row))


# ---------------------------------------------------------------------------------------
# Commands


def cmd_init(rt: Runtime) -> None:
    from engine.bootstrap import initialize

    rt.ensure_parent()
    if rt.path is None or rt.path.exists():
        rt.initialized()  # a folder, a text file or a damaged file: said in one line
        rt.require_writable()
    new = initialize(rt.engine, rt.login)
    if new:
        out(
            _("Database created at {url}; {login} is its first manager.").format(
                url=rt.safe_url, login=rt.login
            )
        )
    else:
        out(_("Database {url} is up to date.").format(url=rt.safe_url))


def cmd_demo(rt: Runtime) -> None:
    size: str | int = rt.args.size
    if isinstance(size, str) and size.isdigit() and int(size) > 0:
        size = int(size)
    elif size not in ("small", "large"):
        raise UserError(
            _("Invalid size {value!r}: expected small, large or a number of dossiers.").format(
                value=size
            )
        )
    from engine.bootstrap import initialize
    from engine.demo import build_demo

    rt.ensure_parent()
    if rt.path is not None and rt.path.exists():
        rt.require_writable()
    if not rt.initialized():
        initialize(rt.engine, rt.login)
    report = build_demo(
        rt.engine,
        rt.login,
        rt.today,
        size,
        progress=lambda message: print(message, file=sys.stderr),
    )
    out(
        _(
            "Demo data: {customers} customers, {entries} entries, {dossiers} dossiers, "
            "{interventions} interventions in {seconds:.1f} s."
        ).format(**asdict(report))
    )


def cmd_settings_show(rt: Runtime) -> None:
    from engine.settings import SPECS, typed_settings

    with rt.ctx(write=False) as ctx:
        typed = typed_settings(ctx.settings)
        values = {key: ctx.settings.raw[key] for key in SPECS}
    if rt.args.json:
        out_json(typed)
        return
    table(
        [(k, v, _(SPECS[k].help)) for k, v in values.items()],
        [_("setting"), _("value"), _("meaning")],
    )


def cmd_settings_set(rt: Runtime) -> None:
    from engine.settings import set_setting

    with rt.ctx() as ctx:
        value = set_setting(ctx.session, rt.args.key, rt.args.value, ctx.actor)
    shown = "" if value is None else value
    if isinstance(value, bool):
        shown = "true" if value else "false"
    out(f"{rt.args.key} = {shown}")


def cmd_import_csv(rt: Runtime) -> None:
    from engine.csv_import import import_csv
    from engine.turns import TURN_WAIT

    mapping = Path(rt.args.mapping) if rt.args.mapping else None
    with rt.ctx(wait=TURN_WAIT) as ctx:  # behind another import: wait, do not fail
        report = import_csv(ctx, Path(rt.args.file), mapping)
    if rt.args.json:
        out_json(asdict(report))
        return
    out(
        _(
            "{file}: {lines} lines, {added} added, {updated} updated, {unchanged} unchanged; "
            "{customers} customers created."
        ).format(
            file=report.file,
            lines=report.lines,
            added=report.added,
            updated=report.updated,
            unchanged=report.unchanged,
            customers=report.customers_created,
        )
    )
    if report.due_dates_computed:
        out(
            _("{n} due dates computed from payment terms (the file gave none).").format(
                n=report.due_dates_computed
            )
        )
    cli_customers.import_notes(report)
    for label, numbers in (
        (pgettext("dossiers", "closed"), report.closed),
        (pgettext("dossiers", "reopened"), report.reopened),
    ):
        if numbers:
            out(f"{label}: {', '.join(numbers)}")


def cmd_users_list(rt: Runtime) -> None:
    from engine.access import list_users

    with rt.ctx(write=False) as ctx:
        rows = list_users(ctx.session, ctx.actor)
    if rt.args.json:
        out_json(rows)
    else:
        table(
            [(r["login"], _(r["role"]), r["name"]) for r in rows],
            [_("login"), _("role"), _("name")],
        )


def cmd_users_add(rt: Runtime) -> None:
    from engine.access import add_user

    a = rt.args
    with rt.ctx() as ctx:
        user = add_user(
            ctx.session, ctx.actor, a.login, a.role, a.name or "", active=not a.inactive
        )
        login, role, active = user.login, user.role, user.active
    if active:
        out(_("{login} may now use this database as {role}.").format(login=login, role=_(role)))
    else:
        out(_("{login} can no longer use this database.").format(login=login))


def cmd_customers_list(rt: Runtime) -> None:
    from engine.reads.views import customer_rows

    with rt.ctx(write=False) as ctx:
        rows = customer_rows(ctx.session, ctx.today)
    if rt.args.json:
        out_json(rows)
    else:
        table(
            [(r["code"], r["name"], r["outstanding"], r["overdue"], r["risk"]) for r in rows],
            [_("code"), _("name"), _("outstanding"), _("overdue"), _("risk")],
        )


def _show(rt: Runtime, number: str, as_json: bool) -> None:
    from engine.dossiers import find_dossier
    from engine.rates import penalty_warning
    from engine.reads.views import dossier_detail

    with rt.ctx(write=False) as ctx:
        detail = dossier_detail(ctx.session, number)
        dossier_id = find_dossier(ctx.session, number).id
        assert dossier_id is not None
        warning = penalty_warning(ctx, dossier_id)
    detail["warnings"] = [warning] if warning else []
    if as_json:
        out_json(detail)
        return
    for line in detail["warnings"]:
        err(_("Warning: {message}").format(message=line))
    # Single-line fields: a line break in them is shown, not obeyed (out() keeps it).
    out(
        f"{detail['number']}  {inert(detail['customer'])} {inert(detail['customer_name'])}"
        f"  [{_(detail['status'])}]"
    )
    out(
        _("Scenario: {scenario}   Agent: {agent}   Opened: {created}   Reason: {reason}").format(
            **{k: inert(detail[k] or "—") for k in ("scenario", "agent", "created", "reason")}
        )
    )
    out(
        _(
            "Principal {principal}  Charges {charges}  Balance {balance}  Provision {provision}  "
            "Risk {risk}"
        ).format(
            risk=inert(detail["customer_risk"] or "—"),
            **{k: detail[k] for k in ("principal", "charges", "balance", "provision")},
        )
    )
    if detail["status"] == "paused":
        out(
            _("Paused until {day}: {reason}").format(
                day=detail["pause_until"], reason=inert(detail["pause_reason"])
            )
        )
    if detail["scenario_ended"]:
        out(_("Scenario ended."))
    out("")
    table(
        [
            (
                e["kind"],
                e["journal"],
                e["date"],
                e["invoice"] or e["piece"],
                e["label"],
                e["due_date"],
                e["debit"],
                e["credit"],
                e["lettering"],
                e["open_amount"],
            )
            for e in detail["entries"]
        ],
        [
            _("kind"),
            _("journal"),
            _("date"),
            _("piece"),
            _("label"),
            _("due"),
            _("debit"),
            _("credit"),
            _("lettering"),
            pgettext("column", "open"),
        ],
    )
    out("")
    table(
        [
            (
                i["id"],
                _(i["status"]),
                i["planned"],
                i["done"],
                i["step_no"],
                i["step"],
                i["type"],
                i["outcome"] or i["note"],
            )
            for i in detail["interventions"]
        ],
        [
            _("id"),
            _("status"),
            _("planned"),
            pgettext("column", "done"),
            _("#"),
            _("step"),
            _("type"),
            _("note"),
        ],
    )


def cmd_dossier_open(rt: Runtime) -> None:
    from engine.dossiers import open_dossier

    a = rt.args
    with rt.ctx() as ctx:
        number = open_dossier(
            ctx, a.customer, a.scenario, agent=a.agent, reason=a.reason or "", start=a.date
        ).number
    if a.json:
        _show(rt, number, True)
    else:
        out(number)


def cmd_dossier_list(rt: Runtime) -> None:
    from engine.reads.views import dossier_rows

    a = rt.args
    if a.status and a.status not in ("open", "paused", "closed"):
        raise UserError(
            _("Invalid status {value!r}: expected open, paused or closed.").format(value=a.status)
        )
    with rt.ctx(write=False) as ctx:
        rows = dossier_rows(ctx.session, a.status, a.agent)
    if a.json:
        out_json(rows)
    else:
        table(
            [
                (
                    r["number"],
                    r["customer"],
                    _(r["status"]),
                    r["agent"],
                    r["scenario"],
                    r["next_action"],
                    r["balance"],
                )
                for r in rows
            ],
            [
                _("number"),
                _("customer"),
                _("status"),
                pgettext("column", "agent"),
                _("scenario"),
                _("next action"),
                _("balance"),
            ],
        )


def cmd_dossier_show(rt: Runtime) -> None:
    _show(rt, rt.args.number, rt.args.json)


def cmd_dossier_step(rt: Runtime) -> None:
    from engine.dossiers import move_to_step

    a = rt.args
    with rt.ctx() as ctx:
        dossier = move_to_step(ctx, a.number, a.step_no, a.date, a.scenario)
        number = dossier.number
    out(_("{number} moved to step {no}.").format(number=number, no=a.step_no))


def cmd_dossier_pause(rt: Runtime) -> None:
    from engine.dossiers import pause

    a = rt.args
    with rt.ctx() as ctx:
        number = pause(ctx, a.number, a.until, a.reason or "", a.amount).number
    out(_("{number} paused until {day}.").format(number=number, day=a.until.isoformat()))


def cmd_dossier_resume(rt: Runtime) -> None:
    from engine.dossiers import resume

    with rt.ctx() as ctx:
        number = resume(ctx, rt.args.number).number
    out(_("{number} resumed.").format(number=number))


def cmd_dossier_edit(rt: Runtime) -> None:
    from engine.dossiers import update_dossier

    a = rt.args
    with rt.ctx() as ctx:
        number = update_dossier(ctx, a.number, reason=a.reason, agent=a.agent).number
    out(_("{number} saved.").format(number=number))


def cmd_intervention_done(rt: Runtime) -> None:
    from engine.interventions import mark_done

    a = rt.args
    with rt.ctx() as ctx:
        item = mark_done(ctx, a.id, a.date, a.note, a.outcome or "")
        done = item.done
    out(_("Intervention {id} done on {day}.").format(id=a.id, day=done))


def cmd_intervention_skip(rt: Runtime) -> None:
    from engine.interventions import mark_skipped

    a = rt.args
    with rt.ctx() as ctx:
        done = mark_skipped(ctx, a.id, a.date, a.note).done
    out(_("Intervention {id} skipped on {day}.").format(id=a.id, day=done))


def cmd_intervention_add(rt: Runtime) -> None:
    from engine.interventions import add_manual

    a = rt.args
    with rt.ctx() as ctx:
        item = add_manual(
            ctx, a.number, a.type, a.date, a.note or "", a.contact, a.promise_date, a.promise_amount
        )
        ident, planned = item.id, item.planned
    out(_("Intervention {id} planned on {day}.").format(id=ident, day=planned))


def cmd_intervention_reschedule(rt: Runtime) -> None:
    from engine.interventions import reschedule

    a = rt.args
    with rt.ctx() as ctx:
        planned = reschedule(ctx, a.id, a.date).planned
    out(_("Intervention {id} planned on {day}.").format(id=a.id, day=planned))


def cmd_actions(rt: Runtime) -> None:
    from engine.reads.views import action_rows

    a = rt.args
    with rt.ctx(write=False) as ctx:
        rows = action_rows(ctx.session, a.agent, a.until)
    if a.json:
        out_json(rows)
    else:
        _action_table(rows)


def _action_table(rows: Sequence[dict[str, Any]]) -> None:
    """The worklist as text: planned, id, dossier, customer, agent, type, step, and the pause
    a step waits for (rule 7: the worklist shows why)."""
    table(
        [
            (
                r["planned"],
                r["id"],
                r["dossier"],
                r["customer"],
                r["agent"],
                r["type"],
                r["step"],
                _("until {day}: {reason}").format(day=r["pause_until"], reason=r["pause_reason"])
                if r.get("dossier_status") == "paused"
                else "",
            )
            for r in rows
        ],
        [
            _("planned"),
            _("id"),
            _("dossier"),
            _("customer"),
            pgettext("column", "agent"),
            _("type"),
            _("step"),
            _("pause"),
        ],
    )


def cmd_run(rt: Runtime) -> None:
    from engine.daily import run_daily

    with rt.ctx() as ctx:
        report = run_daily(ctx)
    if rt.args.json:
        out_json(asdict(report))
        return
    out(
        _(
            "Daily pass for {day}: {closed} closed, {reopened} reopened, {resumed} resumed; "
            "{due} interventions due ({overdue} overdue)."
        ).format(
            day=report.date,
            closed=len(report.closed),
            reopened=len(report.reopened),
            resumed=len(report.resumed),
            due=report.due,
            overdue=report.overdue,
        )
    )
    for number in report.closed:
        out(_("closed: {number}").format(number=number))
    for number in report.reopened:
        out(_("reopened: {number}").format(number=number))
    for warning in report.warnings:
        out(_("Warning: {message}").format(message=warning))
    due_today: list[dict[str, Any]] = getattr(report, "due_today", [])
    if due_today:
        out("")
        _action_table(due_today)


def cmd_scenario_list(rt: Runtime) -> None:
    from engine.reads.views import scenario_rows

    with rt.ctx(write=False) as ctx:
        rows = scenario_rows(ctx.session)
    if rt.args.json:
        out_json(rows)
    else:
        table(
            [(r["name"], len(r["steps"]), r["open_dossiers"]) for r in rows],
            [_("name"), _("steps"), _("open dossiers")],
        )


def cmd_scenario_export(rt: Runtime) -> None:
    from engine.scenarios import export_toml

    with rt.ctx(write=False) as ctx:
        text = export_toml(ctx.session, rt.args.name)
    sys.stdout.write(inert_escaped(text))  # TOML escapes C0 and DEL; C1 and bidi too here


def cmd_scenario_import(rt: Runtime) -> None:
    from engine.scenarios import import_scenario

    path = Path(rt.args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(_("Cannot read {path}: {error}.").format(path=path, error=exc)) from exc
    with rt.ctx() as ctx:
        spec, changed = import_scenario(ctx.session, text, str(path), actor=ctx.actor)
    if not changed:
        out(
            _("Scenario {name!r} is already as in {path}: nothing changed.").format(
                name=spec.name, path=path
            )
        )
        return
    count = len(spec.steps)
    out(
        ngettext(
            "Scenario {name!r} saved with {n} step.",
            "Scenario {name!r} saved with {n} steps.",
            count,
        ).format(name=spec.name, n=count)
    )


# ---------------------------------------------------------------------------------------
# The parser


def add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help=_("SQLAlchemy URL or SQLite file (env RECOUVREMENT_DB)"))
    parser.add_argument("--user", help=_("who acts (env RECOUVREMENT_USER; default: OS login)"))
    parser.add_argument(
        "--today", type=_date("--today"), help=_("business day YYYY-MM-DD (env RECOUVREMENT_TODAY)")
    )
    parser.add_argument("--lang", choices=("en", "fr"), help=_("interface language"))


def build_parser() -> Parser:
    parser = Parser(prog="recouvrement", description=_("Collection of overdue invoices."))
    add_global_options(parser)
    parser.set_defaults(func=cmd_tui)
    commands = parser.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND")

    def command(parent: Any, name: str, func: Callable[[Runtime], None], help_: str) -> Parser:
        sub: Parser = parent.add_parser(name, help=help_, description=help_)
        sub.set_defaults(func=func)
        return sub

    def group(name: str, help_: str) -> Any:
        sub = commands.add_parser(name, help=help_, description=help_)
        sub.set_defaults(func=lambda rt: sub.error(_("expected a subcommand")))
        return sub.add_subparsers(dest="sub", parser_class=Parser, metavar="SUBCOMMAND")

    def json_flag(p: Parser) -> None:
        p.add_argument("--json", action="store_true", help=_("print JSON"))

    command(commands, "init", cmd_init, _("create or upgrade the database"))
    p = command(commands, "demo", cmd_demo, _("fill the database with demo data"))
    p.add_argument("--size", default="small", help=_("small, large (100,000 dossiers) or N"))

    g = group("settings", _("company settings"))
    json_flag(command(g, "show", cmd_settings_show, _("show the settings")))
    p = command(g, "set", cmd_settings_set, _("change a setting (managers)"))
    p.add_argument("key")
    p.add_argument("value")

    g = group("import", _("import accounting entries"))
    p = command(g, "csv", cmd_import_csv, _("import entries from a CSV file"))
    p.add_argument("file")
    p.add_argument("--mapping", help=_("TOML file mapping columns"))
    json_flag(p)

    g = group("users", _("who may use the database"))
    json_flag(command(g, "list", cmd_users_list, _("list users")))
    p = command(g, "add", cmd_users_add, _("add or change a user (managers)"))
    p.add_argument("login")
    p.add_argument("--role", required=True, choices=("agent", "manager", "auditor"))
    p.add_argument("--name")
    p.add_argument(
        "--inactive",
        action="store_true",
        help=_("deactivate the login: it is refused from then on"),
    )

    g = group("customers", _("customers"))
    json_flag(command(g, "list", cmd_customers_list, _("customers with outstanding and risk")))
    cli_customers.register(g, group, command, json_flag)

    g = group("dossier", _("collection dossiers"))
    p = command(g, "open", cmd_dossier_open, _("open a dossier for a customer"))
    p.add_argument("customer")
    p.add_argument("--scenario", required=True)
    p.add_argument("--agent")
    p.add_argument("--reason")
    p.add_argument("--date", type=_date("--date"))
    json_flag(p)
    p = command(g, "list", cmd_dossier_list, _("list dossiers"))
    p.add_argument("--status")
    p.add_argument("--agent")
    json_flag(p)
    p = command(g, "show", cmd_dossier_show, _("one dossier with entries and interventions"))
    p.add_argument("number")
    json_flag(p)
    p = command(g, "step", cmd_dossier_step, _("move a dossier to a scenario step"))
    p.add_argument("number")
    p.add_argument("step_no", type=int)
    p.add_argument("--date", type=_date("--date"))
    p.add_argument("--scenario", help=_("move to this scenario at the same time"))
    p = command(g, "pause", cmd_dossier_pause, _("pause a dossier (promise to pay, dispute)"))
    p.add_argument("number")
    p.add_argument("--until", required=True, type=_date("--until"))
    p.add_argument("--reason")
    p.add_argument("--amount", type=_amount("--amount"), help=_("promised amount"))
    p = command(g, "resume", cmd_dossier_resume, _("end a pause now"))
    p.add_argument("number")
    p = command(g, "edit", cmd_dossier_edit, _("change a dossier's reason or agent"))
    p.add_argument("number")
    p.add_argument("--reason")
    p.add_argument("--agent")

    g = group("intervention", _("interventions"))
    p = command(g, "done", cmd_intervention_done, _("mark done (applies the step's effects)"))
    p.add_argument("id", type=_id(_("intervention id")))
    p.add_argument("--date", type=_date("--date"))
    p.add_argument("--note")
    p.add_argument("--outcome")
    p = command(g, "skip", cmd_intervention_skip, _("mark skipped"))
    p.add_argument("id", type=_id(_("intervention id")))
    p.add_argument("--date", type=_date("--date"))
    p.add_argument("--note")
    p = command(g, "add", cmd_intervention_add, _("add a manual intervention"))
    p.add_argument("number")
    p.add_argument("--type", required=True)
    p.add_argument("--date", type=_date("--date"))
    p.add_argument("--note")
    p.add_argument("--contact")
    p.add_argument("--promise-date", type=_date("--promise-date"))
    p.add_argument("--promise-amount", type=_amount("--promise-amount"))
    p = command(g, "reschedule", cmd_intervention_reschedule, _("plan an intervention on a date"))
    p.add_argument("id", type=_id(_("intervention id")))
    p.add_argument("--date", required=True, type=_date("--date"))

    p = command(commands, "actions", cmd_actions, _("the to-do worklist"))
    p.add_argument("--agent")
    p.add_argument("--until", type=_date("--until"))
    json_flag(p)
    json_flag(command(commands, "run", cmd_run, _("the daily pass")))

    g = group("scenario", _("scenarios"))
    json_flag(command(g, "list", cmd_scenario_list, _("list scenarios")))
    p = command(g, "export", cmd_scenario_export, _("print a scenario as TOML"))
    p.add_argument("name")
    p = command(g, "import", cmd_scenario_import, _("create or replace a scenario from TOML"))
    p.add_argument("file")
    from tui import cli_reference  # here: it imports this module

    cli_reference.register(group, command, json_flag)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    set_language(os.environ.get("RECOUVREMENT_LANG") or None)
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--lang" in argv[:-1]:
        set_language(argv[argv.index("--lang") + 1])
    try:
        tui = tui_invocation(argv)
        if tui is not None:
            return run_tui(tui)
        args = build_parser().parse_args(argv)
        if args.func is cmd_tui:
            return run_tui(args)
        rt = Runtime(args)
        args.func(rt)
        return 0
    except UserError as exc:
        err(exc.message)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`rcv dossier list | head`): not an error worth a word.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_BAD_INPUT
    except Exception as exc:
        from engine.db_errors import user_message
        from tui.crash import crash_summary, log_crash

        message = user_message(exc)  # never the statement nor its values
        if message is not None:
            err(message)
            return EXIT_BAD_INPUT
        path = log_crash(exc)
        err(
            _("Unexpected error: {error} (details in {path}).").format(
                error=crash_summary(exc), path=path
            )
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
