"""``recouvrement demo``: fill a new database with a believable French company's receivables.

Two flavours:

- ``small`` (the default): ~300 customers, ~1,500 invoices with their payments, and ~120
  dossiers made by the real services (open, mark done or skipped, pause, the daily pass) on
  past dates, so that every dossier is exactly what the rules produce.
- ``large`` or a number N: N dossiers (large = 100,000) and about 10 entries per dossier,
  written with Core bulk inserts. The values are computed here the way the services would
  have made them (numbers, open amounts, charges, plans on working days), because the
  services would need hours for a million entries.

Everything is drawn from ``random.Random`` with a fixed seed and dates relative to ``today``:
the same call gives the same database.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, String, Table, func, insert, text
from sqlalchemy import update as sa_update
from sqlalchemy.sql.expression import TableClause, column, table
from sqlmodel import Session, col, select

from engine.access import Actor, add_user, authenticate, require_manager
from engine.balances import PRINCIPAL_KINDS, refresh_dossiers, refresh_open_amounts
from engine.calendar import WorkCalendar
from engine.context import Ctx
from engine.daily import run_daily
from engine.dossiers import SETTLED_REASON, open_dossier, pause
from engine.effects import CHARGE_JOURNAL
from engine.errors import UserError
from engine.history import now, record
from engine.i18n import _
from engine.interventions import add_manual, mark_done, mark_skipped
from engine.penalties import RateTable, penalty_increment
from engine.planning import current_todo
from engine.scenarios import BUILTIN_NAME, COURTESY, find_scenario, save_scenario, steps_of
from engine.settings import Settings, set_setting
from models.db import refresh_statistics, session_factory, transaction
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
from models.types import DecimalText, Money, to_money

SEED = 20260302
LARGE = 100_000
ZERO = Decimal("0.00")
ONE = dt.timedelta(days=1)
Progress = Callable[[str], None]

AGENTS = (
    ("mlefebvre", "Marie Lefebvre"),
    ("tgarnier", "Thomas Garnier"),
    ("sbenali", "Sofiane Benali"),
)
AUDITOR = ("cmoreau", "Claire Moreau")
COMPANY_NAME = "Morel Distribution SAS"


@dataclass
class DemoReport:
    customers: int
    entries: int
    dossiers: int
    interventions: int
    seconds: float


def parse_size(size: str | int) -> int | None:
    """None for the small demo, else the number of dossiers of the bulk flavour."""
    if isinstance(size, int) and not isinstance(size, bool):
        number: int | None = size
    else:
        value = str(size).strip().lower().replace("_", "").replace(",", "")
        if value == "small":
            return None
        number = LARGE if value == "large" else int(value) if value.isdigit() else None
    if number is None or number < 1:
        raise UserError(
            _("Unknown demo size {size!r}: expected small, large or a number of dossiers.").format(
                size=size
            )
        )
    return number


def build_demo(
    engine: Engine,
    login: str,
    today: dt.date,
    size: str | int = "small",
    progress: Progress | None = None,
    *,
    scale: float = 1.0,
    seed: int = SEED,
) -> DemoReport:
    """Fill an initialised, empty database with demo data (see the module docstring).

    ``scale`` shrinks or grows the small demo (tests use a fraction of it); ``login`` must be a
    manager and stays one.
    """
    started = time.perf_counter()
    say: Progress = progress or (lambda _message: None)
    dossiers = parse_size(size)
    factory = session_factory(engine)
    if dossiers is None:
        with transaction(factory) as session:
            _SmallDemo(session, login, today, scale, random.Random(seed), say).run()
    else:
        with transaction(factory) as session:
            _prepare(session, login)
        _LargeDemo(engine, login, today, dossiers, seed, say).run()
    with engine.begin() as conn:
        refresh_statistics(conn)
    say(_("Counting what the demo made…"))
    with engine.connect() as conn:

        def count(model: Any) -> int:
            return int(conn.execute(select(func.count()).select_from(model)).scalar_one())

        report = DemoReport(
            customers=count(Customer),
            entries=count(Entry),
            dossiers=count(Dossier),
            interventions=count(Intervention),
            seconds=round(time.perf_counter() - started, 2),
        )
    return report


def _prepare(session: Session, login: str) -> dict[str, Actor]:
    """Settings, people and the second scenario; refuses a database that already has data."""
    session.info["login"] = login
    actor = authenticate(session, login)
    require_manager(actor)
    if session.exec(select(Customer.id).limit(1)).first() is not None:
        raise UserError(
            _(
                "This database already holds customers: the demo fills a new database only "
                "(run `recouvrement --db NEW_FILE init` first)."
            )
        )
    set_setting(session, "open_access", "true")
    set_setting(session, "company_name", COMPANY_NAME)
    for agent, name in AGENTS:
        if agent != login:
            add_user(session, actor, agent, "agent", name)
    if AUDITOR[0] != login:
        add_user(session, actor, AUDITOR[0], "auditor", AUDITOR[1])
    save_scenario(session, COURTESY)
    return {user: authenticate(session, user) for user in (login, *(a for a, _n in AGENTS))}


# --- French identities --------------------------------------------------------------------

SURNAMES = (
    "Lefèvre", "Bénard", "Girard", "Mercier", "Fontaine", "Chevalier", "Rousseau", "Gauthier",
    "Lemaître", "Boucher", "Faure", "André", "Dumas", "Hébert", "Noël", "Perrin", "Barbier",
    "Brunet", "Roux", "Garnier", "Moreau", "Dupré", "Ménard", "Séguin", "Thébault", "Prévost",
    "Hervé", "Delépine", "Crémieux", "Lacroix", "Mathé", "Béranger", "Chrétien", "Géraud",
    "Pélissier", "Sénéchal", "Martin", "Bernard", "Dubois", "Durand", "Leroy", "Simon",
    "Laurent", "Michel", "Petit", "Richard", "Fournier", "Lambert", "Bonnet", "François",
    "Legrand", "Gérard", "Rolland", "Benali", "Haddad", "Nguyen", "Da Silva", "Ferreira",
    "Maréchal", "Lévêque", "Guérin", "Joubert", "Régnier", "Cordier", "Texier", "Lemoine",
    "Gaillard", "Poirier", "Besnard", "Collet", "Lebœuf", "Côté", "Bézier", "Ledoux",
)  # fmt: skip
FIRST_M = (
    "Jean", "Pierre", "Michel", "Philippe", "Nicolas", "Stéphane", "Frédéric", "Julien",
    "Sébastien", "Jérôme", "Thierry", "François", "Benoît", "Grégoire", "Loïc", "Hervé",
    "Rémi", "Cédric", "Mathéo", "Yanis", "Karim", "Théo",
)  # fmt: skip
FIRST_F = (
    "Marie", "Sophie", "Isabelle", "Nathalie", "Céline", "Hélène", "Émilie", "Sandrine",
    "Valérie", "Aurélie", "Chloé", "Léa", "Élodie", "Mélanie", "Anaïs", "Noémie", "Inès",
    "Agnès", "Bénédicte", "Laëtitia", "Gaëlle", "Zoé",
)  # fmt: skip
ACTIVITIES = (
    "Boulangerie", "Pâtisserie", "Menuiserie", "Ébénisterie", "Charpente", "Maçonnerie",
    "Plomberie", "Électricité", "Serrurerie", "Transports", "Garage", "Carrosserie",
    "Imprimerie", "Librairie", "Quincaillerie", "Brasserie", "Hôtel-Restaurant", "Traiteur",
    "Fromagerie", "Épicerie fine", "Cave", "Pharmacie", "Laboratoire", "Paysagiste",
    "Boucherie", "Charcuterie", "Optique", "Fleuriste", "Chauffage", "Couverture", "Peinture",
    "Vitrerie", "Scierie", "Métallerie", "Crêperie", "Bâtiment", "Négoce", "Tôlerie",
)  # fmt: skip
PREFIXES = ("Bâti", "Éco", "Méca", "Élec", "Agro", "Thermo", "Hydro", "Logi", "Géo", "Télé")
SUFFIXES = ("Services", "Concept", "Solutions", "Industrie", "Distribution", "Énergie", "Conseil")
REGIONS = (
    "Provence", "Bretagne", "Rhône", "Côte d'Azur", "Île-de-France", "Franche-Comté",
    "Hauts-de-France", "Périgord", "Loire", "Lorraine", "Sud-Ouest", "Cévennes", "Vendée",
)  # fmt: skip
FORMS = ("SARL", "SARL", "SARL", "SAS", "SAS", "SAS", "EURL", "EURL", "SA", "SASU", "SNC")
CITIES = (
    ("Paris", "75011", "1"), ("Lyon", "69003", "4"), ("Marseille", "13008", "4"),
    ("Toulouse", "31000", "5"), ("Nice", "06000", "4"), ("Nantes", "44000", "2"),
    ("Strasbourg", "67000", "3"), ("Montpellier", "34000", "4"), ("Bordeaux", "33000", "5"),
    ("Lille", "59000", "3"), ("Rennes", "35000", "2"), ("Reims", "51100", "3"),
    ("Saint-Étienne", "42000", "4"), ("Le Havre", "76600", "2"), ("Grenoble", "38000", "4"),
    ("Dijon", "21000", "3"), ("Angers", "49000", "2"), ("Nîmes", "30000", "4"),
    ("Clermont-Ferrand", "63000", "4"), ("Le Mans", "72000", "2"),
    ("Aix-en-Provence", "13100", "4"), ("Brest", "29200", "2"), ("Tours", "37000", "2"),
    ("Amiens", "80000", "3"), ("Limoges", "87000", "5"), ("Annecy", "74000", "4"),
    ("Perpignan", "66000", "4"), ("Besançon", "25000", "3"), ("Orléans", "45000", "2"),
    ("Rouen", "76000", "2"), ("Caen", "14000", "2"), ("Nancy", "54000", "3"),
    ("Béziers", "34500", "4"), ("Périgueux", "24000", "5"), ("Angoulême", "16000", "5"),
    ("Châteauroux", "36000", "2"), ("Évreux", "27000", "2"), ("Sète", "34200", "4"),
    ("Valence", "26000", "4"), ("Chambéry", "73000", "4"), ("Créteil", "94000", "1"),
    ("Boulogne-Billancourt", "92100", "1"), ("Montreuil", "93100", "1"),
    ("Versailles", "78000", "1"), ("Mâcon", "71000", "3"), ("Saint-Brieuc", "22000", "2"),
)  # fmt: skip
STREETS = (
    "rue de la République", "avenue Jean-Jaurès", "boulevard Gambetta", "rue Victor-Hugo",
    "place de l'Église", "chemin des Prés", "rue du Général-de-Gaulle", "allée des Tilleuls",
    "impasse des Lilas", "quai de la Loire", "rue Émile-Zola", "rue de l'Hôtel-de-Ville",
    "ZA des Érables", "route de Châteaubriant", "rue des Frères-Lumière", "avenue de la Gare",
    "rue Pasteur", "boulevard de la Libération", "rue des Écoles", "parc d'activités du Bréhat",
)  # fmt: skip
ROLES = (  # (for a man, for a woman)
    ("Comptable", "Comptable"),
    ("Responsable comptabilité", "Responsable comptabilité"),
    ("Gérant", "Gérante"),
    ("Directeur administratif et financier", "Directrice administrative et financière"),
    ("Assistant de direction", "Assistante de direction"),
    ("Responsable des achats", "Responsable des achats"),
    ("Trésorier", "Trésorière"),
)
MAIL_DOMAINS = ("orange.fr", "free.fr", "gmail.com", "laposte.net", "wanadoo.fr", "sfr.fr")
REASONS = (
    "Factures échues impayées",
    "Retards de paiement répétés",
    "Dépassement de l'encours autorisé",
    "Chèque revenu impayé",
    "Relances préventives restées sans réponse",
)
PROMISES = (
    "Promesse de règlement par virement",
    "Échéancier accepté : 3 mensualités",
    "Règlement annoncé à réception du paiement de son client",
    "Promesse de chèque, remise en banque prévue",
)
DISPUTES = (
    "Litige : marchandise non conforme",
    "Litige : livraison incomplète",
    "Litige : erreur de prix sur la facture",
    "Litige : prestation contestée",
    "Litige : avoir attendu pour retour de marchandise",
)
NOTES = {
    "phone": (
        "Messagerie : message laissé à la comptabilité",
        "Client joint : règlement annoncé sous huitaine",
        "Comptable absente, rappeler jeudi",
        "Le gérant dit avoir envoyé le virement, à vérifier",
        "Client joint : attend la validation de son directeur financier",
    ),
    "letter": ("Courrier envoyé par La Poste", "Relance envoyée avec le relevé de compte"),
    "email": ("E-mail envoyé à la comptabilité", "E-mail envoyé, accusé de lecture reçu"),
    "registered_letter": ("LRAR n° 1A 178 462 9031 5", "LRAR n° 1A 203 558 1174 2"),
    "legal": ("Requête en injonction de payer déposée au greffe du tribunal de commerce",),
    "other": ("Accusé de réception signé", "Avis de passage, courrier non réclamé"),
    "visit": ("Visite sur place avec le commercial",),
}
MANUAL = (
    ("email", "Envoi du relevé de compte demandé par la comptable"),
    ("phone", "Appel du commercial : le client conteste une livraison"),
    ("visit", "Visite sur place avec le commercial du secteur"),
    ("letter", "Envoi des duplicatas de factures"),
)


def _ascii(text_: str) -> str:
    text_ = text_.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text_) if not unicodedata.combining(c))


def _slug(text_: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in _ascii(text_).lower())
    return "-".join(part for part in cleaned.split("-") if part)


def _local(first: str, last: str) -> str:
    """The part of an e-mail address before the @: prenom.nom."""
    return f"{_slug(first)}.{_slug(last)}".replace("-", "")


def _siren(rng: random.Random) -> str:
    """Nine digits passing the Luhn check, as real SIRENs do."""
    digits = [rng.randint(3, 9)] + [rng.randrange(10) for _ in range(7)]
    total = 0
    for index, digit in enumerate(digits):
        value = digit * 2 if index % 2 == 1 else digit
        total += value - 9 if value > 9 else value
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _phone(rng: random.Random, prefix: str) -> str:
    return f"0{prefix} " + " ".join(f"{rng.randrange(100):02d}" for _ in range(4))


@dataclass(frozen=True)
class _Identity:
    code: str
    name: str
    short: str  # what bank statements show
    address: str
    siren: str
    email: str
    phone: str
    consumer: bool
    terms: int
    excluded: bool
    contacts: tuple[tuple[str, str, str, str], ...]  # name, role, email, phone


class _Names:
    """Customer identities; codes stay unique (Sage's CT_Num style: CLEFEVRE, CLEFEVRE2…)."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def code(self, key: str) -> str:
        letters = "".join(c for c in _ascii(key).upper() if c.isalpha())[:9]
        base = "C" + (letters or "CLIENT")
        count = self.used.get(base, 0) + 1
        self.used[base] = count
        return base if count == 1 else f"{base}{count}"

    def identity(self, rng: random.Random, consumer: bool) -> _Identity:
        city, postcode, area = rng.choice(CITIES)
        street = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
        address = f"{street}, {postcode} {city}"
        surname = rng.choice(SURNAMES)
        if consumer:
            female = rng.random() < 0.5
            first = rng.choice(FIRST_F if female else FIRST_M)
            name = f"{'Mme' if female else 'M.'} {first} {surname}"
            mail = f"{_local(first, surname)}@{rng.choice(MAIL_DOMAINS)}"
            return _Identity(
                self.code(surname + first[0]),
                name,
                _ascii(surname).upper(),
                address,
                "",
                mail,
                _phone(rng, rng.choice("67")),
                True,
                30,
                rng.random() < 0.1,
                (),
            )
        form = rng.choice(FORMS)
        pattern = rng.randrange(5)
        if pattern == 0:
            activity = rng.choice(ACTIVITIES)
            base, key, site = f"{activity} {surname}", surname, f"{activity}-{surname}"
        elif pattern == 1:
            base, key, site = f"Établissements {surname}", surname, f"ets-{surname}"
        elif pattern == 2:
            base, key, site = f"{surname} & Fils", surname, f"{surname}-et-fils"
        elif pattern == 3:
            other = rng.choice(SURNAMES)
            base, key, site = f"{surname}-{other}", surname + other, f"{surname}-{other}"
        else:
            word = rng.choice(PREFIXES) + rng.choice(SUFFIXES).lower()
            region = rng.choice(REGIONS)
            base, key, site = f"{word} {region}", word, f"{word}-{region}"
        domain = _slug(site) + ".fr"
        contacts = []
        for _index in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
            female = rng.random() < 0.55
            first = rng.choice(FIRST_F if female else FIRST_M)
            last = rng.choice(SURNAMES)
            contacts.append(
                (
                    f"{'Mme' if female else 'M.'} {first} {last}",
                    rng.choice(ROLES)[female],
                    f"{_local(first, last)}@{domain}",
                    _phone(rng, area),
                )
            )
        return _Identity(
            self.code(key),
            f"{base} {form}",
            _ascii(key).upper()[:20],
            address,
            _siren(rng),
            f"{rng.choice(('compta', 'contact', 'facturation', 'comptabilite'))}@{domain}",
            _phone(rng, area),
            False,
            rng.choice((30, 30, 30, 30, 30, 45, 45, 60)),
            rng.random() < 0.06,
            tuple(contacts),
        )


def _weighted_cents(rng: random.Random, consumer: bool) -> int:
    """An invoice amount in cents (integers only: money never passes through a float)."""
    if consumer:
        return rng.randint(4_000, 120_000)
    bucket = rng.randrange(100)
    if bucket < 30:
        return rng.randint(8_000, 50_000)
    if bucket < 75:
        return rng.randint(50_000, 250_000)
    if bucket < 95:
        return rng.randint(250_000, 1_000_000)
    return rng.randint(1_000_000, 4_500_000)


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _cents(amount: Decimal) -> int:
    return int(to_money(amount) * 100)


def _letters(index: int) -> str:
    """Lettering codes per customer account: AA, AB, …, ZZ, then AAA…"""
    width, start = 2, 0
    while index - start >= 26**width:
        start += 26**width
        width += 1
    value, out = index - start, ""
    for _index in range(width):
        value, rest = divmod(value, 26)
        out = chr(65 + rest) + out
    return out


class _Days:
    """Working-day arithmetic with memo tables (the bulk flavour plans ~700,000 steps)."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self._next: dict[dt.date, dt.date] = {}
        self._plan: dict[tuple[dt.date, int], dt.date] = {}

    def next(self, day: dt.date) -> dt.date:
        found = self._next.get(day)
        if found is None:
            found = self._next[day] = self.calendar.next_working_day(day)
        return found

    def previous(self, day: dt.date) -> dt.date:
        while not self.calendar.is_working_day(day):
            day -= dt.timedelta(days=1)
        return day

    def plan(self, base: dt.date, delay: int) -> dt.date:
        found = self._plan.get((base, delay))
        if found is None:
            found = self._plan[(base, delay)] = self.calendar.plan(base, delay)
        return found


@dataclass(frozen=True)
class _Step:
    position: int
    name: str
    delay: int
    type: str
    risk: str | None
    loss_percent: Decimal | None
    penalties: bool
    fees: int | None  # cents
    effects: bool


def _steps(session: Session, name: str) -> tuple[int, list[_Step]]:
    """A scenario's id and steps as plain values (ORM rows get expired by balance refreshes)."""
    scenario = find_scenario(session, name)
    return scenario.id or 0, [
        _Step(
            s.position,
            s.name,
            s.delay,
            s.type,
            s.risk,
            s.loss_percent,
            s.penalties,
            _cents(s.fees) if s.fees is not None else None,
            bool(s.risk or s.loss_percent is not None or s.penalties or s.fees),
        )
        for s in steps_of(session, scenario.id or 0)
    ]


# --- small: the real services on past dates ------------------------------------------------

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
AGENT_LAGS = (0, 0, 0, 0, 1, 1, 2, 3, 4, 7)


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
    identity: _Identity
    account: str
    pending: list[dict[str, Any]] = field(default_factory=list)
    codes: int = 0
    plan: _Plan | None = None

    def code(self) -> str:
        self.codes += 1
        return _letters(self.codes - 1)


class _SmallDemo:
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
        self.actors = _prepare(self.session, self.login)
        self.settings = Settings.load(self.session)
        self.calendar = WorkCalendar(self.settings.holiday_country, self.settings.business_days)
        self.days = _Days(self.calendar)
        self.account = self.settings.customer_account_prefix.ljust(6, "0")
        self.steps = {
            "builtin": _steps(self.session, BUILTIN_NAME)[1],
            "courtesy": _steps(self.session, COURTESY.name)[1],
        }
        self.scenario_names = {"builtin": BUILTIN_NAME, "courtesy": COURTESY.name}
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
        ctx.__dict__["calendar"] = self.calendar  # one calendar for the whole build
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
        names = _Names()
        count = max(dossiers + 10, round(300 * self.scale))
        identities = [names.identity(self.rng, self.rng.random() < 0.08) for _ in range(count)]
        rows = [
            Customer(
                code=ident.code,
                name=ident.name,
                address=ident.address,
                siren=ident.siren,
                email=ident.email,
                phone=ident.phone,
                payment_terms_days=ident.terms,
                consumer=ident.consumer,
                excluded_from_reminders=ident.excluded,
            )
            for ident in identities
        ]
        self.session.add_all(rows)
        self.session.flush()
        contacts = [
            Contact(customer_id=row.id or 0, name=name, role=role, email=email, phone=phone)
            for row, ident in zip(rows, identities, strict=True)
            for name, role, email, phone in ident.contacts
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
        amount = _money(cents)
        debit = amount if kind == "invoice" else ZERO
        credit = ZERO if kind == "invoice" else amount
        row = {
            "customer_id": customer.id,
            "journal": "VTE" if kind in ("invoice", "credit_note") else "BQ",
            "date": day,
            "piece": "",
            "invoice": "",
            "reference": "",
            "account": customer.account,
            "label": "",
            "due_date": due,
            "debit": debit,
            "credit": credit,
            "lettering": code,
            "kind": kind,
            "source": "manual",
            "source_key": f"demo:{self.keys:07d}",
            "reminder_count": 0,
            "excluded": False,
            "open_amount": debit - credit,
        }
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
            invoices.append((day, _weighted_cents(rng, ident.consumer)))
        if plan is not None and not any(day + terms < plan.start for day, _c in invoices):
            due = plan.start - dt.timedelta(days=rng.randint(3, 30))
            invoices.append((self.days.previous(due - terms), _weighted_cents(rng, ident.consumer)))
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
                cents = max(2_000, _cents(total) * rng.randint(5, 30) // 100)
                low = max(unpaid[0]["date"], plan.start - dt.timedelta(days=60))
                day = low + dt.timedelta(days=rng.randint(0, max(0, (plan.start - low).days - 1)))
                self.line(customer, "credit_note", day, cents, due=day, _refs=[])
        self.settle(customer, sorted(paid, key=lambda item: (item[0], item[1]["source_key"])))

    def partial(self, customer: _Customer, row: dict[str, Any], day: dt.date) -> None:
        code = customer.code()
        row["lettering"] = code
        cents = _cents(row["debit"]) * self.rng.randint(30, 70) // 100
        self.payment(customer, day, cents, code, [row])

    def settle(self, customer: _Customer, paid: list[tuple[dt.date, dict[str, Any]]]) -> None:
        """Lettered groups that balance: payments, grouped payments, credit notes, deposits."""
        rng = self.rng
        index = 0
        while index < len(paid):
            day, row = paid[index]
            cents = _cents(row["debit"])
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
                total = sum(_cents(item["debit"]) for item in group)
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
                row["label"] = f"Facture {row['invoice']} {short}"
            elif row["kind"] == "credit_note":
                refs = row.pop("_refs")
                row["label"] = (
                    f"Avoir {row['invoice']} s/ {refs[0]['invoice']}"
                    if refs
                    else f"Avoir {row['invoice']} geste commercial {short}"
                )
            elif row["kind"] == "payment":
                row["label"] = self.payment_label(row, short)

    def payment_label(self, row: dict[str, Any], short: str) -> str:
        refs = " ".join(ref["invoice"] for ref in row.pop("_refs"))
        mode = row.pop("_mode")
        if mode == "CHQ":
            text_ = f"Chq n° {row['reference']} {short} {refs}"
        elif mode == "LCR":
            text_ = f"LCR échue {short} {refs}"
        else:
            text_ = f"Vir. {short} {refs}" if refs else f"Vir. {short} règlement à imputer"
        return text_.strip()[:200]

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
        cents = _cents(invoice.open_amount) * self.rng.randint(25, 60) // 100
        row = self.payment(customer, day, cents, code, [{"invoice": invoice.invoice}])
        customer.pending.remove(row)
        row["label"] = self.payment_label(row, customer.identity.short)
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
            cents = sum(_cents(entry.open_amount) for entry in members)
            if cents > 0:
                refs = [{"invoice": e.invoice} for e in members if e.kind == "invoice"]
                row = self.payment(customer, day, cents, code, refs)
                customer.pending.remove(row)
                row["label"] = self.payment_label(row, customer.identity.short)
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
            self.scenario_names[plan.scenario],
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
            day = self.days.next(todo.planned + dt.timedelta(days=rng.choice(AGENT_LAGS)))
            if day > self.today:
                break
            self.feed(customer, day)
            if index == partial_at:
                self.pay_part(customer, dossier_id, day)
            ctx = self.at(plan.agent, day)
            if index == manual_at:
                kind, note = rng.choice(MANUAL)
                manual = add_manual(ctx, number, kind, day, note)
                mark_done(ctx, manual.id or 0, day)
            step = steps[todo.step_no - 1]
            if not step.effects and step.type == "phone" and rng.random() < 0.12:
                mark_skipped(ctx, todo.id or 0, day, note="Client injoignable, étape sautée")
            else:
                mark_done(ctx, todo.id or 0, day, note=rng.choice(NOTES[step.type]))
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
                mark_done(ctx, call.id or 0, day, outcome="Promesse de règlement")
                pause(ctx, number, until, rng.choice(PROMISES), amount)
            else:
                pause(ctx, number, until + dt.timedelta(days=20), rng.choice(DISPUTES))
        elif plan.manual and rng.random() < 0.5:
            # Something still to do besides the scenario: a call the agent set for later.
            day = self.days.next(self.today + dt.timedelta(days=rng.randint(1, 10)))
            ctx = self.at(plan.agent, self.today)
            add_manual(ctx, number, "phone", day, "Rappeler pour confirmer la date du virement")


# --- large: bulk inserts of what the services would have made ------------------------------


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
    ident: _Identity
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


class _LargeDemo:
    CHUNK = 1_500  # customers per batch (~4,500 dossiers, ~45,000 entries)
    BATCH = 20_000  # rows per INSERT … executemany

    def __init__(
        self, engine: Engine, login: str, today: dt.date, dossiers: int, seed: int, say: Progress
    ) -> None:
        self.engine = engine
        self.login = login
        self.today = today
        self.total = dossiers
        self.seed = seed
        self.say = say
        self.names = _Names()
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
        # One transaction: a failure leaves no half-filled database behind.
        with self.engine.begin() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # A big page cache keeps the scattered index inserts in memory; the pooled
                # connection gets SQLite's default back afterwards.
                conn.exec_driver_sql("PRAGMA cache_size=-262144")
            try:
                for first in range(0, len(self.starts), self.CHUNK):
                    rows = _Rows()
                    for index in range(first, min(first + self.CHUNK, len(self.starts))):
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
        with transaction(session_factory(self.engine)) as session:
            settings = Settings.load(session)
            self.calendar = WorkCalendar(settings.holiday_country, settings.business_days)
            self.days = _Days(self.calendar)
            self.prefix = settings.customer_account_prefix
            self.account = self.prefix.ljust(6, "0")
            self.indemnity = _cents(settings.indemnity_amount)
            ctx = Ctx.load(session, self.login, self.today)
            self.rates: RateTable = ctx.rates()
            self.scenarios = {
                "builtin": _steps(session, BUILTIN_NAME),
                "courtesy": _steps(session, COURTESY.name),
            }
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
                "customer_id": customer_id,
                "journal": journal,
                "date": day,
                "piece": piece,
                "invoice": invoice,
                "reference": "",
                "account": account or self.account,
                "label": label,
                "due_date": due,
                "debit": cents if debit else 0,
                "credit": 0 if debit else cents,
                "lettering": code,
                "kind": kind,
                "source": source,
                "source_key": key or f"demo:{entry_id:08d}",
                "reminder_count": 0,
                "excluded": False,
                "open_amount": signed if open_cents is None else open_cents,
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

    def intervention(
        self,
        rows: _Rows,
        dossier_id: int,
        scenario_id: int | None,
        step: _Step | None,
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
            "code": ident.code,
            "name": ident.name,
            "address": ident.address,
            "siren": ident.siren,
            "email": ident.email,
            "phone": ident.phone,
            "payment_terms_days": ident.terms,
            "risk_code": None,
            "consumer": ident.consumer,
            "excluded_from_reminders": ident.excluded,
            "version": 1,
        }
        rows.customers.append(customer)
        contact_id, contact_name = None, ""
        for name, role, email, phone in ident.contacts:
            row_id = self.next_id("contact")
            rows.contacts.append(
                {
                    "id": row_id,
                    "customer_id": customer_id,
                    "name": name,
                    "role": role,
                    "email": email,
                    "phone": phone,
                    "version": 1,
                }
            )
            if contact_id is None:
                contact_id, contact_name = row_id, name
        codes = 0
        terms = dt.timedelta(days=ident.terms)
        starts = self.starts[c]

        def code() -> str:
            nonlocal codes
            codes += 1
            return _letters(codes - 1)

        # Invoices paid on time (never overdue, so no dossier took them) and the current
        # ones not due yet: the customer's normal life around its dossiers.
        for _index in range(len(starts) * rng.choice((1, 1, 2, 2, 3))):
            day = self.days.previous(self.today - dt.timedelta(days=rng.randint(10, 400)))
            cents = _weighted_cents(rng, ident.consumer)
            number = self.number("F", day)
            label = f"Facture {number} {ident.short}"
            paid_on = min(self.today, day + terms - dt.timedelta(days=rng.randint(0, 10)))
            group = code()
            self.entry(
                rows,
                customer_id,
                "invoice",
                day,
                cents,
                open_cents=0,
                due=day + terms,
                code=group,
                journal="VTE",
                piece=number,
                invoice=number,
                label=label,
            )
            if rng.random() < 0.08:
                credit = cents * rng.randint(10, 30) // 100
                note = self.number("A", paid_on)
                self.entry(
                    rows,
                    customer_id,
                    "credit_note",
                    paid_on,
                    credit,
                    open_cents=0,
                    due=paid_on,
                    code=group,
                    journal="VTE",
                    piece=note,
                    invoice=note,
                    label=f"Avoir {note} s/ {number}",
                )
                cents -= credit
            self.entry(
                rows,
                customer_id,
                "payment",
                paid_on,
                cents,
                open_cents=0,
                due=paid_on,
                code=group,
                piece=f"VIR{self.counters['entry'] + 1:08d}",
                label=f"Vir. {ident.short} {number}",
            )
        for _index in range(rng.choice((0, 0, 1, 1, 2))):
            day = self.today - dt.timedelta(days=rng.randint(0, ident.terms - 1))
            number = self.number("F", day)
            self.entry(
                rows,
                customer_id,
                "invoice",
                day,
                _weighted_cents(rng, ident.consumer),
                due=day + terms,
                journal="VTE",
                piece=number,
                invoice=number,
                label=f"Facture {number} {ident.short}",
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
        ident: _Identity,
        dossier_id: int,
        start: dt.date,
        low: dt.date,
        latest: bool,
        code: Callable[[], str],
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
            act = self.days.next(planned + dt.timedelta(days=rng.choice(AGENT_LAGS)))
            if position >= k_target or act > self.today:
                todo = self.intervention(
                    rows, case.id, scenario_id, step, planned, "todo", None, case.contact
                )
                break
            skip = not step.effects and step.type == "phone" and rng.random() < 0.1
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
            cents = _weighted_cents(rng, ident.consumer)
            number = self.number("F", day)
            entry_id = self.entry(
                rows,
                case.customer_id,
                "invoice",
                day,
                cents,
                due=due,
                journal="VTE",
                piece=number,
                invoice=number,
                label=f"Facture {number} {ident.short}",
            )
            case.principal.append((entry_id, cents, due, number))
        case.principal.sort(key=lambda item: (item[2], item[0]))
        if rng.random() < 0.05 and span > 1:
            day = low + dt.timedelta(days=rng.randint(1, span))
            credit = max(1_000, case.owed * rng.randint(5, 30) // 100)
            number = self.number("A", day)
            entry_id = self.entry(
                rows,
                case.customer_id,
                "credit_note",
                day,
                credit,
                due=day,
                journal="VTE",
                piece=number,
                invoice=number,
                label=f"Avoir {number} geste commercial {ident.short}",
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
        self.entry(
            rows,
            case.customer_id,
            "payment",
            day,
            cents,
            open_cents=0,
            due=day,
            code=group,
            piece=f"VIR{self.counters['entry'] + 1:08d}",
            label=f"Vir. {case.ident.short} {refs}"[:200],
        )

    def apply(self, rows: _Rows, case: _Case, step: _Step, day: dt.date, done_id: int) -> None:
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
                    label=_("Collection fees: {step}").format(step=step.name)[:200],
                    account=self.prefix,
                    source="collection",
                    key=f"fee:{done_id}",
                    intervention_id=done_id,
                )
            )
            case.charges += step.fees
        if step.loss_percent is not None:
            case.provision = _cents(_money(case.owed) * step.loss_percent / 100)

    def charge(self, rows: _Rows, case: _Case, day: dt.date, done_id: int) -> None:
        """Late-payment interest and the indemnity, as engine.effects.charge_penalties does."""
        for entry_id, cents, due, number in case.principal:
            if cents <= 0 or due >= day:
                continue
            last_end, exact, charged = case.interest.get(entry_id, (None, Decimal(0), []))
            increment = penalty_increment(
                _money(cents), due, day, self.rates, last_end, exact, charged
            )
            if increment is not None:
                amount = _cents(increment.amount)
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
                        label=_("Late-payment interest {ref} {start} → {end}").format(
                            ref=number,
                            start=increment.period_start.isoformat(),
                            end=increment.period_end.isoformat(),
                        )[:200],
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
                        label=_("Fixed recovery indemnity {ref}").format(ref=number)[:200],
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
            .where(Sequence.name == "dossier")  # type: ignore[arg-type]
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
