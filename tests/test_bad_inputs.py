"""The bad-input corpus: every command and option, CSV, mapping and scenario files given
wrong values, on SQLite and PostgreSQL alike (docs/COMMANDS.md, "Exit statuses").

Each case is plain data, ``Bad(id, argv, files, needle)``, run through ``tui.cli.main``
against one seeded database per backend. Every case must: exit 2, print one message on
stderr holding ``needle`` (one line; a refused CSV file names its bad lines one per line
under a first line, as docs/IMPORT.md shows), nothing on stdout, no traceback, no SQL, and
leave every table exactly as it was. Append rows to CASES to guard a new refusal.

In argv and file contents, ``{dir}`` is a folder holding the case's files and ``{open}``,
``{paused}``, ``{closed}`` (dossier numbers), ``{todo}``, ``{done}``, ``{manual}``,
``{skipped}``, ``{held}`` (intervention ids) name records of the seeded database.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlmodel import col

from engine.access import add_user
from engine.dossiers import close, find_dossier, open_dossier, pause
from engine.interventions import add_manual, mark_done
from engine.planning import current_todo
from engine.scenarios import BUILTIN_NAME
from models.db import make_engine, session_factory
from models.tables import Customer, Entry, Intervention
from tests.conftest import MANAGER, PG_ENV, TestDB, _admin
from tests.factories import add_customer, add_entry
from tests.test_validation import dump
from tui.cli import main

TODAY = "2026-03-02"
AGENT, OTHER_AGENT, AUDITOR, GONE = "alice", "agnes", "audrey", "olga"
SQL_WORDS = ("SELECT", "INSERT", "UPDATE ", "[SQL", "parameters", "sqlite3.")


class Bad(NamedTuple):
    id: str
    argv: list[str]
    files: dict[str, str | bytes]
    needle: str
    user: str = MANAGER


def csv_file(*lines: str) -> str:
    return "\n".join(lines) + "\n"


HEADER = (
    "customer_code;customer_name;journal;date;piece;invoice;reference;account;label;"
    "due_date;debit;credit;lettering"
)


def line(**cells: str) -> str:
    """A CSV line of HEADER's 13 columns: a good invoice, with ``cells`` replaced."""
    values = {
        "customer_code": "C9",
        "customer_name": "Neuf",
        "journal": "VTE",
        "date": "2026-01-05",
        "piece": "P1",
        "invoice": "F1",
        "reference": "",
        "account": "411000",
        "label": "Facture",
        "due_date": "2026-02-04",
        "debit": "100,00",
        "credit": "",
        "lettering": "",
    }
    values.update(cells)
    return ";".join(values.values())


def bad_csv(case: str, needle: str, *lines: str, header: str = HEADER) -> Bad:
    return Bad(
        f"csv-{case}",
        ["import", "csv", "{dir}/entries.csv"],
        {"entries.csv": csv_file(header, *lines)},
        needle,
    )


def bad_mapping(case: str, mapping: str, needle: str) -> Bad:
    return Bad(
        f"mapping-{case}",
        ["import", "csv", "{dir}/entries.csv", "--mapping", "{dir}/mapping.toml"],
        {"entries.csv": csv_file(HEADER, line()), "mapping.toml": mapping},
        needle,
    )


STEP = '[[steps]]\nname = "Appel"\n'


def bad_scenario(case: str, toml: str, needle: str, user: str = MANAGER) -> Bad:
    return Bad(
        f"scenario-{case}", ["scenario", "import", "{dir}/s.toml"], {"s.toml": toml}, needle, user
    )


def step(extra: str) -> str:
    return f'name = "Mon scénario"\n{STEP}{extra}\n'


LONG = "x" * 100_000

CASES: list[Bad] = [
    # --- the command line itself ---------------------------------------------------------
    Bad("unknown-command", ["frobnicate"], {}, "invalid choice: 'frobnicate'"),
    Bad("unknown-option", ["actions", "--bogus"], {}, "unrecognized arguments: --bogus"),
    Bad("lang-unknown", ["--lang", "de", "actions"], {}, "invalid choice: 'de'"),
    Bad("today-invalid", ["--today", "2026-13-01", "actions"], {}, "Invalid --today '2026-13-01'"),
    Bad("today-far", ["--today", "9999-12-31", "actions"], {}, "from 1900-01-01 to 2199-12-31"),
    Bad("today-old", ["--today", "1899-12-31", "actions"], {}, "from 1900-01-01 to 2199-12-31"),
    Bad("today-words", ["--today", "tomorrow", "actions"], {}, "Invalid --today 'tomorrow'"),
    Bad("user-unknown", ["--user", "ghost", "actions"], {}, "Login 'ghost' is not allowed"),
    Bad("user-deactivated", ["actions"], {}, "Login 'olga' has been deactivated", GONE),
    Bad("db-unknown-scheme", ["--db", "mysql://x/y", "actions"], {}, "Invalid database"),
    Bad("db-missing-file", ["--db", "{dir}/none.sqlite3", "actions"], {}, "No database at"),
    Bad("group-settings", ["settings"], {}, "expected a subcommand"),
    Bad("group-dossier", ["dossier"], {}, "expected a subcommand"),
    Bad("group-intervention", ["intervention"], {}, "expected a subcommand"),
    Bad("group-import", ["import"], {}, "expected a subcommand"),
    Bad("group-users", ["users"], {}, "expected a subcommand"),
    Bad("group-customers", ["customers"], {}, "expected a subcommand"),
    Bad("group-scenario", ["scenario"], {}, "expected a subcommand"),
    Bad("sub-unknown", ["dossier", "frob"], {}, "invalid choice: 'frob'"),
    # NUL in a value that is looked up: PostgreSQL refuses it in a query parameter too.
    Bad("nul-user", ["--user", "bo\x00ss", "actions"], {}, "NUL"),
    Bad("nul-dossier", ["dossier", "show", "D\x00"], {}, "D"),
    Bad("nul-customer", ["dossier", "open", "C\x001", "--scenario", BUILTIN_NAME], {}, "NUL"),
    Bad("nul-scenario", ["dossier", "open", "C4", "--scenario", "S\x00"], {}, "NUL"),
    Bad(
        "nul-agent",
        ["dossier", "open", "C4", "--scenario", BUILTIN_NAME, "--agent", "a\x00"],
        {},
        "NUL",
    ),
    Bad("nul-export", ["scenario", "export", "S\x00"], {}, "NUL"),
    Bad("nul-list-agent", ["dossier", "list", "--agent", "a\x00"], {}, "NUL"),
    Bad("nul-actions-agent", ["actions", "--agent", "a\x00"], {}, "NUL"),
    Bad("nul-edit-agent", ["dossier", "edit", "{open}", "--agent", "a\x00"], {}, "NUL"),
    Bad("nul-setting", ["settings", "set", "customer_account_prefix", "41\x00"], {}, "digits"),
    Bad("nul-setting-key", ["settings", "set", "k\x00", "1"], {}, "k"),
    Bad("long-setting", ["settings", "set", "customer_account_prefix", "4" * 401], {}, "digits"),
    Bad("nul-type", ["intervention", "add", "{open}", "--type", "ph\x00"], {}, "ph"),
    # --- demo, init ----------------------------------------------------------------------
    Bad("demo-size-word", ["demo", "--size", "huge"], {}, "Invalid size 'huge'"),
    Bad("demo-size-zero", ["demo", "--size", "0"], {}, "Invalid size '0'"),
    Bad("demo-size-negative", ["demo", "--size=-5"], {}, "Invalid size '-5'"),
    Bad("init-extra", ["init", "now"], {}, "unrecognized arguments: now"),
    # --- settings ------------------------------------------------------------------------
    Bad("settings-unknown", ["settings", "set", "nope", "1"], {}, "'nope'"),
    Bad("settings-missing-value", ["settings", "set", "payment_terms_days"], {}, "value"),
    Bad("settings-terms-negative", ["settings", "set", "payment_terms_days", "-1"], {}, "'-1'"),
    Bad("settings-terms-huge", ["settings", "set", "payment_terms_days", "3651"], {}, "3650"),
    Bad("settings-terms-word", ["settings", "set", "payment_terms_days", "ten"], {}, "'ten'"),
    Bad("settings-rate-word", ["settings", "set", "penalty_rate", "abc"], {}, "'abc'"),
    Bad("settings-rate-nan", ["settings", "set", "penalty_rate", "NaN"], {}, "'NaN'"),
    Bad("settings-country", ["settings", "set", "holiday_country", "XX"], {}, "'XX'"),
    Bad("settings-bool", ["settings", "set", "business_days", "maybe"], {}, "'maybe'"),
    Bad("settings-language", ["settings", "set", "document_language", "de"], {}, "'de'"),
    Bad("settings-aging-order", ["settings", "set", "aging_buckets", "60,30"], {}, "'60,30'"),
    Bad("settings-aging-zero", ["settings", "set", "aging_buckets", "0,30"], {}, "30,60,90"),
    Bad("settings-agent", ["settings", "set", "payment_terms_days", "10"], {}, "manager", AGENT),
    Bad(
        "settings-auditor", ["settings", "set", "payment_terms_days", "10"], {}, "manager", AUDITOR
    ),
    Bad("settings-show-extra", ["settings", "show", "--bogus"], {}, "unrecognized arguments"),
    # --- users ---------------------------------------------------------------------------
    Bad("users-role", ["users", "add", "zed", "--role", "king"], {}, "invalid choice: 'king'"),
    Bad("users-no-role", ["users", "add", "zed"], {}, "--role"),
    Bad("users-empty-login", ["users", "add", "", "--role", "agent"], {}, "login cannot be empty"),
    Bad("users-long-login", ["users", "add", "z" * 81, "--role", "agent"], {}, "at most 80"),
    Bad(
        "users-long-name",
        ["users", "add", "zed", "--role", "agent", "--name", "n" * 121],
        {},
        "120",
    ),
    Bad("users-nul-login", ["users", "add", "z\x00d", "--role", "agent"], {}, "NUL"),
    Bad("users-nul-name", ["users", "add", "zed", "--role", "agent", "--name", "a\x00"], {}, "NUL"),
    Bad("users-by-agent", ["users", "add", "zed", "--role", "agent"], {}, "manager", AGENT),
    Bad("users-by-auditor", ["users", "add", "zed", "--role", "agent"], {}, "manager", AUDITOR),
    Bad("users-list-agent", ["users", "list"], {}, "manager", AGENT),
    Bad("users-last-manager", ["users", "add", MANAGER, "--role", "agent"], {}, "last"),
    Bad(
        "users-last-inactive",
        ["users", "add", MANAGER, "--role", "manager", "--inactive"],
        {},
        "last",
    ),
    Bad("users-list-extra", ["users", "list", "x"], {}, "unrecognized arguments"),
    Bad("customers-extra", ["customers", "list", "--all"], {}, "unrecognized arguments"),
    # --- dossier open --------------------------------------------------------------------
    Bad(
        "open-unknown-customer", ["dossier", "open", "NOPE", "--scenario", BUILTIN_NAME], {}, "NOPE"
    ),
    Bad("open-empty-customer", ["dossier", "open", "", "--scenario", BUILTIN_NAME], {}, "''"),
    Bad(
        "open-empty-scenario",
        ["dossier", "open", "C4", "--scenario", ""],
        {},
        "Unknown scenario ''",
    ),
    Bad("open-unknown-scenario", ["dossier", "open", "C4", "--scenario", "Nope"], {}, "'Nope'"),
    Bad("open-no-scenario", ["dossier", "open", "C4"], {}, "--scenario"),
    Bad(
        "open-unknown-agent",
        ["dossier", "open", "C4", "--scenario", BUILTIN_NAME, "--agent", "ghost"],
        {},
        "ghost",
    ),
    Bad(
        "open-date-future",
        ["dossier", "open", "C4", "--scenario", BUILTIN_NAME, "--date", "2026-03-03"],
        {},
        "after today",
    ),
    Bad(
        "open-date-far",
        ["dossier", "open", "C4", "--scenario", BUILTIN_NAME, "--date", "9999-12-31"],
        {},
        "2199-12-31",
    ),
    Bad(
        "open-date-invalid",
        ["dossier", "open", "C4", "--scenario", BUILTIN_NAME, "--date", "31/02/2026"],
        {},
        "'31/02/2026'",
    ),
    Bad(
        "open-reason-long",
        ["dossier", "open", "C4", "--scenario", BUILTIN_NAME, "--reason", "r" * 201],
        {},
        "Reason is 201 characters long: expected at most 200",
    ),
    Bad(
        "open-reason-huge",
        ["dossier", "open", "C4", "--scenario", BUILTIN_NAME, "--reason", LONG],
        {},
        "Reason is 100000 characters long",
    ),
    Bad(
        "open-reason-nul",
        ["dossier", "open", "C4", "--scenario", BUILTIN_NAME, "--reason", "a\x00b"],
        {},
        "Reason contains a NUL character",
    ),
    Bad(
        "open-nothing-owed",
        ["dossier", "open", "C5", "--scenario", BUILTIN_NAME],
        {},
        "no overdue invoice",
    ),
    Bad(
        "open-taken",
        ["dossier", "open", "C1", "--scenario", BUILTIN_NAME],
        {},
        "no overdue invoice",
    ),
    Bad("open-auditor", ["dossier", "open", "C4", "--scenario", BUILTIN_NAME], {}, "", AUDITOR),
    # --- dossier list, show --------------------------------------------------------------
    Bad("list-status", ["dossier", "list", "--status", "done"], {}, "Invalid status 'done'"),
    Bad("list-extra", ["dossier", "list", "x"], {}, "unrecognized arguments"),
    Bad("show-unknown", ["dossier", "show", "D999999"], {}, "D999999"),
    Bad("show-word", ["dossier", "show", "abc"], {}, "'abc'"),
    Bad("show-empty", ["dossier", "show", ""], {}, "''"),
    Bad("show-missing", ["dossier", "show"], {}, "number"),
    # --- dossier step --------------------------------------------------------------------
    Bad("step-zero", ["dossier", "step", "{open}", "0"], {}, "Step 0 does not exist"),
    Bad("step-past-end", ["dossier", "step", "{open}", "99"], {}, "Step 99 does not exist"),
    Bad("step-word", ["dossier", "step", "{open}", "two"], {}, "invalid int value: 'two'"),
    Bad(
        "step-future", ["dossier", "step", "{open}", "2", "--date", "2026-03-10"], {}, "after today"
    ),
    Bad("step-before", ["dossier", "step", "{open}", "2", "--date", "2026-01-01"], {}, "before"),
    Bad("step-far", ["dossier", "step", "{open}", "2", "--date", "9999-12-31"], {}, "2199-12-31"),
    Bad("step-scenario", ["dossier", "step", "{open}", "2", "--scenario", "Nope"], {}, "'Nope'"),
    Bad("step-scenario-empty", ["dossier", "step", "{open}", "2", "--scenario", ""], {}, "''"),
    Bad("step-closed", ["dossier", "step", "{closed}", "2"], {}, "is closed"),
    Bad("step-unknown", ["dossier", "step", "D999999", "2"], {}, "D999999"),
    Bad("step-auditor", ["dossier", "step", "{open}", "3"], {}, "", AUDITOR),
    Bad("step-other-agent", ["dossier", "step", "{open}", "3"], {}, "", OTHER_AGENT),
    # --- dossier pause, resume, edit -----------------------------------------------------
    Bad("pause-no-until", ["dossier", "pause", "{open}"], {}, "--until"),
    Bad("pause-past", ["dossier", "pause", "{open}", "--until", "2026-03-01"], {}, "in the past"),
    Bad("pause-far", ["dossier", "pause", "{open}", "--until", "9999-12-31"], {}, "2199-12-31"),
    Bad("pause-invalid", ["dossier", "pause", "{open}", "--until", "2026-02-30"], {}, "2026-02-30"),
    Bad(
        "pause-amount-zero",
        ["dossier", "pause", "{open}", "--until", "2026-04-01", "--amount", "0"],
        {},
        "'0'",
    ),
    Bad(
        "pause-amount-negative",
        ["dossier", "pause", "{open}", "--until", "2026-04-01", "--amount=-5"],
        {},
        "'-5'",
    ),
    Bad(
        "pause-amount-spaced",
        ["dossier", "pause", "{open}", "--until", "2026-04-01", "--amount", "1 2 3"],
        {},
        "'1 2 3'",
    ),
    Bad(
        "pause-amount-word",
        ["dossier", "pause", "{open}", "--until", "2026-04-01", "--amount", "cent"],
        {},
        "'cent'",
    ),
    Bad(
        "pause-amount-nan",
        ["dossier", "pause", "{open}", "--until", "2026-04-01", "--amount", "NaN"],
        {},
        "'NaN'",
    ),
    Bad(
        "pause-amount-huge",
        ["dossier", "pause", "{open}", "--until", "2026-04-01", "--amount", "1e400"],
        {},
        "'1e400'",
    ),
    Bad(
        "pause-reason-long",
        ["dossier", "pause", "{open}", "--until", "2026-04-01", "--reason", LONG],
        {},
        "Pause reason is 100000 characters long: expected at most 200",
    ),
    Bad(
        "pause-reason-nul",
        ["dossier", "pause", "{open}", "--until", "2026-04-01", "--reason", "\x00"],
        {},
        "NUL",
    ),
    Bad("pause-closed", ["dossier", "pause", "{closed}", "--until", "2026-04-01"], {}, "is closed"),
    Bad("pause-unknown", ["dossier", "pause", "D999999", "--until", "2026-04-01"], {}, "D999999"),
    Bad("pause-auditor", ["dossier", "pause", "{open}", "--until", "2026-04-01"], {}, "", AUDITOR),
    Bad("resume-open", ["dossier", "resume", "{open}"], {}, "not paused"),
    Bad("resume-closed", ["dossier", "resume", "{closed}"], {}, "not paused"),
    Bad("resume-unknown", ["dossier", "resume", "D999999"], {}, "D999999"),
    Bad("resume-auditor", ["dossier", "resume", "{paused}"], {}, "", AUDITOR),
    Bad(
        "edit-reason-long", ["dossier", "edit", "{open}", "--reason", "r" * 201], {}, "at most 200"
    ),
    Bad("edit-reason-nul", ["dossier", "edit", "{open}", "--reason", "a\x00"], {}, "NUL"),
    Bad("edit-agent", ["dossier", "edit", "{open}", "--agent", "ghost"], {}, "ghost"),
    Bad("edit-unknown", ["dossier", "edit", "D999999", "--reason", "x"], {}, "D999999"),
    Bad("edit-auditor", ["dossier", "edit", "{open}", "--reason", "x"], {}, "", AUDITOR),
    # --- interventions -------------------------------------------------------------------
    Bad("done-unknown", ["intervention", "done", "999999"], {}, "Unknown intervention 999999"),
    Bad(
        "done-word",
        ["intervention", "done", "four"],
        {},
        "Invalid intervention id 'four': expected a whole number",
    ),
    Bad("done-negative", ["intervention", "done", "-1"], {}, ""),
    Bad(
        "done-future", ["intervention", "done", "{todo}", "--date", "2026-03-05"], {}, "after today"
    ),
    Bad("done-before", ["intervention", "done", "{todo}", "--date", "2026-01-02"], {}, "before"),
    Bad("done-far", ["intervention", "done", "{todo}", "--date", "9999-12-31"], {}, "2199-12-31"),
    Bad(
        "done-invalid",
        ["intervention", "done", "{todo}", "--date", "2026/03/01"],
        {},
        "'2026/03/01'",
    ),
    Bad(
        "done-note-long",
        ["intervention", "done", "{todo}", "--note", "n" * 10_001],
        {},
        "Note is 10001 characters long: expected at most 10000",
    ),
    Bad(
        "done-note-nul", ["intervention", "done", "{todo}", "--note", "a\x00b"], {}, "Note contains"
    ),
    Bad(
        "done-outcome-long",
        ["intervention", "done", "{todo}", "--outcome", LONG],
        {},
        "Outcome is 100000 characters long: expected at most 200",
    ),
    Bad("done-outcome-nul", ["intervention", "done", "{todo}", "--outcome", "\x00"], {}, "NUL"),
    Bad("done-skipped", ["intervention", "done", "{skipped}"], {}, "already skipped"),
    Bad("done-auditor", ["intervention", "done", "{todo}"], {}, "", AUDITOR),
    Bad("done-other-agent", ["intervention", "done", "{todo}"], {}, "", OTHER_AGENT),
    Bad("skip-unknown", ["intervention", "skip", "999999"], {}, "999999"),
    Bad("skip-note-long", ["intervention", "skip", "{todo}", "--note", LONG], {}, "at most 10000"),
    Bad("skip-date", ["intervention", "skip", "{todo}", "--date", "yesterday"], {}, "'yesterday'"),
    Bad("skip-done", ["intervention", "skip", "{done}"], {}, "already done"),
    Bad("add-type", ["intervention", "add", "{open}", "--type", "fax"], {}, "'fax'"),
    Bad("add-no-type", ["intervention", "add", "{open}"], {}, "--type"),
    Bad("add-unknown", ["intervention", "add", "D999999", "--type", "phone"], {}, "D999999"),
    Bad("add-closed", ["intervention", "add", "{closed}", "--type", "phone"], {}, "is closed"),
    Bad(
        "add-before",
        ["intervention", "add", "{open}", "--type", "phone", "--date", "2026-01-01"],
        {},
        "before the dossier was opened",
    ),
    Bad(
        "add-far",
        ["intervention", "add", "{open}", "--type", "phone", "--date", "2200-01-01"],
        {},
        "2199-12-31",
    ),
    Bad(
        "add-promise-amount",
        ["intervention", "add", "{open}", "--type", "phone", "--promise-amount", "0,00"],
        {},
        "'0,00'",
    ),
    Bad(
        "add-promise-spaced",
        ["intervention", "add", "{open}", "--type", "phone", "--promise-amount", "12 34"],
        {},
        "'12 34'",
    ),
    Bad(
        "add-promise-date",
        ["intervention", "add", "{open}", "--type", "phone", "--promise-date", "0000-01-01"],
        {},
        "'0000-01-01'",
    ),
    Bad(
        "add-note-long",
        ["intervention", "add", "{open}", "--type", "phone", "--note", LONG],
        {},
        "Note is 100000 characters long",
    ),
    Bad(
        "add-note-nul",
        ["intervention", "add", "{open}", "--type", "phone", "--note", "\x00"],
        {},
        "NUL",
    ),
    Bad(
        "add-contact-long",
        ["intervention", "add", "{open}", "--type", "phone", "--contact", "c" * 201],
        {},
        "Contact is 201 characters long: expected at most 200",
    ),
    Bad("add-auditor", ["intervention", "add", "{open}", "--type", "phone"], {}, "", AUDITOR),
    Bad("reschedule-no-date", ["intervention", "reschedule", "{todo}"], {}, "--date"),
    Bad(
        "reschedule-before-start",
        ["intervention", "reschedule", "{todo}", "--date", "2026-01-15"],
        {},
        "before the dossier was opened",
    ),
    Bad(
        "reschedule-manual-before-start",
        ["intervention", "reschedule", "{manual}", "--date", "2025-12-31"],
        {},
        "before the dossier was opened",
    ),
    Bad(
        "reschedule-far",
        ["intervention", "reschedule", "{todo}", "--date", "9999-12-31"],
        {},
        "2199-12-31",
    ),
    Bad(
        "reschedule-done",
        ["intervention", "reschedule", "{done}", "--date", "2026-03-10"],
        {},
        "only an intervention to do",
    ),
    Bad(
        "reschedule-in-pause",
        ["intervention", "reschedule", "{held}", "--date", "2026-03-05"],
        {},
        "is paused until",
    ),
    Bad(
        "reschedule-unknown",
        ["intervention", "reschedule", "999999", "--date", "2026-03-10"],
        {},
        "999999",
    ),
    # --- actions, run --------------------------------------------------------------------
    Bad("actions-until-far", ["actions", "--until", "9999-12-31"], {}, "from 1900-01-01 to 2199"),
    Bad("actions-until-word", ["actions", "--until", "soon"], {}, "Invalid --until 'soon'"),
    Bad("actions-until-format", ["actions", "--until", "2026-3-1"], {}, "'2026-3-1'"),
    Bad("run-extra", ["run", "--all"], {}, "unrecognized arguments"),
    Bad("run-auditor", ["run"], {}, "", AUDITOR),
    # --- import csv: the files -----------------------------------------------------------
    Bad("csv-missing", ["import", "csv", "{dir}/none.csv"], {}, "not found"),
    Bad("csv-directory", ["import", "csv", "{dir}"], {}, "Cannot read"),
    Bad("csv-no-file", ["import", "csv"], {}, "file"),
    Bad(
        "csv-auditor",
        ["import", "csv", "{dir}/e.csv"],
        {"e.csv": csv_file(HEADER, line())},
        "",
        AUDITOR,
    ),
    Bad("csv-empty", ["import", "csv", "{dir}/e.csv"], {"e.csv": ""}, "is empty"),
    Bad("csv-blank", ["import", "csv", "{dir}/e.csv"], {"e.csv": "\n\n  \n"}, "is empty"),
    Bad(
        "csv-latin1",
        ["import", "csv", "{dir}/e.csv"],
        {"e.csv": csv_file(HEADER, line(customer_name="Société")).encode("latin-1")},
        "line 2: not valid utf-8",
    ),
    Bad(
        "csv-binary",
        ["import", "csv", "{dir}/e.csv"],
        {"e.csv": bytes(range(256)) * 4},
        "not valid utf-8",
    ),
    Bad(
        "csv-nul",
        ["import", "csv", "{dir}/e.csv"],
        {"e.csv": csv_file(HEADER, line(), line(label="Fac\x00ture"))},
        "line 3: a NUL character",
    ),
    Bad(
        "csv-utf16",
        ["import", "csv", "{dir}/e.csv"],
        {"e.csv": csv_file(HEADER, line()).encode("utf-16")},
        "not valid utf-8",
    ),
    bad_csv("date-month", "line 2: date '2026-13-01'", line(date="2026-13-01")),
    bad_csv("date-far", "line 2: date '9999-12-31': expected a date from", line(date="9999-12-31")),
    bad_csv("date-old", "line 2: date '1800-01-01': expected a date from", line(date="1800-01-01")),
    bad_csv("date-empty", "line 2: date ''", line(date="")),
    bad_csv("date-words", "line 2: date 'hier'", line(date="hier")),
    bad_csv("date-short-year", "line 2: date '05/01/26'", line(date="05/01/26")),
    bad_csv("due-invalid", "line 2: due_date '31/02/2026'", line(due_date="31/02/2026")),
    bad_csv("due-far", "line 2: due_date '31/12/9999'", line(due_date="31/12/9999")),
    bad_csv("debit-commas", "line 2: debit '12,3,4'", line(debit="12,3,4")),
    bad_csv("debit-spaced", "line 2: debit '1 2 3'", line(debit="1 2 3")),
    bad_csv("debit-word", "line 2: debit 'cent'", line(debit="cent")),
    bad_csv("debit-negative", "line 2: debit '-5'", line(debit="-5")),
    bad_csv("debit-nan", "line 2: debit 'NaN'", line(debit="NaN")),
    bad_csv("debit-exponent", "line 2: debit '1e5'", line(debit="1e5")),
    bad_csv("debit-huge", "line 2: debit '9999999999999'", line(debit="9999999999999")),
    bad_csv("credit-word", "line 2: credit 'x'", line(credit="x")),
    bad_csv("both-set", "line 2: debit '100,00' and credit '5'", line(credit="5")),
    bad_csv("both-zero", "expected exactly one of them above 0", line(debit="0", credit="0")),
    bad_csv("no-code", "line 2: customer_code ''", line(customer_code="")),
    bad_csv("kind", "line 2: kind 'bonus'", line() + ";bonus", header=HEADER + ";kind"),
    bad_csv("too-many-cells", "line 2: 14 fields: expected 13", line(label="a;b", lettering="X")),
    bad_csv(
        "too-few-cells",
        "line 3: 9 cells: expected 13",
        line(),
        "C9;Neuf;VTE;2026-01-05;P2;F2;;411000;Facture",
    ),
    bad_csv("unclosed-quote", "line 3: unclosed quote", line(), line(label='"Facture')),
    bad_csv("quote-garbage", "line 2", line(label='"Fac"ture')),
    bad_csv("many-bad-lines", "2 invalid lines", line(date="x"), line(), line(debit="y")),
    bad_csv(
        "no-date-column",
        "missing column(s) date",
        "C9;2026-01-05;10",
        header="customer_code;when;debit",
    ),
    bad_csv("no-amount-column", "debit or credit", "C9;2026-01-05", header="customer_code;date"),
    bad_csv(
        "no-code-column", "missing column(s) customer_code", "2026-01-05;10", header="date;debit"
    ),
    bad_csv(
        "duplicate-header",
        "date appear more than once",
        "C9;2026-01-05;2026-01-05;10",
        header="customer_code;date;date;debit",
    ),
    bad_csv(
        "wrong-separator",
        "missing column(s)",
        line().replace(";", "|"),
        header=HEADER.replace(";", "|"),
    ),
    bad_csv("header-only-garbage", "missing column(s)", "x", header="hello world"),
    bad_csv("code-long", "line 2: customer_code", line(customer_code="C" * 41)),
    bad_csv("name-long", "customer_name", line(customer_name="N" * 201)),
    bad_csv("journal-long", "journal", line(journal="J" * 21)),
    bad_csv("piece-long", "piece", line(piece="P" * 61)),
    bad_csv("invoice-long", "invoice", line(invoice="F" * 61)),
    bad_csv("reference-long", "reference", line(reference="R" * 121)),
    bad_csv("account-long", "account", line(account="4" * 41)),
    bad_csv("label-long", "line 2: label", line(label="L" * 201)),
    bad_csv("label-huge", "expected at most 200 characters", line(label=LONG)),
    bad_csv("lettering-long", "lettering", line(lettering="A" * 21)),
    # --- import csv: mapping files -------------------------------------------------------
    Bad(
        "mapping-missing",
        ["import", "csv", "{dir}/e.csv", "--mapping", "{dir}/none.toml"],
        {"e.csv": csv_file(HEADER, line())},
        "not found",
    ),
    bad_mapping("not-toml", "columns = [", "is not valid TOML"),
    bad_mapping("unknown-key", 'sep = ";"\n', "unknown key(s) sep"),
    bad_mapping("columns-not-table", 'columns = "x"\n', "columns must be a table"),
    bad_mapping("unknown-column", '[columns]\nclient = "Client"\n', "column 'client'"),
    bad_mapping("column-not-text", "[columns]\ndate = 3\n", "column date"),
    bad_mapping("column-empty", '[columns]\ndate = ""\n', "column date"),
    bad_mapping("separator-long", 'separator = ";;"\n', "separator ';;'"),
    bad_mapping("separator-number", "separator = 1\n", "separator 1"),
    bad_mapping("encoding-unknown", 'encoding = "klingon"\n', "encoding 'klingon'"),
    bad_mapping("encoding-utf16", 'encoding = "utf-16"\n', "encoding 'utf-16' is not supported"),
    bad_mapping(
        "encoding-utf32", 'encoding = "utf-32-le"\n', "encoding 'utf-32-le' is not supported"
    ),
    bad_mapping("encoding-rot13", 'encoding = "rot13"\n', "encoding 'rot13'"),
    bad_mapping("encoding-number", "encoding = 8\n", "encoding 8"),
    bad_mapping(
        "mapped-absent",
        '[columns]\ncustomer_code = "Code client"\n',
        "customer_code ('Code client')",
    ),
    # --- scenarios -----------------------------------------------------------------------
    Bad("export-unknown", ["scenario", "export", "Nope"], {}, "Unknown scenario 'Nope'"),
    Bad("export-empty", ["scenario", "export", ""], {}, "Unknown scenario ''"),
    Bad("import-missing", ["scenario", "import", "{dir}/none.toml"], {}, "Cannot read"),
    Bad(
        "import-latin1",
        ["scenario", "import", "{dir}/s.toml"],
        {"s.toml": step("").encode("latin-1")},
        "Cannot read",
    ),
    bad_scenario("not-toml", "name = ", "is not valid TOML"),
    bad_scenario("no-name", STEP, 'needs a name = "…" line'),
    bad_scenario("empty-name", f'name = "  "\n{STEP}', 'needs a name = "…" line'),
    bad_scenario("name-number", f"name = 5\n{STEP}", "name 5 is invalid: expected text"),
    bad_scenario(
        "name-long", f'name = "{"n" * 121}"\n{STEP}', "121 characters long: expected at most 120"
    ),
    bad_scenario(
        "name-huge", f'name = "{"n" * 5000}"\n{STEP}', "5000 characters long: expected at most 120"
    ),
    bad_scenario("name-nul", f'name = "a\\u0000b"\n{STEP}', "NUL"),
    bad_scenario("description-long", f'name = "S"\ndescription = "{"d" * 401}"\n{STEP}', "400"),
    bad_scenario("description-nul", f'name = "S"\ndescription = "\\u0000"\n{STEP}', "NUL"),
    bad_scenario(
        "description-table", f'name = "S"\ndescription = {{a = 1}}\n{STEP}', "description"
    ),
    bad_scenario("no-steps", 'name = "S"\n', "at least one [[steps]]"),
    bad_scenario("steps-not-list", 'name = "S"\nsteps = "x"\n', "at least one [[steps]]"),
    bad_scenario("steps-empty", 'name = "S"\nsteps = []\n', "at least one [[steps]]"),
    bad_scenario("step-not-table", 'name = "S"\nsteps = [1]\n', "step 1 is not a table"),
    bad_scenario("unknown-top-key", f'name = "S"\nowner = "me"\n{STEP}', "unknown key owner"),
    bad_scenario("unknown-step-key", step("penalty = true"), "step 1: unknown key penalty"),
    bad_scenario("typo-fee", step('fee = "30.00"'), "step 1: unknown key fee"),
    bad_scenario(
        "typo-second-step",
        f'name = "S"\n{STEP}\n{STEP}dealy = 3\n',
        "step 2: unknown key dealy",
    ),
    bad_scenario("fees-float", step("fees = 30.0"), 'fees = "30.00"'),
    bad_scenario("loss-float", step("loss_percent = 20.5"), 'loss_percent = "20.50"'),
    bad_scenario("fees-negative", step('fees = "-5"'), "fees '-5' is invalid"),
    bad_scenario("fees-word", step('fees = "trente"'), "fees 'trente'"),
    bad_scenario("fees-nan", step("fees = nan"), "fees nan is invalid"),
    bad_scenario("loss-over", step('loss_percent = "120"'), "loss_percent '120'"),
    bad_scenario("loss-inf", step("loss_percent = inf"), "loss_percent inf"),
    bad_scenario(
        "delay-huge",
        step("delay = 3000000"),
        "delay 3000000 is invalid: expected a whole number of days from 0 to 3650",
    ),
    bad_scenario("delay-3651", step("delay = 3651"), "delay 3651 is invalid"),
    bad_scenario("delay-negative", step("delay = -1"), "delay -1 is invalid"),
    bad_scenario("delay-float", step("delay = 1.5"), "delay 1.5 is invalid"),
    bad_scenario("delay-word", step('delay = "ten"'), "delay 'ten' is invalid"),
    bad_scenario("delay-bool", step("delay = true"), "delay True is invalid"),
    bad_scenario("type", step('type = "fax"'), "type 'fax' is invalid"),
    bad_scenario(
        "risk-unknown",
        step('risk = "Ruiné"'),
        "risk 'Ruiné' is invalid: expected a known risk code",
    ),
    bad_scenario("risk-number", step("risk = 5"), "risk 5 is invalid"),
    bad_scenario("penalties-word", step('penalties = "yes"'), "penalties 'yes' is invalid"),
    bad_scenario("step-name-empty", 'name = "S"\n[[steps]]\nname = ""\n', "a step needs a name"),
    bad_scenario("step-name-missing", 'name = "S"\n[[steps]]\ndelay = 1\n', "a step needs a name"),
    bad_scenario("step-name-long", f'name = "S"\n[[steps]]\nname = "{"s" * 121}"\n', "at most 120"),
    bad_scenario(
        "step-name-huge", f'name = "S"\n[[steps]]\nname = "{"s" * 5000}"\n', "at most 120"
    ),
    bad_scenario("step-name-nul", 'name = "S"\n[[steps]]\nname = "a\\u0000"\n', "NUL"),
    bad_scenario("template-long", step(f'template = "{"t" * 81}"'), "at most 80"),
    bad_scenario("template-nul", step('template = "t\\u0000"'), "NUL"),
    bad_scenario("by-agent", step(""), "manager", AGENT),
    bad_scenario("by-auditor", step(""), "manager", AUDITOR),
    bad_scenario(
        "builtin-steps-lost",
        f'name = "{BUILTIN_NAME}"\n{STEP}',
        "cannot lose its steps after 1",
    ),
]


def edit(case: str, *options: str, needle: str, user: str = MANAGER) -> Bad:
    """``customers edit C4 OPTIONS``: a customer's identity and flags."""
    return Bad(f"customers-edit-{case}", ["customers", "edit", "C4", *options], {}, needle, user)


CASES_CUSTOMERS: list[Bad] = []
CASES_CUSTOMERS += [
    Bad("customers-show-unknown", ["customers", "show", "NOPE"], {}, "Unknown customer 'NOPE'"),
    Bad("customers-show-missing", ["customers", "show"], {}, "required: code"),
    Bad("customers-edit-nothing", ["customers", "edit", "C4"], {}, "Nothing to change"),
    Bad(
        "customers-edit-unknown",
        ["customers", "edit", "NOPE", "--consumer", "yes"],
        {},
        "Unknown customer 'NOPE'",
    ),
]
for number, (options, needle) in enumerate(
    (
        (("--siren", "123456789"), "is not a valid SIREN"),
        (("--siren", "73282932"), "expected 9 digits"),
        (("--siren", "ABCDEFGHI"), "'ABCDEFGHI'"),
        (("--email", "compta.dupont.fr"), "is not an e-mail address"),
        (("--email", "a@b"), "is not an e-mail address"),
        (("--email", "a b@c.fr"), "is not an e-mail address"),
        (("--phone", "call me"), "is not a phone number"),
        (("--phone", "+-"), "is not a phone number"),
        (("--consumer", "maybe"), "Invalid --consumer 'maybe'"),
        (("--consumer", ""), "Invalid --consumer ''"),
        (("--no-reminders", "2"), "Invalid --no-reminders '2'"),
        (("--name", "   "), "--name cannot be empty"),
        (("--name", "x" * 201), "at most 200"),
        (("--address", "x" * 401), "at most 400"),
        (("--note", "n" * 2001), "at most 2000"),
        (("--phone", "0" * 41), "at most 40"),
        (("--email", "a" * 196 + "@b.fr"), "--email"),
        (("--name", "Evil\x1b[2J"), "\\x1b"),
        (("--note", "a\x00b"), "--note"),
        (("--address", "x\ry"), "\\r"),
        (("--name", "Abc\u202edef"), "\\u202e"),
        (("--phone", "01\u2028 02"), "\\u2028"),
    )
):
    CASES_CUSTOMERS.append(edit(str(number), *options, needle=needle))
CASES_CUSTOMERS += [
    edit("auditor", "--consumer", "yes", needle="read-only auditor", user=AUDITOR),
    Bad("group-entry", ["entry"], {}, "expected a subcommand"),
    Bad("entry-exclude-missing", ["entry", "exclude"], {}, "required: id"),
    Bad(
        "entry-exclude-word",
        ["entry", "exclude", "abc"],
        {},
        "Invalid entry id 'abc': expected a whole number from 1 to 2147483647.",
    ),
    Bad("entry-exclude-auditor", ["entry", "exclude", "{entry}"], {}, "read-only auditor", AUDITOR),
    Bad("entry-exclude-999999", ["entry", "exclude", "999999"], {}, "Unknown entry 999999"),
] + [
    Bad(f"entry-exclude-{n}", ["entry", "exclude", n], {}, f"Invalid entry id '{n}'")
    for n in ("0", "-3", "2147483648", "9223372036854775808", str(2**70))
]

# --- rates and risk codes (managers) --------------------------------------------------------
CASES_REFERENCE: list[Bad] = [
    Bad("group-rates", ["rates"], {}, "expected a subcommand"),
    Bad("group-risks", ["risks"], {}, "expected a subcommand"),
    Bad("rates-bad-date", ["rates", "add", "2026-13-01", "12"], {}, "'2026-13-01'"),
    Bad(
        "rates-old-date", ["rates", "add", "1900-01-01", "12"], {}, "from 1999-01-01 to 2099-12-31"
    ),
    Bad("rates-word", ["rates", "add", "2026-07-01", "abc"], {}, "Invalid rate 'abc'"),
    Bad("rates-negative", ["rates", "add", "2026-07-01", "-1"], {}, "Invalid rate '-1'"),
    Bad("rates-huge", ["rates", "add", "2026-07-01", "150"], {}, "Invalid rate '150'"),
    Bad("rates-nan", ["rates", "add", "2026-07-01", "NaN"], {}, "Invalid rate 'NaN'"),
    Bad("rates-note-long", ["rates", "add", "2026-07-01", "12", "--note", "x" * 201], {}, "200"),
    Bad(
        "rates-note-control",
        ["rates", "add", "2026-07-01", "12", "--note", "a\x1b]0;X\x07"],
        {},
        "Note contains a control character (\\x1b): expected plain text",
    ),
    Bad(
        "rates-note-separator",
        ["rates", "add", "2026-07-01", "12", "--note", "a\u2028b"],
        {},
        "Note contains a control character (\\u2028)",
    ),
    Bad("rates-missing-rate", ["rates", "add", "2026-07-01"], {}, "required: rate"),
    Bad("rates-remove-unknown", ["rates", "remove", "2026-07-01"], {}, "No rate starts on"),
    Bad("rates-remove-word", ["rates", "remove", "demain"], {}, "'demain'"),
    Bad("rates-by-agent", ["rates", "add", "2026-07-01", "12"], {}, "manager", AGENT),
    Bad("rates-by-auditor", ["rates", "remove", "2026-01-01"], {}, "manager", AUDITOR),
    Bad("risks-empty", ["risks", "add", ""], {}, "cannot be empty"),
    Bad("risks-long", ["risks", "add", "x" * 41], {}, "at most 40"),
    Bad("risks-exists", ["risks", "add", "insolvable"], {}, "already exists"),
    Bad(
        "risks-control",
        ["risks", "add", "Bad\x1b[2J"],
        {},
        "Risk code contains a control character (\\x1b): expected plain text",
    ),
    Bad(
        "risks-label-bidi",
        ["risks", "add", "Ok", "--label", "Abc\u202edef"],
        {},
        "Label contains a control character (\\u202e)",
    ),
    Bad("risks-label-long", ["risks", "add", "Ok", "--label", "x" * 121], {}, "120"),
    Bad("risks-remove-unknown", ["risks", "remove", "Ruiné"], {}, "Unknown risk code 'Ruiné'"),
    Bad("risks-remove-used", ["risks", "remove", "Insolvable"], {}, "step 7"),
    Bad("risks-by-agent", ["risks", "add", "Neuf"], {}, "manager", AGENT),
    Bad("risks-remove-by-auditor", ["risks", "remove", "Normal"], {}, "manager", AUDITOR),
]
CASES += CASES_CUSTOMERS + CASES_REFERENCE

# --- preventive reminders -------------------------------------------------------------------
CASES += [
    Bad(
        "reminders-send-out",
        ["reminders", "send", "--out", "/nonexistent/dir"],
        {},
        "Invalid --out '/nonexistent/dir': expected an existing folder",
    ),
    Bad(
        "reminders-send-email-auditor",
        ["reminders", "send", "--channel", "email"],
        {},
        "read-only auditor",
        AUDITOR,
    ),
    Bad(
        "reminders-send-fax", ["reminders", "send", "--channel", "fax"], {}, "invalid choice: 'fax'"
    ),
    Bad(
        "reminders-send-auditor",
        ["reminders", "send", "--channel", "mark"],
        {},
        "read-only auditor",
        AUDITOR,
    ),
    Bad("reminders-count-100", ["reminders", "count", "{entry}", "100"], {}, "from 0 to 99"),
    Bad(
        "reminders-count-word",
        ["reminders", "count", "{entry}", "two"],
        {},
        "Invalid reminder count 'two'",
    ),
    Bad("reminders-count-id", ["reminders", "count", "0", "1"], {}, "Invalid entry id '0'"),
    Bad(
        "reminders-count-unknown", ["reminders", "count", "999999", "1"], {}, "Unknown entry 999999"
    ),
    Bad(
        "reminders-count-auditor",
        ["reminders", "count", "{entry}", "1"],
        {},
        "read-only auditor",
        AUDITOR,
    ),
]

# --- export charges and its settings --------------------------------------------------------
CASES += [
    Bad("export-format", ["export", "charges", "--format", "xml"], {}, "Unknown format 'xml'"),
    Bad("export-since", ["export", "charges", "--since", "2026-02-30"], {}, "Invalid --since"),
    Bad(
        "export-out-exists",
        ["export", "charges", "--out", "{dir}/old.csv"],
        {"old.csv": "an earlier export\n"},
        "already exists",
    ),
    Bad(
        "export-out-folder",
        ["export", "charges", "--out", "/nonexistent/dir/x.csv"],
        {},
        "Cannot write /nonexistent/dir/x.csv",
    ),
    Bad("export-auditor", ["export", "charges"], {}, "read-only auditor", AUDITOR),
    Bad(
        "settings-charges-account-customer",
        ["settings", "set", "charges_account_fee", "411999"],
        {},
        "starts with the customer account prefix 411",
    ),
    Bad(
        "settings-charges-account-letters",
        ["settings", "set", "charges_account_penalty", "76x"],
        {},
        "expected account digits",
    ),
    Bad(
        "settings-charges-journal",
        ["settings", "set", "charges_journal", "O D"],
        {},
        "expected a journal code",
    ),
    Bad(
        "settings-join-new-invoices",
        ["settings", "set", "join_new_invoices", "maybe"],
        {},
        "expected true or false",
    ),
]

# --- the database and who acts (--db, --user, init), ids the columns cannot hold -------------
NOT_SQLITE = "it is not a SQLite database"
CORRUPT = b"SQLite format 3\x00" + b"\xff" * 200
CASES_DATABASE: list[Bad] = [
    Bad("db-text", ["--db", "{dir}/notes.txt", "actions"], {"notes.txt": "notes\n"}, NOT_SQLITE),
    Bad("db-text-init", ["--db", "{dir}/notes.txt", "init"], {"notes.txt": "notes\n"}, NOT_SQLITE),
    Bad(
        "db-corrupt",
        ["--db", "{dir}/c.sqlite3", "dossier", "list"],
        {"c.sqlite3": CORRUPT},
        NOT_SQLITE,
    ),
    Bad("db-corrupt-init", ["--db", "{dir}/c.sqlite3", "init"], {"c.sqlite3": CORRUPT}, NOT_SQLITE),
    Bad("db-folder", ["--db", "{dir}", "actions"], {}, "is a folder"),
    Bad("db-folder-init", ["--db", "{dir}", "init"], {}, "is a folder"),
    Bad("db-empty", ["--db", "", "init"], {}, "Invalid --db ''"),
    Bad("db-blank", ["--db", "  ", "actions"], {}, "Invalid --db '  '"),
    Bad(
        "db-under-a-file",
        ["--db", "{dir}/notes.txt/x.sqlite3", "init"],
        {"notes.txt": "notes\n"},
        "Cannot create the database",
    ),
    Bad("db-in-proc", ["--db", "/proc/recouvrement/x.sqlite3", "init"], {}, "Cannot create"),
    Bad("user-empty", ["--user", "", "actions"], {}, "Invalid --user ''"),
    Bad("user-blank", ["--user", " ", "actions"], {}, "Invalid --user ' '"),
    Bad("user-tab-init", ["--user", "\t", "init"], {}, "Invalid --user"),
    Bad("init-stranger", ["init"], {}, "'stranger' is not an active manager", "stranger"),
    Bad("init-agent", ["init"], {}, f"'{AGENT}' is not an active manager", AGENT),
    Bad("init-auditor", ["init"], {}, f"'{AUDITOR}' is not an active manager", AUDITOR),
    Bad("init-deactivated", ["init"], {}, f"'{GONE}'", GONE),
    Bad(
        "done-max-id", ["intervention", "done", "2147483647"], {}, "Unknown intervention 2147483647"
    ),
] + [
    Bad(
        f"{verb}-id-{value}",
        ["intervention", verb, value, *extra],
        {},
        f"Invalid intervention id '{value}'",
    )
    for verb, extra in (("done", ()), ("skip", ()), ("reschedule", ("--date", "2026-03-03")))
    for value in ("9999999999", "99999999999999999999", "2147483648", "0", "-1", "1.5")
]
CASES += CASES_DATABASE


# --- the seeded database, once per backend ---------------------------------------------------


def seed(db: TestDB) -> dict[str, str]:
    """Customers, entries, users, and dossiers open (with done, to-do and manual
    interventions), paused and closed; the names the cases use for them."""
    with db.ctx("2026-02-02") as ctx:
        for login, role in ((AGENT, "agent"), (OTHER_AGENT, "agent"), (AUDITOR, "auditor")):
            add_user(ctx.session, ctx.actor, login, role)
        add_user(ctx.session, ctx.actor, GONE, "agent", active=False)
        for code in ("C1", "C2", "C3", "C4"):
            customer = add_customer(ctx.session, code, f"Client {code}")
            add_entry(ctx.session, customer, "invoice", "2025-12-01", "1200.00", due="2025-12-31")
        add_customer(ctx.session, "C5", "Rien à payer")
    with db.ctx("2026-02-02") as ctx:
        numbers = {
            name: open_dossier(ctx, code, BUILTIN_NAME, agent=AGENT).number
            for name, code in (("open", "C1"), ("paused", "C2"), ("closed", "C3"))
        }
    with db.ctx("2026-02-02") as ctx:
        todo = current_todo(ctx.session, find_dossier(ctx.session, numbers["open"]).id or 0)
        assert todo is not None and todo.id is not None
        done = todo.id
        mark_done(ctx, done, note="appel")
    with db.ctx("2026-02-10", AGENT) as ctx:
        add_manual(ctx, numbers["open"], "phone", note="rappeler")
        pause(ctx, numbers["paused"], dt.date(2026, 3, 20), "Promesse")
        closed = find_dossier(ctx.session, numbers["closed"])
        close(ctx, closed, "test", dt.date(2026, 2, 10))

    def todo_of(number: str, manual: bool = False, status: str = "todo") -> str:
        with db.session() as session:
            dossier = find_dossier(session, number)
            step_no = col(Intervention.step_no)
            query = (
                select(col(Intervention.id))
                .where(
                    col(Intervention.dossier_id) == dossier.id,
                    col(Intervention.status) == status,
                    step_no.is_(None) if manual else step_no.is_not(None),
                )
                .order_by(col(Intervention.id))
            )
            return str(session.execute(query).scalars().first())

    with db.session() as session:
        c4 = session.execute(select(Customer.id).where(Customer.code == "C4")).scalar_one()
        entry = session.execute(select(Entry.id).where(Entry.customer_id == c4)).scalar_one()
    return {
        **numbers,
        "entry": str(entry),
        "todo": todo_of(numbers["open"]),
        "done": str(done),
        "manual": todo_of(numbers["open"], manual=True),
        "held": todo_of(numbers["paused"]),
        "skipped": todo_of(numbers["closed"], status="skipped"),
    }


class Seeded:
    def __init__(self, db: TestDB, names: dict[str, str], restore: Any) -> None:
        self.db, self.names, self._restore = db, names, restore
        self.before = dump(db)

    def restore(self) -> None:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        self._restore()


# The commands share one engine per database and one parser, as the corpus runs hundreds of
# them: a new connection per command would make up most of its time on PostgreSQL.
_engines: dict[str, Any] = {}


@pytest.fixture(autouse=True, scope="module")
def shared_engines() -> Iterator[None]:
    import models.db

    make = models.db.make_engine

    def cached(url: str | None = None, **kwargs: Any) -> Any:
        if kwargs or url is None:
            return make(url, **kwargs)
        if url not in _engines:
            _engines[url] = make(url)
        return _engines[url]

    cached.shared = True  # type: ignore[attr-defined]  # conftest's per-test sharing stands aside
    models.db.make_engine = cached  # type: ignore[assignment]
    yield
    models.db.make_engine = make  # type: ignore[assignment]
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> Iterator[Seeded]:
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("bad_inputs")
        path, copy = folder / "seeded.sqlite3", folder / "copy.sqlite3"
        shutil.copy(sqlite_template, path)
        engine = make_engine(str(path))
        db = TestDB(str(path), engine, session_factory(engine))
        names = seed(db)
        engine.dispose()
        shutil.copy(path, copy)

        def restore() -> None:
            db.engine.dispose()
            gc.collect()  # the commands' engines, and their connections
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            shutil.copy(copy, path)

        yield Seeded(db, names, restore)
        engine.dispose()
        return
    pg_template = request.getfixturevalue("pg_template")
    if pg_template is None:
        pytest.skip(f"PostgreSQL not configured ({PG_ENV})")
    server, template_name = pg_template
    admin = _admin(server)
    work, kept = f"rcv_bad_{os.getpid()}", f"rcv_bad_seed_{os.getpid()}"

    def create(name: str, template: str) -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    create(work, template_name)
    url = make_url(server).set(drivername="postgresql+psycopg", database=work)
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    db = TestDB(rendered, engine, session_factory(engine))
    names = seed(db)
    engine.dispose()
    create(kept, work)

    def restore_pg() -> None:
        db.engine.dispose()
        gc.collect()  # the commands' engines: their connections would block DROP DATABASE
        create(work, kept)

    yield Seeded(db, names, restore_pg)
    engine.dispose()
    gc.collect()
    with admin.connect() as conn:
        for name in (work, kept):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# --- the corpus ------------------------------------------------------------------------------


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert len(CASES) >= 150


def _fill(value: str, names: dict[str, str]) -> str:
    for key, replacement in names.items():
        value = value.replace("{" + key + "}", replacement)
    return value


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_with_one_clear_line(
    seeded: Seeded, case: Bad, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = {**seeded.names, "dir": str(tmp_path)}
    for name, content in case.files.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(_fill(content, names), encoding="utf-8", newline="")
    argv = [_fill(arg, names) for arg in case.argv]
    code = main(["--db", seeded.db.url, "--user", case.user, "--today", TODAY, *argv])
    out, err = capsys.readouterr()
    after = dump(seeded.db)
    if after != seeded.before:
        seeded.restore()
    assert after == seeded.before, f"{case.id} wrote to the database: {err}"
    assert code == 2, (code, out, err)
    assert out == "", out
    assert case.needle in err, err
    assert "Traceback" not in err and "Unexpected error" not in err, err
    assert not any(word in err for word in SQL_WORDS), err
    lines = err.rstrip("\n").split("\n")
    assert lines[0].strip(), err
    if len(lines) > 1:  # a refused CSV file: a first line, then one line per bad line
        assert lines[0].startswith("Nothing was imported from"), err
        assert all(line.startswith("line ") for line in lines[1:]), err
    assert len(err) < 2000, f"{len(err)} characters: a value is not cut short"


def test_a_refused_csv_file_names_each_bad_line_on_a_line_of_its_own(
    seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "two.csv"
    path.write_text(csv_file(HEADER, line(date="2026-13-01"), line(debit="x\x1b[2J")))
    code = main(
        ["--db", seeded.db.url, "--user", MANAGER, "--today", TODAY, "import", "csv", str(path)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [
        f"Nothing was imported from {path}: 2 invalid lines.",
        "line 2: date '2026-13-01': expected YYYY-MM-DD or DD/MM/YYYY",
        "line 3: debit 'x\\x1b[2J': expected a number such as 1200.50 or 1 200,50",
    ]
