"""The small demo: ~300 customers, ~1,500 invoices with their payments, and ~120 dossiers made
by the real services (open, mark done or skipped, pause, the daily pass) on past dates, so that
every dossier is exactly what the rules produce."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from engine.balances import PRINCIPAL_KINDS, refresh_dossiers, refresh_open_amounts
from engine.context import Ctx
from engine.daily import run_daily
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
from engine.demo.prepare import AGENTS, Progress, prepare
from engine.demo.schedule import ONE, SCENARIOS, Days, scenarios
from engine.demo.wording import DISPUTES, MANUAL, NOTES, PROMISES, REASONS
from engine.dossiers import open_dossier, pause
from engine.history import record
from engine.i18n import _
from engine.interventions import add_manual, mark_done, mark_skipped
from engine.planning import current_todo
from engine.settings import Settings
from models.tables import Contact, Customer, Dossier, DossierEntry, Entry
from models.types import to_money

ZERO = Decimal("0.00")

# (stage, scenario, fewest steps walked, most steps walked, dossiers out of ~120)
STAGES = (
    ("fresh", "builtin", 0, 0, 8),
    ("fresh", "courtesy", 0, 0, 4),
    ("walk", "builtin", 1, 6, 30),
    ("walk", "builtin", 7, 9, 18),
    ("walk", "builtin", 10, 10, 8),
    ("walk", "courtesy", 1, 2, 10),
    ("walk", "courtesy", 3, 3, 6),
    ("promise", "builtin", 2, 8, 7),
    ("promise", "courtesy", 1, 2, 3),
    ("dispute", "builtin", 1, 8, 8),
    ("closed", "builtin", 2, 9, 12),
    ("closed", "courtesy", 1, 3, 6),
)


@dataclass
class _Plan:
    customer: _Customer
    stage: str
    scenario: str
    steps: int
    start: dt.date
    agent: str
    partial: bool
    manual: bool


@dataclass
class _Customer:
    id: int
    identity: Identity
    account: str
    pending: list[dict[str, Any]] = field(default_factory=list)
    code: Lettering = field(default_factory=Lettering)
    plan: _Plan | None = None


class SmallDemo:
    def __init__(
        self,
        session: Session,
        login: str,
        today: dt.date,
        scale: float,
        rng: random.Random,
        say: Progress,
    ) -> None:
        self.session = session
        self.login = login
        self.today = today
        self.scale = scale
        self.rng = rng
        self.say = say
        self.keys = 0
        self.bank = 0
        self.booked = 0

    def run(self) -> None:
        self.say(_("Settings, users and scenarios…"))
        self.actors = prepare(self.session, self.login, self.today)
        self.settings = Settings.load(self.session)
        self.days = Days.of(self.settings)
        self.account = customer_account(self.settings)
        self.steps = {key: steps for key, (_id, steps) in scenarios(self.session).items()}
        counts = [max(1, round(stage[-1] * self.scale)) for stage in STAGES]
        self.say(_("Customers and contacts…"))
        customers = self.make_customers(sum(counts))
        self.make_plans(customers, counts)
        self.say(_("Invoices, payments, credit notes and deposits…"))
        for customer in customers:
            self.make_ledger(customer)
        self.number_pieces(customers)
        for customer in customers:
            if customer.plan is None:
                self.feed(customer, self.today)
        plans = sorted(
            (c.plan for c in customers if c.plan is not None),
            key=lambda plan: (plan.start, plan.customer.id),
        )
        for index, plan in enumerate(plans, start=1):
            if index % 20 == 0 or index == len(plans):
                self.say(_("Dossier {n} of {total}…").format(n=index, total=len(plans)))
            self.play(plan)
        record(self.session, "entry", "demo", "import", {"entries": self.booked})
        self.say(_("Daily pass…"))
        run_daily(self.at(self.login, self.today))

    def at(self, login: str, day: dt.date) -> Ctx:
        """The context of ``login`` acting on ``day`` (history records that login)."""
        self.session.info["login"] = login
        ctx = Ctx(self.session, self.actors[login], day, self.settings)
        ctx.__dict__["calendar"] = self.days.calendar  # one calendar for the whole build
        return ctx

    # -- plans and customers

    def make_plans(self, customers: list[_Customer], counts: list[int]) -> None:
        """Which customers have a dossier, from when, and how far it got (STAGES)."""
        rng = self.rng
        agents = [agent for agent, _name in AGENTS if agent in self.actors] or [self.login]
        chosen = rng.sample(customers, sum(counts))
        stages = [stage for stage, count in zip(STAGES, counts, strict=True) for _ in range(count)]
        for index, (customer, (stage, scenario, low, high, _count)) in enumerate(
            zip(chosen, stages, strict=True)
        ):
            steps = rng.randint(low, high)
            # Enough past days for the walk (weekends, agents' lags) and for what follows it
            # (a payment, a pause).
            need = sum(step.delay for step in self.steps[scenario][:steps]) * 3 // 2 + 2 * steps
            if stage == "fresh":
                start = self.today - dt.timedelta(days=rng.randint(0, 3))
            else:
                extra = 8 if stage in ("closed", "promise", "dispute") else 0
                start = self.today - dt.timedelta(days=need + extra + rng.randint(1, 20))
            customer.plan = _Plan(
                customer,
                stage,
                scenario,
                steps,
                self.days.previous(start),
                agents[index % len(agents)],
                stage != "fresh" and rng.random() < 0.25,
                stage != "fresh" and rng.random() < 0.3,
            )

    def make_customers(self, dossiers: int) -> list[_Customer]:
        names = Names()
        count = max(dossiers + 10, round(300 * self.scale))
        identities = [names.identity(self.rng, self.rng.random() < 0.08) for _ in range(count)]
        rows = [Customer(**ident.columns()) for ident in identities]
        self.session.add_all(rows)
        self.session.flush()
        contacts = [
            Contact(customer_id=row.id or 0, **person._asdict())
            for row, ident in zip(rows, identities, strict=True)
            for person in ident.contacts
        ]
        self.session.add_all(contacts)
        self.session.flush()
        return [
            _Customer(row.id or 0, ident, self.account)
            for row, ident in zip(rows, identities, strict=True)
        ]

    # -- the ledger: lines generated ahead, booked in date order

    def line(
        self,
        customer: _Customer,
        kind: str,
        day: dt.date,
        cents: int,
        *,
        due: dt.date | None = None,
        code: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        self.keys += 1
        amount = from_cents(cents)
        debit = amount if kind == "invoice" else ZERO
        credit = ZERO if kind == "invoice" else amount
        row = entry_row(
            customer.id,
            kind,
            day,
            debit,
            credit,
            debit - credit,
            journal="VTE" if kind in ("invoice", "credit_note") else "BQ",
            account=customer.account,
            key=f"demo:{self.keys:07d}",
            due=due,
            code=code,
        )
        row.update(extra)
        customer.pending.append(row)
        return row

    def payment(
        self,
        customer: _Customer,
        day: dt.date,
        cents: int,
        code: str | None,
        refs: list[dict[str, Any]],
    ) -> dict[str, Any]:
        self.bank += 1
        mode = self.rng.choice(("VIR", "VIR", "VIR", "VIR", "VIR", "VIR", "CHQ", "CHQ", "LCR"))
        reference = {"VIR": "Virement SEPA", "CHQ": f"{self.rng.randint(1000000, 9999999)}"}
        return self.line(
            customer,
            "payment",
            day,
            cents,
            due=day,
            code=code,
            piece=f"{mode}{self.bank:06d}",
            reference=reference.get(mode, "LCR"),
            _mode=mode,
            _refs=refs,
        )

    def make_ledger(self, customer: _Customer) -> None:
        rng, ident, plan = self.rng, customer.identity, customer.plan
        terms = dt.timedelta(days=ident.terms)
        invoices = []
        for _index in range(rng.choice((1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 8, 9, 10))):
            day = self.days.previous(self.today - dt.timedelta(days=rng.randint(3, 270)))
            invoices.append((day, invoice_cents(rng, ident.consumer)))
        if plan is not None and not any(day + terms < plan.start for day, _c in invoices):
            due = plan.start - dt.timedelta(days=rng.randint(3, 30))
            invoices.append((self.days.previous(due - terms), invoice_cents(rng, ident.consumer)))
        invoices.sort()
        rows = [
            self.line(
                customer, "invoice", day, cents, due=day + terms, excluded=rng.random() < 0.02
            )
            for day, cents in invoices
        ]
        paid: list[tuple[dt.date, dict[str, Any]]] = []
        if plan is None:
            late = rng.random() < 0.3
            for row in rows:
                lag = rng.randint(5, 75) if late else rng.randint(-8, 6)
                day = self.days.next(row["due_date"] + dt.timedelta(days=lag))
                if day <= self.today:
                    if late and rng.random() < 0.08:
                        self.partial(customer, row, day)
                    else:
                        paid.append((day, row))
            if rng.random() < 0.04:
                day = self.today - dt.timedelta(days=rng.randint(5, 120))
                self.payment(
                    customer, self.days.previous(day), rng.randint(5_000, 80_000), None, []
                )
        else:
            overdue = [row for row in rows if row["due_date"] < plan.start]
            unpaid = overdue[-rng.randint(1, min(3, len(overdue))) :]
            for row in unpaid:
                row["excluded"] = False  # the dossier collects them: not disputed ones
            for row in rows:
                if row in unpaid:
                    continue
                if row["due_date"] < plan.start:
                    # Paid late, but before the dossier opened: it is not part of it.
                    day = self.days.next(row["due_date"] + dt.timedelta(days=rng.randint(0, 35)))
                    day = max(row["date"] + ONE, min(day, plan.start - ONE))
                elif rng.random() < 0.8:
                    day = self.days.next(row["due_date"] + dt.timedelta(days=rng.randint(0, 25)))
                else:
                    continue
                if day <= self.today:
                    paid.append((day, row))
            if rng.random() < 0.12:
                # An open credit note the dossier takes along (§3).
                total = sum(row["debit"] for row in unpaid)
                cents = max(2_000, to_cents(total) * rng.randint(5, 30) // 100)
                low = max(unpaid[0]["date"], plan.start - dt.timedelta(days=60))
                day = low + dt.timedelta(days=rng.randint(0, max(0, (plan.start - low).days - 1)))
                self.line(customer, "credit_note", day, cents, due=day, _refs=[])
        self.settle(customer, sorted(paid, key=lambda item: (item[0], item[1]["source_key"])))

    def partial(self, customer: _Customer, row: dict[str, Any], day: dt.date) -> None:
        code = customer.code()
        row["lettering"] = code
        cents = to_cents(row["debit"]) * self.rng.randint(30, 70) // 100
        self.payment(customer, day, cents, code, [row])

    def settle(self, customer: _Customer, paid: list[tuple[dt.date, dict[str, Any]]]) -> None:
        """Lettered groups that balance: payments, grouped payments, credit notes, deposits."""
        rng = self.rng
        index = 0
        while index < len(paid):
            day, row = paid[index]
            cents = to_cents(row["debit"])
            code = customer.code()
            row["lettering"] = code
            roll = rng.random()
            if roll < 0.06:
                note_day = min(day, row["date"] + dt.timedelta(days=rng.randint(3, 20)))
                credit = cents * rng.randint(10, 30) // 100
                self.line(
                    customer, "credit_note", note_day, credit, due=note_day, code=code, _refs=[row]
                )
                self.payment(customer, day, cents - credit, code, [row])
            elif roll < 0.08:
                note_day = min(day, row["date"] + dt.timedelta(days=rng.randint(3, 20)))
                self.line(
                    customer, "credit_note", note_day, cents, due=note_day, code=code, _refs=[row]
                )
            elif roll < 0.11:
                deposit = cents * 3 // 10
                paid_on = self.days.previous(row["date"] - dt.timedelta(days=rng.randint(2, 15)))
                self.line(
                    customer,
                    "deposit",
                    paid_on,
                    deposit,
                    due=paid_on,
                    code=code,
                    piece=f"ACP{self.keys:06d}",
                    label=f"Acompte s/ commande {customer.identity.short}",
                )
                self.payment(customer, day, cents - deposit, code, [row])
            else:
                group = [row]
                # One transfer for several invoices, as customers often pay a statement.
                while (
                    index + 1 < len(paid)
                    and len(group) < 4
                    and (paid[index + 1][0] - day).days <= 10
                    and rng.random() < 0.25
                ):
                    index += 1
                    day, other = paid[index]
                    other["lettering"] = code
                    group.append(other)
                total = sum(to_cents(item["debit"]) for item in group)
                self.payment(customer, day, total, code, group)
            index += 1

    def number_pieces(self, customers: list[_Customer]) -> None:
        """Invoice and credit-note numbers follow their dates, per year, as a sales journal."""
        rows = [row for customer in customers for row in customer.pending]
        rows.sort(key=lambda row: (row["date"], row["source_key"]))
        counters: dict[tuple[str, int], int] = {}
        for row in rows:
            prefix = {"invoice": "F", "credit_note": "A"}.get(row["kind"])
            if prefix:
                counters[(prefix, row["date"].year)] = number = (
                    counters.get((prefix, row["date"].year), 0) + 1
                )
                row["piece"] = row["invoice"] = f"{prefix}{row['date'].year}-{number:05d}"
        shorts = {customer.id: customer.identity.short for customer in customers}
        for row in rows:
            short = shorts[row["customer_id"]]
            if row["kind"] == "invoice":
                row["label"] = invoice_label(row["invoice"], short)
            elif row["kind"] == "credit_note":
                refs = row.pop("_refs")
                row["label"] = credit_label(
                    row["invoice"], short, refs[0]["invoice"] if refs else None
                )
            elif row["kind"] == "payment":
                row["label"] = self.label_payment(row, short)

    def label_payment(self, row: dict[str, Any], short: str) -> str:
        """The label of a payment line, from the invoices and the mode noted when it was made."""
        refs = " ".join(ref["invoice"] for ref in row.pop("_refs"))
        return payment_label(short, refs, row.pop("_mode"), row["reference"])

    def feed(self, customer: _Customer, day: dt.date) -> None:
        """Book the customer's lines dated up to ``day``, as the accounting import would."""
        ready = [row for row in customer.pending if row["date"] <= day]
        if not ready:
            return
        customer.pending = [row for row in customer.pending if row["date"] > day]
        self.insert(customer, ready)

    def insert(self, customer: _Customer, rows: list[dict[str, Any]]) -> None:
        self.session.flush()
        self.session.execute(insert(Entry), rows)
        self.booked += len(rows)
        refresh_open_amounts(self.session, customer.id)
        dossier_ids = list(
            self.session.exec(select(Dossier.id).where(Dossier.customer_id == customer.id)).all()
        )
        refresh_dossiers(self.session, [i for i in dossier_ids if i is not None])

    def open_entries(self, dossier_id: int) -> list[Entry]:
        return list(
            self.session.exec(
                select(Entry)
                .join(DossierEntry, col(DossierEntry.entry_id) == col(Entry.id))
                .where(
                    DossierEntry.dossier_id == dossier_id,
                    col(Entry.kind).in_(PRINCIPAL_KINDS),
                    Entry.open_amount != 0,
                )
                .order_by(col(Entry.due_date), col(Entry.id))
            )
        )

    def pay_part(self, customer: _Customer, dossier_id: int, day: dt.date) -> None:
        """A partial payment lettered to one of the dossier's invoices: the principal drops."""
        invoices = [
            e for e in self.open_entries(dossier_id) if e.kind == "invoice" and not e.lettering
        ]
        if not invoices:
            return
        invoice = max(invoices, key=lambda entry: entry.open_amount)
        code = customer.code()
        invoice.lettering = code
        invoice.version += 1
        cents = to_cents(invoice.open_amount) * self.rng.randint(25, 60) // 100
        row = self.payment(customer, day, cents, code, [{"invoice": invoice.invoice}])
        customer.pending.remove(row)
        row["label"] = self.label_payment(row, customer.identity.short)
        self.insert(customer, [row])

    def pay_all(self, customer: _Customer, dossier_id: int, day: dt.date) -> None:
        """Payments lettered to everything the dossier still claims: its principal is 0."""
        entries = self.open_entries(dossier_id)
        groups: dict[str | None, list[Entry]] = {}
        for entry in entries:
            groups.setdefault(entry.lettering, []).append(entry)
        rows = []
        for existing, members in groups.items():
            code = existing or customer.code()
            for entry in members:
                if entry.lettering != code:
                    entry.lettering = code
                    entry.version += 1
            cents = sum(to_cents(entry.open_amount) for entry in members)
            if cents > 0:
                refs = [{"invoice": e.invoice} for e in members if e.kind == "invoice"]
                row = self.payment(customer, day, cents, code, refs)
                customer.pending.remove(row)
                row["label"] = self.label_payment(row, customer.identity.short)
                rows.append(row)
        if rows:
            self.insert(customer, rows)

    # -- one dossier's life, played on its own dates

    def play(self, plan: _Plan) -> None:
        rng, session, customer = self.rng, self.session, plan.customer
        self.feed(customer, plan.start)
        dossier = open_dossier(
            self.at(self.login, plan.start),
            customer.identity.code,
            SCENARIOS[plan.scenario],
            agent=plan.agent,
            reason=rng.choice(REASONS),
            start=plan.start,
        )
        number, dossier_id = dossier.number, dossier.id or 0
        steps = self.steps[plan.scenario]
        partial_at = rng.randrange(plan.steps) if plan.partial and plan.steps else -1
        manual_at = rng.randrange(plan.steps) if plan.manual and plan.steps else -1
        last = plan.start
        for index in range(plan.steps):
            todo = current_todo(session, dossier_id)
            if todo is None or todo.step_no is None:
                break
            day = self.days.acted(todo.planned, rng)
            if day > self.today:
                break
            self.feed(customer, day)
            if index == partial_at:
                self.pay_part(customer, dossier_id, day)
            ctx = self.at(plan.agent, day)
            if index == manual_at:
                kind, note = rng.choice(MANUAL)
                manual = add_manual(ctx, number, kind, day, note)
                mark_done(ctx, manual.id or 0, day, documents=False)
            step = steps[todo.step_no - 1]
            if step.skippable and rng.random() < 0.12:
                mark_skipped(ctx, todo.id or 0, day, note="Client injoignable, étape sautée")
            else:
                mark_done(
                    ctx, todo.id or 0, day, note=rng.choice(NOTES[step.type]), documents=False
                )
            last = day
        self.finish(plan, number, dossier_id, last)
        self.feed(customer, self.today)

    def finish(self, plan: _Plan, number: str, dossier_id: int, last: dt.date) -> None:
        rng, customer = self.rng, plan.customer
        if plan.stage == "closed":
            day = min(self.today, self.days.next(last + dt.timedelta(days=rng.randint(1, 12))))
            self.feed(customer, day)
            self.pay_all(customer, dossier_id, day)
            run_daily(self.at(self.login, day))  # closes it, as the daily pass does
        elif plan.stage in ("promise", "dispute"):
            day = min(self.today, self.days.next(last + dt.timedelta(days=rng.randint(0, 4))))
            self.feed(customer, day)
            ctx = self.at(plan.agent, day)
            until = self.today + dt.timedelta(days=rng.randint(5, 40))
            if plan.stage == "promise":
                principal = self.session.get(Dossier, dossier_id).principal  # type: ignore[union-attr]
                amount = principal if rng.random() < 0.5 else to_money(principal / 2)
                call = add_manual(
                    ctx,
                    number,
                    "phone",
                    day,
                    f"Promesse de règlement de {amount} € pour le {until:%d/%m/%Y}",
                    promise_date=until,
                    promise_amount=amount,
                )
                mark_done(ctx, call.id or 0, day, outcome="Promesse de règlement", documents=False)
                pause(ctx, number, until, rng.choice(PROMISES), amount)
            else:
                pause(ctx, number, until + dt.timedelta(days=20), rng.choice(DISPUTES))
        elif plan.manual and rng.random() < 0.5:
            # Something still to do besides the scenario: a call the agent set for later.
            day = self.days.next(self.today + dt.timedelta(days=rng.randint(1, 10)))
            ctx = self.at(plan.agent, self.today)
            add_manual(ctx, number, "phone", day, "Rappeler pour confirmer la date du virement")
