"""The company settings as the Company screen shows them: grouped, labelled, each value
as people read it (an IBAN grouped by 4, the SMTP password masked) and as a form starts
from."""

from __future__ import annotations

from typing import TypedDict

from engine.errors import UserError
from engine.i18n import N_
from engine.settings import MASK, SECRET, SPECS, STORED_AS_TYPED, Settings, display_setting

# Group, then (key, label) in the order shown; labels and groups are catalog ids.
GROUPS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        N_("Identity"),
        [
            ("company_name", N_("Name")),
            ("company_address", N_("Address")),
            ("company_siren", N_("SIREN / SIRET")),
            ("company_vat", N_("VAT number")),
            ("company_iban", N_("IBAN")),
            ("company_bic", N_("BIC")),
            ("company_phone", N_("Phone")),
            ("company_email", N_("Email")),
            ("company_signatory", N_("Signatory")),
            ("company_place", N_("Place")),
        ],
    ),
    (
        N_("Letters and e-mail"),
        [
            ("document_language", N_("Document language")),
            ("currency", N_("Currency")),
            ("smtp_host", N_("SMTP host")),
            ("smtp_port", N_("SMTP port")),
            ("smtp_user", N_("SMTP user")),
            ("smtp_password", N_("SMTP password")),
            ("smtp_from", N_("Sender address")),
            ("outbox_dir", N_("Outbox folder")),
        ],
    ),
    (
        N_("Rules"),
        [
            ("reminder_period_days", N_("Reminder period (days)")),
            ("penalty_rate", N_("Penalty rate (%)")),
            ("indemnity_amount", N_("Recovery indemnity")),
            ("business_days", N_("Business days only")),
            ("holiday_country", N_("Holiday country")),
            ("auto_close", N_("Auto close")),
            ("customer_account_prefix", N_("Account prefix")),
            ("payment_terms_days", N_("Payment terms (days)")),
            ("open_access", N_("Open access")),
            ("aging_buckets", N_("Aged balance buckets (days)")),
            ("join_new_invoices", N_("Join invoices due")),
            ("charges_journal", N_("Charges journal")),
            ("charges_account_fee", N_("Fees income account")),
            ("charges_account_penalty", N_("Interest income account")),
            ("charges_account_indemnity", N_("Indemnity income account")),
        ],
    ),
]


class SettingRow(TypedDict):
    key: str
    group: str  # catalog id, on the first row of its group only ("" on the others)
    label: str  # catalog id
    help: str  # catalog id (engine.settings.SPECS)
    value: str  # as shown: the password masked, an IBAN grouped, an address's lines by \n
    edit: str  # what the form starts from ("" for the password: it is never read back)
    secret: bool
    boolean: bool


def setting_rows(settings: Settings) -> list[SettingRow]:
    """Every setting of :data:`GROUPS`, in order. A stored value that no longer passes its
    check is shown as stored (the form says what is wrong with it)."""
    rows: list[SettingRow] = []
    for group, keys in GROUPS:
        for index, (key, label) in enumerate(keys):
            raw = settings.raw[key]
            try:
                parsed = settings.get(key)
            except UserError:
                parsed = None
                value = MASK if key in SECRET and raw else raw
            else:
                value = raw if key in STORED_AS_TYPED else display_setting(key, parsed)
            rows.append(
                {
                    "key": key,
                    "group": group if index == 0 else "",
                    "label": label,
                    "help": SPECS[key].help,
                    "value": value,
                    "edit": "" if key in SECRET else value,
                    "secret": key in SECRET,
                    "boolean": isinstance(parsed, bool),
                }
            )
    return rows
