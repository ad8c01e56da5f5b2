"""The large demo: N dossiers (``large`` = 100,000) and about 10 entries per dossier, written
with Core bulk inserts. The values are computed here the way the services would have made them
(numbers, open amounts, charges, plans on working days), because the services would need hours
for a million entries."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Connection, String, Table, func, insert, text
from sqlalchemy import update as sa_update
from sqlalchemy.sql.expression import TableClause, column, table
from sqlmodel import col, select

from engine.context import Ctx
from engine.demo.identities import Identity, Names
from engine.demo.ledger import (
    Lettering,
    credit_label,
    customer_account,
    entry_row,
    from_cents,
    invoice_cents,
    invoice_label,
    payment_label,
    to_cents,
)
from engine.demo.prepare import AGENTS, Progress
from engine.demo.schedule import ONE, Days, Step, scenarios
from engine.demo.wording import DISPUTES, MANUAL, PROMISES, REASONS
from engine.dossiers import SETTLED_REASON
from engine.effects import CHARGE_JOURNAL, FEE_LABEL, INDEMNITY_LABEL, PENALTY_LABEL, charge_label
from engine.history import now
from engine.i18n import _
from engine.penalties import RateTable, penalty_increment
from engine.search_keys import customer_key, dossier_key
from engine.settings import Settings
from models.db import session_factory, transaction
from models.tables import (
    Contact,
    Customer,
    Dossier,
    DossierEntry,
    Entry,
    History,
    Intervention,
    Sequence,
    User,
)
from models.types import DecimalText, Money


def _plain(model: Any) -> TableClause:
    """The table with its money columns as plain integers: the values are computed cents.

    Skipping the Money type's per-value conversion is most of what makes a million rows fast.
    """
    source: Table = model.__table__
    columns = []
    for source_column in source.columns:
        kind = source_column.type
        if isinstance(kind, Money):
            kind = BigInteger()
        elif isinstance(kind, DecimalText):
            kind = String()
        columns.append(column(source_column.name, kind))
    return table(source.name, *columns)


@dataclass
class _Rows:
    """One batch of rows per table, inserted parents first."""

    customers: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    dossiers: list[dict[str, Any]] = field(default_factory=list)
    interventions: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Case:
    """One dossier being generated: what opening it took and what working it added."""

    id: int
    number: str
    customer_id: int
    ident: Identity
    agent: str
    contact: str
    # (entry id, open cents, due date, piece number) of the invoices and credits it took
    principal: list[tuple[int, int, dt.date, str]] = field(default_factory=list)
    links: list[int] = field(default_factory=list)
    charges: int = 0
    provision: int = 0
    interest: dict[int, tuple[dt.date, Decimal, list[Decimal]]] = field(default_factory=dict)
    indemnified: set[int] = field(default_factory=set)

    @property
    def owed(self) -> int:
        return sum(item[1] for item in self.principal)


class LargeDemo:
    CHUNK = 1_500  # customers per batch at most (~4,500 dossiers, ~45,000 entries)
    STEPS = 10  # a smaller demo still says its progress about ten times
    BATCH = 20_000  # rows per INSERT … executemany

    def __init__(
        self,
        connection: Connection,
        login: str,
        today: dt.date,
        dossiers: int,
        seed: int,
        say: Progress,
    ) -> None:
        """``connection``: in the caller's transaction, which commits the whole demo or
        nothing (build_demo)."""
        self.connection = connection
        self.login = login
        self.today = today
        self.total = dossiers
        self.seed = seed
        self.say = say
        self.names = Names()
        self.counters: dict[str, int] = {}
        self.written = 0

    def run(self) -> None:
        self.load()
        self.say(_("Planning {n} dossiers…").format(n=self.total))
        self.plan()
        tables = {
            name: _plain(model)
            for name, model in (
                ("customers", Customer),
                ("contacts", Contact),
                ("dossiers", Dossier),
                ("interventions", Intervention),
                ("entries", Entry),
                ("links", DossierEntry),
            )
        }
        # The caller's transaction: a failure leaves no half-filled database behind.
        conn = self.connection
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # A big page cache keeps the scattered index inserts in memory; the pooled
            # connection gets SQLite's default back afterwards.
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
        try:
            chunk = max(100, min(self.CHUNK, -(-len(self.starts) // self.STEPS)))
            for first in range(0, len(self.starts), chunk):
                rows = _Rows()
                for index in range(first, min(first + chunk, len(self.starts))):
                    self.customer(index, rows)
                for name, target in tables.items():
                    self.insert(conn, target, getattr(rows, name))
                self.written += len(rows.dossiers)
                self.say(
                    _("{done} of {total} dossiers written…").format(
                        done=self.written, total=self.total
                    )
                )
            self.finish(conn)
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA cache_size=-2000")

    def insert(self, conn: Connection, target: TableClause, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if conn.dialect.name == "postgresql":
            # psycopg's executemany sends one statement per row; COPY streams them all.
            names = list(rows[0])
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY {target.name} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[name] for name in names])
            return
        for start in range(0, len(rows), self.BATCH):
            conn.execute(insert(target), rows[start : start + self.BATCH])

    def load(self) -> None:
        with transaction(session_factory(self.connection)) as session:
            settings = Settings.load(session)
            self.days = Days.of(settings)
            self.prefix = settings.customer_account_prefix
            self.account = customer_account(settings)
            self.indemnity = to_cents(settings.indemnity_amount)
            self.language = settings.document_language
            ctx = Ctx.load(session, self.login, self.today)
            self.rates: RateTable = ctx.rates()
            self.scenarios = scenarios(session)
            self.agents = [
                login for login, _name in AGENTS if session.get(User, login) is not None
            ] or [self.login]
            for name, model in (
                ("customer", Customer),
                ("contact", Contact),
                ("entry", Entry),
                ("dossier", Dossier),
                ("intervention", Intervention),
            ):
                self.counters[name] = int(
                    session.exec(select(func.coalesce(func.max(model.id), 0))).one() or 0
                )
            sequence = session.get(Sequence, "dossier")
            self.sequence = sequence.value if sequence else 0
            self.closed_outcome = _("dossier closed: principal settled")
            self.manual_step = _("Manual")

    def next_id(self, name: str) -> int:
        self.counters[name] += 1
        return self.counters[name]

    def plan(self) -> None:
        """Every dossier's start date first: numbers follow the opening order, as they would."""
        rng = random.Random(self.seed)
        self.starts: list[list[dt.date]] = []
        remaining = self.total
        while remaining:
            count = min(remaining, rng.choice((1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5)))
            roll = rng.random()
            age = (
                rng.randint(0, 30)
                if roll < 0.55
                else rng.randint(31, 60)
                if roll < 0.85
                else rng.randint(61, 180)
            )
            day = self.days.previous(self.today - dt.timedelta(days=age))
            starts = [day]
            oldest = self.today - dt.timedelta(days=420)  # within the rate table's years
            while len(starts) < count:
                day = self.days.previous(day - dt.timedelta(days=rng.randint(10, 45)))
                if day < oldest:
                    break
                starts.append(day)
            remaining -= len(starts)
            self.starts.append(starts[::-1])
        order = sorted(
            (day, c, j) for c, starts in enumerate(self.starts) for j, day in enumerate(starts)
        )
        first_id = self.counters["dossier"]
        self.dossier_ids: dict[tuple[int, int], int] = {
            (c, j): first_id + n for n, (_day, c, j) in enumerate(order, start=1)
        }
        self.first_id = first_id

    # -- one customer and its dossiers

    def entry(
        self,
        rows: _Rows,
        customer_id: int,
        kind: str,
        day: dt.date,
        cents: int,
        *,
        open_cents: int | None = None,
        due: dt.date | None = None,
        code: str | None = None,
        journal: str = "BQ",
        piece: str = "",
        invoice: str = "",
        label: str = "",
        account: str | None = None,
        source: str = "manual",
        key: str | None = None,
        invoice_id: int | None = None,
        period: tuple[dt.date, dt.date] | None = None,
        exact: str | None = None,
        intervention_id: int | None = None,
    ) -> int:
        entry_id = self.next_id("entry")
        debit = kind in ("invoice", "fee", "penalty", "indemnity")
        signed = cents if debit else -cents
        rows.entries.append(
            {
                "id": entry_id,
                **entry_row(
                    customer_id,
                    kind,
                    day,
                    cents if debit else 0,
                    0 if debit else cents,
                    signed if open_cents is None else open_cents,
                    journal=journal,
                    account=account or self.account,
                    key=key or f"demo:{entry_id:08d}",
                    due=due,
                    code=code,
                    piece=piece,
                    invoice=invoice,
                    label=label,
                    source=source,
                ),
                "invoice_id": invoice_id,
                "period_start": period[0] if period else None,
                "period_end": period[1] if period else None,
                "interest_exact": exact,
                "intervention_id": intervention_id,
                "version": 1,
            }
        )
        return entry_id

    def number(self, prefix: str, day: dt.date) -> str:
        key = f"{prefix}{day.year}"
        self.counters[key] = value = self.counters.get(key, 0) + 1
        return f"{key}-{value:06d}"

    def sale(
        self,
        rows: _Rows,
        customer_id: int,
        kind: str,
        day: dt.date,
        cents: int,
        short: str,
        *,
        due: dt.date,
        open_cents: int | None = None,
        code: str | None = None,
        of: str | None = None,
    ) -> tuple[int, str]:
        """An invoice, or a credit note (of the invoice ``of`` if any), in the sales journal,
        numbered in its year's series: its entry id and its number."""
        invoice = kind == "invoice"
        number = self.number("F" if invoice else "A", day)
        entry_id = self.entry(
            rows,
            customer_id,
            kind,
            day,
            cents,
            open_cents=open_cents,
            due=due,
            code=code,
            journal="VTE",
            piece=number,
            invoice=number,
            label=invoice_label(number, short) if invoice else credit_label(number, short, of),
        )
        return entry_id, number

    def transfer(
        self, rows: _Rows, customer_id: int, day: dt.date, cents: int, group: str, label: str
    ) -> None:
        """A bank transfer lettered ``group``; its piece is the number of the entry it makes."""
        self.entry(
            rows,
            customer_id,
            "payment",
            day,
            cents,
            open_cents=0,
            due=day,
            code=group,
            piece=f"VIR{self.counters['entry'] + 1:08d}",
            label=label,
        )

    def intervention(
        self,
        rows: _Rows,
        dossier_id: int,
        scenario_id: int | None,
        step: Step | None,
        planned: dt.date,
        status: str,
        done: dt.date | None,
        contact: str,
        *,
        done_by: str | None = None,
        kind: str | None = None,
        outcome: str = "",
        note: str = "",
        version: int = 1,
    ) -> dict[str, Any]:
        row = {
            "id": self.next_id("intervention"),
            "dossier_id": dossier_id,
            "scenario_id": scenario_id,
            "step_no": step.position if step else None,
            "step": step.name if step else self.manual_step,
            "status": status,
            "planned": planned,
            "done": done,
            "type": kind or (step.type if step else "other"),
            "contact": contact,
            "note": note,
            "outcome": outcome,
            "promise_date": None,
            "promise_amount": None,
            "done_by": done_by,
            "version": version,
        }
        rows.interventions.append(row)
        return row

    def customer(self, c: int, rows: _Rows) -> None:
        rng = random.Random(self.seed * 1_000_003 + c)
        ident = self.names.identity(rng, rng.random() < 0.06)
        customer_id = self.next_id("customer")
        customer = {
            "id": customer_id,
            **ident.columns(),
            "risk_code": None,
            "version": 1,
            # What engine.search_keys keeps on the ORM path.
            "search_key": customer_key(ident.code, ident.name),
        }
        rows.customers.append(customer)
        contact_id, contact_name = None, ""
        for person in ident.contacts:
            row_id = self.next_id("contact")
            rows.contacts.append(
                {"id": row_id, "customer_id": customer_id, **person._asdict(), "version": 1}
            )
            if contact_id is None:
                contact_id, contact_name = row_id, person.name
        code = Lettering()
        terms = dt.timedelta(days=ident.terms)
        starts = self.starts[c]

        # Invoices paid on time (never overdue, so no dossier took them) and the current
        # ones not due yet: the customer's normal life around its dossiers.
        for _index in range(len(starts) * rng.choice((1, 1, 2, 2, 3))):
            day = self.days.previous(self.today - dt.timedelta(days=rng.randint(10, 400)))
            cents = invoice_cents(rng, ident.consumer)
            paid_on = min(self.today, day + terms - dt.timedelta(days=rng.randint(0, 10)))
            group = code()
            _id, number = self.sale(
                rows,
                customer_id,
                "invoice",
                day,
                cents,
                ident.short,
                due=day + terms,
                open_cents=0,
                code=group,
            )
            if rng.random() < 0.08:
                credit = cents * rng.randint(10, 30) // 100
                self.sale(
                    rows,
                    customer_id,
                    "credit_note",
                    paid_on,
                    credit,
                    ident.short,
                    due=paid_on,
                    open_cents=0,
                    code=group,
                    of=number,
                )
                cents -= credit
            self.transfer(
                rows, customer_id, paid_on, cents, group, payment_label(ident.short, number)
            )
        for _index in range(rng.choice((0, 0, 1, 1, 2))):
            day = self.today - dt.timedelta(days=rng.randint(0, ident.terms - 1))
            self.sale(
                rows,
                customer_id,
                "invoice",
                day,
                invoice_cents(rng, ident.consumer),
                ident.short,
                due=day + terms,
            )
        risk: str | None = None
        last_index = len(starts) - 1
        for j, start in enumerate(starts):
            low = starts[j - 1] if j else start - dt.timedelta(days=150)
            risk = self.dossier(
                rows,
                rng,
                customer_id,
                ident,
                self.dossier_ids[(c, j)],
                start,
                low,
                j == last_index,
                code,
                (contact_id, contact_name),
                risk,
            )
        if risk is not None:
            customer["risk_code"] = risk
            customer["version"] = 2  # the services bump it once, when the risk changes

    def dossier(
        self,
        rows: _Rows,
        rng: random.Random,
        customer_id: int,
        ident: Identity,
        dossier_id: int,
        start: dt.date,
        low: dt.date,
        latest: bool,
        code: Lettering,
        contact: tuple[int | None, str],
        risk: str | None,
    ) -> str | None:
        """One dossier as opening it on ``start`` and working it since would have left it.
        Takes and returns the customer's risk code, which a done step may change."""
        key = "builtin" if rng.random() < 0.75 else "courtesy"
        scenario_id, steps = self.scenarios[key]
        case = _Case(
            dossier_id,
            f"D{self.sequence + dossier_id - self.first_id:06d}",
            customer_id,
            ident,
            self.agents[dossier_id % len(self.agents)],
            contact[1],
        )
        self.take(rows, rng, case, start, low)
        # Where the agent got to: the steps done so far, then the one to do.
        k_target = (
            rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 6, 7, 7, 8, 9, 10, 10))
            if key == "builtin"
            else rng.choice((0, 1, 1, 2, 2, 3))
        )
        if rng.random() < 0.35:
            k_target = len(steps)  # an agent up to date: every step done once it fell due
        elif (self.today - start).days > 90:
            # Months-old dossiers have mostly been worked to the end of their scenario.
            k_target = max(k_target, len(steps) - rng.choice((0, 0, 1, 2, 3)))
        base = last = start
        todo: dict[str, Any] | None = None
        for position, step in enumerate(steps):
            planned = self.days.plan(base, step.delay)
            act = self.days.acted(planned, rng)
            if position >= k_target or act > self.today:
                todo = self.intervention(
                    rows, case.id, scenario_id, step, planned, "todo", None, case.contact
                )
                break
            skip = step.skippable and rng.random() < 0.1
            done = self.intervention(
                rows,
                case.id,
                scenario_id,
                step,
                planned,
                "skipped" if skip else "done",
                act,
                case.contact,
                done_by=case.agent,
                version=2,
            )
            if not skip and step.effects:
                risk = step.risk or risk
                self.apply(rows, case, step, act, done["id"])
            base = last = act
        if rng.random() < 0.1:
            kind, note = rng.choice(MANUAL)
            day = self.days.next(start + dt.timedelta(days=rng.randint(0, (last - start).days)))
            self.intervention(
                rows,
                case.id,
                None,
                None,
                min(day, last),
                "done",
                min(day, last),
                case.contact,
                done_by=case.agent,
                kind=kind,
                note=note,
                version=2,
            )
        dossier: dict[str, Any] = {
            "id": case.id,
            "number": case.number,
            "customer_id": customer_id,
            "created": start,
            "reason": rng.choice(REASONS),
            "scenario_id": scenario_id,
            "agent": case.agent,
            "main_contact_id": contact[0],
            "status": "open",
            "pause_until": None,
            "pause_reason": "",
            "promise_amount": None,
            "provision": case.provision,
            "principal": case.owed,
            "charges": case.charges,
            "closed_on": None,
            "close_reason": "",
            "version": 1,
            "search_key": dossier_key(case.number, case.ident.code, case.ident.name),
        }
        roll = rng.random()
        closed, paused = (0.88, 0.75) if latest else (0.70, 0.58)
        if roll >= closed:
            # The customer paid all the dossier claimed; the daily pass closed it that day.
            day = min(self.today, self.days.next(last + dt.timedelta(days=rng.randint(1, 20))))
            self.pay(rows, case, code(), day, case.owed, {item[0]: 0 for item in case.principal})
            dossier.update(
                status="closed", principal=0, closed_on=day, close_reason=SETTLED_REASON, version=2
            )
            if todo is not None:
                todo.update(status="skipped", done=day, outcome=self.closed_outcome, version=2)
        else:
            if rng.random() < 0.1:
                # A partial payment lettered to the largest invoice lowers the principal.
                day = min(self.today, self.days.next(last + dt.timedelta(days=rng.randint(0, 6))))
                entry_id, cents, _due, _number = max(case.principal, key=lambda item: item[1])
                part = cents * rng.randint(25, 60) // 100
                self.pay(rows, case, code(), day, part, {entry_id: cents - part})
                dossier["principal"] = case.owed - part
            if roll >= paused:
                until = self.today + dt.timedelta(days=rng.randint(3, 45))
                promise = rng.random() < 0.6
                owed = dossier["principal"]
                dossier.update(
                    status="paused",
                    pause_until=until,
                    pause_reason=rng.choice(PROMISES if promise else DISPUTES),
                    promise_amount=(owed if rng.random() < 0.5 else owed // 2) if promise else None,
                    version=2,
                )
                floor = self.days.next(until + ONE)
                if todo is not None and todo["planned"] < floor:
                    todo.update(planned=floor, version=2)
        rows.dossiers.append(dossier)
        rows.links.extend({"dossier_id": case.id, "entry_id": i} for i in case.links)
        return risk

    def take(
        self, rows: _Rows, rng: random.Random, case: _Case, start: dt.date, low: dt.date
    ) -> None:
        """What opening on ``start`` takes: the invoices fallen due since the previous dossier
        opened on ``low`` (older ones went into that one), now and then an open credit note."""
        ident = case.ident
        terms = dt.timedelta(days=ident.terms)
        span = max(0, (start - low).days - 1)
        for _index in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))):
            due = low + dt.timedelta(days=rng.randint(0, span))
            day = due - terms
            cents = invoice_cents(rng, ident.consumer)
            entry_id, number = self.sale(
                rows, case.customer_id, "invoice", day, cents, ident.short, due=due
            )
            case.principal.append((entry_id, cents, due, number))
        case.principal.sort(key=lambda item: (item[2], item[0]))
        if rng.random() < 0.05 and span > 1:
            day = low + dt.timedelta(days=rng.randint(1, span))
            credit = max(1_000, case.owed * rng.randint(5, 30) // 100)
            entry_id, number = self.sale(
                rows, case.customer_id, "credit_note", day, credit, ident.short, due=day
            )
            case.principal.append((entry_id, -credit, day, number))
        case.links.extend(item[0] for item in case.principal)

    def pay(
        self,
        rows: _Rows,
        case: _Case,
        group: str,
        day: dt.date,
        cents: int,
        open_after: dict[int, int],
    ) -> None:
        """A bank payment lettered with ``open_after``'s entries, which are left that open."""
        wanted = dict(open_after)
        for row in reversed(rows.entries):  # they were generated moments ago
            if row["id"] in wanted:
                row["lettering"] = group
                row["open_amount"] = wanted.pop(row["id"])
                if not wanted:
                    break
        refs = " ".join(item[3] for item in case.principal if item[0] in open_after)
        self.transfer(
            rows, case.customer_id, day, cents, group, payment_label(case.ident.short, refs)
        )

    def apply(self, rows: _Rows, case: _Case, step: Step, day: dt.date, done_id: int) -> None:
        """A step's effects, in engine.effects.apply_step's order: penalties, fees, provision."""
        if step.penalties:
            self.charge(rows, case, day, done_id)
        if step.fees:
            case.links.append(
                self.entry(
                    rows,
                    case.customer_id,
                    "fee",
                    day,
                    step.fees,
                    due=day,
                    journal=CHARGE_JOURNAL,
                    piece=case.number,
                    label=charge_label(self.language, FEE_LABEL, step=step.name),
                    account=self.prefix,
                    source="collection",
                    key=f"fee:{done_id}",
                    intervention_id=done_id,
                )
            )
            case.charges += step.fees
        if step.loss_percent is not None:
            case.provision = to_cents(from_cents(case.owed) * step.loss_percent / 100)

    def charge(self, rows: _Rows, case: _Case, day: dt.date, done_id: int) -> None:
        """Late-payment interest and the indemnity, as engine.effects.charge_penalties does."""
        for entry_id, cents, due, number in case.principal:
            if cents <= 0 or due >= day:
                continue
            last_end, exact, charged = case.interest.get(entry_id, (None, Decimal(0), []))
            increment = penalty_increment(
                from_cents(cents), due, day, self.rates, last_end, exact, charged
            )
            if increment is not None:
                amount = to_cents(increment.amount)
                case.links.append(
                    self.entry(
                        rows,
                        case.customer_id,
                        "penalty",
                        day,
                        amount,
                        due=day,
                        journal=CHARGE_JOURNAL,
                        piece=case.number,
                        label=charge_label(
                            self.language,
                            PENALTY_LABEL,
                            ref=number,
                            start=increment.period_start.isoformat(),
                            end=increment.period_end.isoformat(),
                        ),
                        source="collection",
                        key=f"penalty:{entry_id}:{day.isoformat()}",
                        invoice_id=entry_id,
                        period=(increment.period_start, increment.period_end),
                        exact=str(increment.cumulative_exact),
                        intervention_id=done_id,
                    )
                )
                case.interest[entry_id] = (
                    increment.period_end,
                    increment.cumulative_exact,
                    [*charged, increment.amount],
                )
                case.charges += amount
            if not case.ident.consumer and self.indemnity > 0 and entry_id not in case.indemnified:
                case.indemnified.add(entry_id)
                case.links.append(
                    self.entry(
                        rows,
                        case.customer_id,
                        "indemnity",
                        day,
                        self.indemnity,
                        due=day,
                        journal=CHARGE_JOURNAL,
                        piece=case.number,
                        label=charge_label(self.language, INDEMNITY_LABEL, ref=number),
                        source="collection",
                        key=f"indemnity:{entry_id}",
                        invoice_id=entry_id,
                        intervention_id=done_id,
                    )
                )
                case.charges += self.indemnity

    def finish(self, conn: Connection) -> None:
        self.say(_("Dossier numbers, counters and history…"))
        conn.execute(
            sa_update(Sequence)
            .where(col(Sequence.name) == "dossier")
            .values(value=self.sequence + self.total)
        )
        if conn.dialect.name == "postgresql":
            # Ids were given here: move the serial sequences past them for later inserts.
            for name in ("customer", "contact", "entry", "dossier", "intervention"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {name}))"
                    )
                )
        conn.execute(
            insert(History),
            [
                {
                    "at": now(),
                    "login": self.login,
                    "table_name": "dossier",
                    "record_id": "demo",
                    "action": "demo",
                    "before": None,
                    "after": json.dumps(
                        {"dossiers": self.total, "customers": len(self.starts)}, sort_keys=True
                    ),
                }
            ],
        )
