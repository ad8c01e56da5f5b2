"""Company settings: the keys, their types, defaults and validation."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from engine import identity
from engine.calendar import check_country
from engine.errors import UserError
from engine.i18n import LANGUAGES, N_, _
from engine.parsing import InvalidNumber, parse_amount, parse_percent
from models.tables import Setting

if TYPE_CHECKING:
    from engine.access import Actor

MAX_DAYS = 3650  # day counts (reminder period, payment terms): ten years at most
MAX_TEXT = 400  # the width of Setting.value


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "1", "on", "oui", "vrai"):
        return True
    if lowered in ("false", "no", "0", "off", "non", "faux"):
        return False
    raise ValueError(_("expected true or false"))


def _int_ge0(value: str) -> int:
    text = value.strip()
    # ASCII digits only: int() would also take "1_000", "+5" or other scripts' digits.
    if not text.isascii() or not text.isdigit() or int(text) > MAX_DAYS:
        raise ValueError(_("expected a whole number from 0 to {maximum}").format(maximum=MAX_DAYS))
    return int(text)


def _percent_or_empty(value: str) -> Decimal | None:
    if value.strip() == "":
        return None
    try:
        return parse_percent(value)
    except InvalidNumber as exc:
        raise ValueError(_("expected {expected}").format(expected=exc.expected)) from None


def _amount(value: str) -> Decimal:
    try:
        return parse_amount(value, minimum=Decimal(0))
    except InvalidNumber as exc:
        raise ValueError(_("expected {expected}").format(expected=exc.expected)) from None


def _text(value: str) -> str:
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise ValueError(_("expected at most {n} characters").format(n=MAX_TEXT))
    return identity.check_plain(text)  # a value pasted from a file: no control character


def _optional(check: Callable[[str], str]) -> Callable[[str], str]:
    """``check`` for a text setting that may stay empty (empty = not set)."""

    def parse(value: str) -> str:
        text = _text(value)
        return check(text) if text else ""

    return parse


def _path(value: str) -> str:
    """A folder: ``~`` stands for the user's home (expanded when read, stored as typed so
    each user of a shared database gets their own); empty = the default folder."""
    text = _text(value)
    if not text:
        return ""
    expanded = os.path.expanduser(text)
    if not os.path.isabs(expanded):
        raise ValueError(_("expected an absolute folder path such as ~/outbox or /srv/outbox"))
    return expanded


def _address(value: str) -> str:
    if len(value.strip()) > MAX_TEXT:
        raise ValueError(_("expected at most {n} characters").format(n=MAX_TEXT))
    return identity.postal_address(value)


def _port(value: str) -> int:
    text = value.strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(_("expected a port number from 1 to 65535"))
    return int(text)


def _language(value: str) -> str:
    code = value.strip().lower()
    if code not in LANGUAGES:
        raise ValueError(_("expected one of {languages}").format(languages=", ".join(LANGUAGES)))
    return code


def _country(value: str) -> str:
    return value.strip().upper()


def _prefix(value: str) -> str:
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 20:
        raise ValueError(_("expected account digits such as 411"))
    return value


MAX_AGING_EDGES = 8


def _aging_edges(value: str) -> tuple[int, ...]:
    """The aged balance's bucket edges: whole days past due, increasing, comma separated
    (``30,60,90``: not due, 1-30, 31-60, 61-90, 91+)."""
    expected = _("expected increasing whole numbers of days from 1 to {maximum}, such as 30,60,90")
    parts = [part.strip() for part in value.split(",")]
    if not 1 <= len(parts) <= MAX_AGING_EDGES or not all(
        p.isascii() and p.isdigit() and 1 <= int(p) <= MAX_DAYS for p in parts
    ):
        raise ValueError(expected.format(maximum=MAX_DAYS))
    edges = tuple(int(p) for p in parts)
    if any(b <= a for a, b in itertools.pairwise(edges)):
        raise ValueError(expected.format(maximum=MAX_DAYS))
    return edges


def _account(value: str) -> str:
    """An income account of the general ledger (digits, at most 40)."""
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 40:
        raise ValueError(_("expected account digits such as 708800"))
    return text


def _journal(value: str) -> str:
    """A journal code: letters and digits, at most 20."""
    text = value.strip()
    if not text or not text.isascii() or not text.isalnum() or len(text) > 20:
        raise ValueError(_("expected a journal code of letters and digits such as OD"))
    return text.upper()


@dataclass(frozen=True)
class SettingSpec:
    default: str
    parse: Callable[[str], Any]
    help: str


# Help texts are marked for the catalog and translated where they are shown.
SPECS: dict[str, SettingSpec] = {
    "company_name": SettingSpec("Ma Société SAS", _text, N_("Company name shown on letters")),
    "currency": SettingSpec("EUR", _text, N_("Currency code")),
    "reminder_period_days": SettingSpec(
        "10", _int_ge0, N_("Days before the due date a preventive reminder goes (0 = off)")
    ),
    "penalty_rate": SettingSpec(
        "",
        _percent_or_empty,
        N_("Flat annual late-payment rate in %; empty = the dated rate table"),
    ),
    "indemnity_amount": SettingSpec("40.00", _amount, N_("Fixed recovery indemnity per invoice")),
    "business_days": SettingSpec("true", _bool, N_("Move planned dates off weekends and holidays")),
    # Read cheaply (_country); checked against the holidays package only when set.
    "holiday_country": SettingSpec("FR", _country, N_("Country whose public holidays apply")),
    "auto_close": SettingSpec("true", _bool, N_("Close dossiers whose principal is settled")),
    "customer_account_prefix": SettingSpec("411", _prefix, N_("Customer account prefix")),
    "payment_terms_days": SettingSpec("30", _int_ge0, N_("Default payment terms in days")),
    "open_access": SettingSpec("false", _bool, N_("Let any login in (as an agent)")),
    # The labels of the charges a done step writes go to the accounting: one language for
    # the company, not that of whoever pressed the key (engine.effects).
    # The company's identity on its letters (engine.documents); identifiers are checked by
    # python-stdnum and schwifty when set.
    "company_address": SettingSpec("", _address, N_("Company postal address (one line per line)")),
    "company_siren": SettingSpec(
        "", _optional(identity.siren_or_siret), N_("Company SIREN or SIRET number")
    ),
    "company_vat": SettingSpec("", _optional(identity.vat_number), N_("Company VAT number")),
    "company_iban": SettingSpec(
        "", _optional(identity.iban), N_("IBAN customers pay to (a QR code on letters)")
    ),
    "company_bic": SettingSpec("", _optional(identity.bic), N_("BIC of that account")),
    "company_phone": SettingSpec(
        "", _optional(identity.phone), N_("Company phone number on letters")
    ),
    "company_email": SettingSpec(
        "", _optional(identity.email_address), N_("Company e-mail address on letters")
    ),
    "company_signatory": SettingSpec("", _text, N_("Who signs the letters")),
    "company_place": SettingSpec("", _text, N_("Place letters are written from (Fait à …)")),
    # Sending e-mail: with no SMTP host, messages stay in the outbox folder.
    "smtp_host": SettingSpec("", _text, N_("SMTP server; empty = e-mails stay in the outbox")),
    "smtp_port": SettingSpec("587", _port, N_("SMTP port")),
    "smtp_user": SettingSpec("", _text, N_("SMTP login")),
    "smtp_password": SettingSpec("", _text, N_("SMTP password")),
    "smtp_from": SettingSpec(
        "", _optional(identity.email_address), N_("Sender address of e-mails")
    ),
    "outbox_dir": SettingSpec("", _path, N_("Outbox folder; empty = in the user's data folder")),
    "document_language": SettingSpec(
        "fr", _language, N_("Language of the charge labels written for the accounting (en, fr)")
    ),
    "aging_buckets": SettingSpec(
        "30,60,90", _aging_edges, N_("Aged balance: bucket edges in days past due (30,60,90)")
    ),
    # Charges exported for the accounting (engine.charges_export): the customer account
    # against these income accounts, in this journal. An income account may not be a
    # customer account (engine.charges_export.income_accounts checks it against the prefix).
    "charges_account_fee": SettingSpec(
        "708800", _account, N_("Income account of the collection fees exported")
    ),
    "charges_account_penalty": SettingSpec(
        "763800", _account, N_("Income account of the late-payment interest exported")
    ),
    "charges_account_indemnity": SettingSpec(
        "758800", _account, N_("Income account of the fixed recovery indemnities exported")
    ),
    "charges_journal": SettingSpec("OD", _journal, N_("Journal of the charges exported")),
    # The daily pass adds to a customer's open dossier the invoices that fall due after it
    # opened (engine.daily.join_new_invoices).
    "join_new_invoices": SettingSpec(
        "true", _bool, N_("Add invoices falling due to the customer's open dossier")
    ),
}


# Kept as typed, parsed when read (``~`` is each reader's home).
STORED_AS_TYPED = ("outbox_dir",)
# Never shown in clear (``settings show``, the TUI): shown as MASK when set.
SECRET = ("smtp_password",)
MASK = "********"


def parse_setting(key: str, value: str) -> Any:
    spec = SPECS.get(key)
    if spec is None:
        raise UserError(
            _("Unknown setting {key!r}: expected one of {keys}.").format(
                key=key, keys=", ".join(sorted(SPECS))
            )
        )
    try:
        if key == "holiday_country":
            check_country(value.strip())
        return spec.parse(value)
    except (ValueError, InvalidOperation, UserError) as exc:
        reason = (exc.message if isinstance(exc, UserError) else str(exc)).rstrip(".")
        if isinstance(exc, InvalidOperation) or "invalid literal" in reason or not reason:
            reason = _("not a valid value")
        raise UserError(
            _("Invalid value {value!r} for setting {key}: {reason}.").format(
                value=MASK if key in SECRET else value, key=key, reason=reason
            )
        ) from exc


class Settings:
    """Typed read access to the settings of one database, loaded once per unit of work."""

    def __init__(self, raw: dict[str, str]) -> None:
        self.raw = {key: raw.get(key, spec.default) for key, spec in SPECS.items()}

    @classmethod
    def load(cls, session: Session) -> Settings:
        return cls({row.key: row.value for row in session.exec(select(Setting))})

    def get(self, key: str) -> Any:
        try:
            return SPECS[key].parse(self.raw[key])
        except (ValueError, InvalidOperation):
            # A stored value that no longer passes (written before its check existed): a
            # UserError naming the setting, not a crash.
            return parse_setting(key, self.raw[key])

    def __getattr__(self, key: str) -> Any:
        if key in SPECS:
            return self.get(key)
        raise AttributeError(key)


def _plain(value: Any) -> Any:
    """A parsed value for JSON: amounts and percentages as exact text, the rest as is."""
    return format(value, "f") if isinstance(value, Decimal) else value


def typed_settings(settings: Settings) -> dict[str, Any]:
    """Every setting by key with its type: booleans, whole numbers, amounts and percentages
    as text (``"40.00"``), an empty penalty rate as None, text as text."""
    return {key: _plain(settings.get(key)) for key in SPECS}


def set_setting(session: Session, key: str, value: str, actor: Actor | None) -> Any:
    """Change a company setting (managers only; ``actor`` None is the system). Setting the
    value it already has writes nothing."""
    from engine.access import require_manager

    if actor is not None:
        require_manager(actor)
    parsed = parse_setting(key, value)
    check_bank_pair(session, key, parsed)
    check_income_account(session, key, parsed)
    stored = value.strip()
    if key in STORED_AS_TYPED:
        pass
    elif isinstance(parsed, bool):
        stored = "true" if parsed else "false"
    elif isinstance(parsed, tuple):
        stored = ",".join(str(part) for part in parsed)
    elif isinstance(parsed, Decimal | int | str):
        stored = _plain(parsed) if isinstance(parsed, Decimal) else str(parsed)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=stored))
    elif row.value != stored:
        row.value = stored
    session.flush()
    return parsed


INCOME_ACCOUNTS = ("charges_account_fee", "charges_account_penalty", "charges_account_indemnity")


def check_income_account(session: Session, key: str, parsed: Any) -> None:
    """An income account of the exported charges is no customer account: a re-import would
    take its line for a debt."""
    if key not in INCOME_ACCOUNTS:
        return
    row = session.get(Setting, "customer_account_prefix")
    prefix = row.value if row is not None else SPECS["customer_account_prefix"].default
    if str(parsed).startswith(prefix):
        raise UserError(
            _(
                "Invalid value {value!r} for setting {key}: it starts with the customer account "
                "prefix {prefix}; expected an income account such as 708800."
            ).format(value=parsed, key=key, prefix=prefix)
        )


def check_bank_pair(session: Session, key: str, parsed: Any) -> None:
    """The BIC's country must be the IBAN's when both are set: refuse the one being set,
    naming the other."""
    if key not in ("company_iban", "company_bic") or not parsed:
        return
    other_key = "company_bic" if key == "company_iban" else "company_iban"
    row = session.get(Setting, other_key)
    other = row.value if row is not None else ""
    if not other:
        return
    iban, bic = (parsed, other) if key == "company_iban" else (other, parsed)
    if iban[:2] != identity.bic_country(bic):
        raise UserError(
            _(
                "Invalid value {value!r} for setting {key}: the BIC {bic} is of country "
                "{bic_country} but the IBAN {iban} of country {iban_country}; expected a BIC "
                "and an IBAN of the same country (clear {other} first to change both)."
            ).format(
                value=parsed,
                key=key,
                bic=bic,
                bic_country=identity.bic_country(bic),
                iban=identity.iban_grouped(iban),
                iban_country=iban[:2],
                other=other_key,
            )
        )


def display_setting(key: str, value: Any) -> str:
    """A parsed setting as shown to people: the password masked, an IBAN grouped by 4, an
    address with its lines joined by ``\\n`` (as typed on a command line), booleans as
    true/false, nothing as empty."""
    if key in SECRET:
        return MASK if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if key == "company_iban" and value:
        return identity.iban_grouped(value)
    if key == "company_address":
        return identity.address_one_line(value)
    if isinstance(value, tuple):
        return ",".join(str(part) for part in value)
    return str(_plain(value))


def shown_settings(settings: Settings) -> dict[str, Any]:
    """:func:`typed_settings` with the secrets masked: what ``settings show --json`` prints."""
    typed = typed_settings(settings)
    for key in SECRET:
        typed[key] = MASK if typed[key] else ""
    return typed
