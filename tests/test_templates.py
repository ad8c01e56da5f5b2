"""Letter templates (engine.documents.templates): the sandbox, strict placeholders, the
built-in letters on the demo's dossiers, versions, and the ``templates`` command."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from engine.bootstrap import initialize
from engine.context import Ctx
from engine.demo import build_demo
from engine.documents.compose import compose_letter
from engine.documents.context import customer_context, dossier_context, sample_context
from engine.documents.letter import Table, parse_body
from engine.documents.templates import (
    MAX_RANGE,
    TEMPLATE_KINDS,
    TEMPLATE_NAMES,
    RenderError,
    builtin_text,
    render,
    reset_template,
    save_template,
    template_in_force,
    templates_in_force,
)
from engine.errors import Forbidden, UserError
from models.db import make_engine, session_factory, transaction
from models.tables import Customer, DocumentTemplate, Dossier, Entry
from tests.conftest import MANAGER, TestDB, built_once
from tui.cli import main

NBSP = "\u00a0"
LANGUAGES = ("fr", "en")
DEMO_DAY = dt.date(2026, 3, 2)


def sample(language: str = "fr", kind: str = "dossier") -> Any:
    return sample_context(language, kind)


# --- the sandbox ------------------------------------------------------------------------

SET_BOMB = (
    "{% set a %}{% for i in range(1000) %}xxxxxxxxxxxxxxxx{% endfor %}{% endset %}"
    "{% set b %}{% for i in range(1000) %}{{ a }}{% endfor %}{% endset %}"
    "{% set c %}{% for i in range(1000) %}{{ b }}{% endfor %}{% endset %}"
)
ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ lipsum.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}",
    "{% from 'os' import system %}",
    "{% extends 'base.txt' %}",
    "{{ config }}",
    "{{ request }}",
    "{{ customer._sa_instance_state }}",
    "{{ customer['__class__'] }}",
    "{{ customer|attr('__class__') }}",
    "{{ items|map(attribute='__class__')|list }}",
    "{{ items|sort(attribute='__class__')|list }}",
    "{{ '{0.__class__}'.format(customer) }}",
    "{{ '{0}'.format(customer) }}",
    "{{ customer.name.format() }}",
    "{{ customer.name.upper() }}",
    "{{ items.count(1) }}",
    "{{ range.__self__ }}",
    "{{ self }}",
    "{{ dict(a=1) }}",
    "{% set ns = namespace(x=1) %}{{ ns.x }}",
    "{% for i in range(10**9) %}x{% endfor %}",
    "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "{{ 'a' * 10**9 }}",
    "{{ [1] * 10**9 }}",
    "{{ 9**9**9 }}",
    "{{ 2 ** 1000 }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '%s' % customer }}",
    "{{ 'aaaa'|replace('', 'b'*100000) }}",
    "{{ 'x'|center(1000000000) }}",
    "{{ 'x'|indent(1000000000) }}",
    "{{ ('x\n' * 1000)|indent(customer.name * 1000) }}",
    "{{ range(10000)|map('string')|join(customer.name * 1000) }}",
    "{{ items|join(customer.name * 6000) }}",
    "{{ ([items * 60000] * 10000)|sum(start=()) }}",
    "{{ ['a', 'b']|sum(start='') }}",
    "{{ customer['_' ~ '_class__'] }}",
    "{{ customer|attr('name') }}",
    "{{ ('x' * 100000)|wordwrap(1, wrapstring=customer.name * 1000) }}",
    "{{ 'x'|format(1) }}",
    "{% macro m(n) %}{% for i in range(n) %}{{ m(i) }}{% endfor %}{% endmacro %}{{ m(40) }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% for x in items recursive %}{{ loop(items) }}{% endfor %}",
    SET_BOMB,
    "{% set s = 'x' * 100000 %}{% set s = s ~ s %}{% set s = s ~ s %}{{ s }}",
    "{% set s = 'x' * 100000 %}{{ (s + s + s)|length }}",
    "{{ loop }}",
    "{{ caller() }}",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_escape_payloads_are_refused(payload: str) -> None:
    for kind in ("dossier", "customer"):
        with pytest.raises(RenderError):
            render(payload, sample("fr", kind))


@pytest.mark.parametrize("payload", [*ESCAPES[:12], "{{ 'x' * 10**9 }}"])
def test_escape_payloads_save_nothing(db: TestDB, payload: str) -> None:
    with db.ctx() as ctx, pytest.raises(UserError, match="relance_1"):
        save_template(ctx, "relance_1", "fr", "Objet : x\n" + payload)
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(DocumentTemplate)).one() == 0


def test_limits_name_what_went_over() -> None:
    with pytest.raises(RenderError, match=str(MAX_RANGE)):
        render("{% for i in range(10**9) %}x{% endfor %}", sample())
    with pytest.raises(RenderError, match="too long"):
        render("{{ 'a' * 10**9 }}", sample())
    with pytest.raises(RenderError, match="loops or calls too much"):
        render(
            "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
            sample(),
        )
    with pytest.raises(RenderError, match="writes too much"):
        render(SET_BOMB, sample())


def test_what_a_letter_needs_still_works() -> None:
    body = (
        "Objet : {{ dossier.number }} – {{ customer.name|upper }}\n"
        "{% macro cell(x) %}[{{ x }}]{% endmacro %}"
        "{% for item in items %}{{ loop.index }}{{ loop.cycle('a', 'b') }} {{ cell(item.invoice) }}"
        " {{ item.open_amount|money }} {{ item.due_date|date }} {{ item.due_date|date('short') }}\n"
        "{% endfor %}"
        "{{ items|map(attribute='invoice')|join(', ') }}\n"
        "{{ items|selectattr('days_late', 'gt', 0)|list|length }} late\n"
        "{{ items|sum(attribute='open_amount')|money }} {{ [1, 2]|sum }}\n"
        "{{ (totals.due + interest_accrued)|money }} {{ penalty_rate|percent }} "
        "{{ totals.due|number }} {{ 'a' ~ customer.code }} {{ customer['code'] }} {{ 3 * 4 }}\n"
        "{% if contact.name %}{{ contact.name }}{% endif %} {{ company.address_lines|join(' / ') }}"
    )
    text = render(body, sample("fr"))
    lines = text.splitlines()
    assert lines[0] == "Objet : D000042 – ÉTABLISSEMENTS MARTIN & FILS SARL"
    assert lines[1] == f"1a [FA-2026-0102] 1{NBSP}200,00{NBSP}€ 1er février 2026 01/02/2026"
    assert "FA-2026-0102, FA-2026-0131, AV-2026-0007" in lines
    assert "2 late" in lines
    assert f"1{NBSP}914,50{NBSP}€ 3" in lines
    assert f"2{NBSP}050,46{NBSP}€ 12,15{NBSP}% 2{NBSP}046,07 aCMARTIN CMARTIN 12" in lines
    english = render(body, sample("en")).splitlines()
    assert english[1] == "1a [FA-2026-0102] €1,200.00 1 February 2026 01/02/2026"
    assert "€2,050.46 12.15% 2,046.07 aCMARTIN CMARTIN 12" in english


def test_strict_placeholders_name_the_line() -> None:
    with pytest.raises(RenderError) as info:
        render("Objet : x\n\nBonjour {{ custmer.name }}", sample())
    assert info.value.line == 3 and "custmer" in info.value.message
    assert info.value.message.startswith("Line 3:")
    with pytest.raises(RenderError, match=r"customer\.nmae.*known: code, name"):
        render("{{ customer.nmae }}", sample())
    with pytest.raises(RenderError, match="syntax error"):
        render("Objet : x\n{% if %}", sample())
    with pytest.raises(RenderError, match="cannot be printed"):
        render("{{ customer }}", sample())
    with pytest.raises(RenderError, match="list cannot be printed"):
        render("{{ customer.address_lines }}", sample())
    with pytest.raises(RenderError, match="empty"):
        render("{{ none }}", {"none": None})
    with pytest.raises(RenderError, match="ZeroDivisionError"):
        render("{{ 1 / 0 }}", sample())
    with pytest.raises(RenderError, match="no element 9"):
        render("{{ items[9].invoice }}", sample())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_renders_or_is_a_user_error(body: str) -> None:
    with contextlib.suppress(UserError):
        assert isinstance(render(body, sample()), str)


TEMPLATE_BITS = st.sampled_from(
    ["{{", "}}", "{%", "%}", "for", "in", "items", "endfor", "if", "endif", "customer", ".",
     "name", "|", "money", "date", "(", ")", "[", "]", "~", "*", "**", "9", "'", " ", "\n",
     "range", "loop", "macro", "set", "=", "_", "__class__", "set", "endset", "call"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEMPLATE_BITS, max_size=40).map("".join))
def test_any_template_like_text_renders_or_is_a_user_error(body: str) -> None:
    with contextlib.suppress(UserError):
        assert isinstance(render(body, sample("en", "customer")), str)


# --- the built-in letters ---------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_builtin_renders_against_both_samples(name: str, language: str) -> None:
    body = builtin_text(name, language)
    for kind in ("dossier", "customer"):
        text = render(body, sample(language, kind))
        subject, blocks = parse_body(text)
        assert subject.startswith("Objet : " if language == "fr" else "Subject: ")
        assert not any(mark in text for mark in ("{{", "}}", "{%", "%}", "None"))
        assert any(isinstance(block, Table) for block in blocks)
        assert "\n\n\n" not in text


def test_formal_notice_says_what_the_law_requires() -> None:
    text = render(builtin_text("mise_en_demeure", "fr"), sample("fr"))
    for needed in (
        "Mise en demeure de payer",
        "L441-10",
        "D441-5",
        f"12,15{NBSP}%",
        f"40,00{NBSP}€",
        "huit jours",
        "4 avril 2026",  # 27 mars + 8 jours
        f"4,39{NBSP}€",  # interest accrued
        "injonction de payer",
        f"2{NBSP}046,07{NBSP}€",
    ):
        assert needed in text, needed
    english = render(builtin_text("mise_en_demeure", "en"), sample("en"))
    assert "Formal notice to pay" in english and "4 April 2026" in english


def test_payment_order_summary_has_the_request_figures() -> None:
    text = render(builtin_text("injonction", "fr"), sample("fr"))
    for needed in ("SIREN 732829320", "SIREN 552100554", "FA-2026-0102", "01/02/2026",
                   f"21,57{NBSP}€", f"4,39{NBSP}€", f"80,00{NBSP}€", f"30,00{NBSP}€",
                   f"2{NBSP}050,46{NBSP}€"):  # fmt: skip
        assert needed in text, needed


def test_builtin_files_ship_with_the_package() -> None:
    root = Path(__file__).resolve().parent.parent / "engine" / "documents" / "builtin"
    files = {path.name for path in root.glob("*.txt")}
    assert files == {f"{name}.{lang}.txt" for name in TEMPLATE_NAMES for lang in LANGUAGES}
    # The wheel takes the whole engine package (pyproject: packages = [..., "engine"]),
    # text files included, as it does the .mo catalogs.
    pyproject = (root.parent.parent.parent / "pyproject.toml").read_text()
    assert 'packages = ["tui", "models", "engine"]' in pyproject


def test_scenarios_use_known_templates() -> None:
    from engine.scenarios import BUILTIN, COURTESY

    used = {step.template for spec in (BUILTIN, COURTESY) for step in spec.steps if step.template}
    assert used and used <= set(TEMPLATE_KINDS)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Engine]:
    """The small demo tests/test_demo.py builds (the same file, built once per run)."""

    def build(engine: Engine) -> None:
        messages: list[str] = []
        report = build_demo(engine, MANAGER, DEMO_DAY, progress=messages.append)
        assert messages and report.seconds > 0

    built = built_once(tmp_path_factory, sqlite_template, "demo_small", build)
    path = tmp_path_factory.mktemp("letters") / "small.sqlite3"
    shutil.copy(built, path)
    engine = make_engine(str(path))
    yield engine
    engine.dispose()


def test_every_builtin_letter_renders_for_the_demo(small: Engine) -> None:
    with Session(small) as session:
        ctx = Ctx.load(session, MANAGER, DEMO_DAY)
        dossiers = session.exec(select(Dossier.id).order_by(Dossier.id)).all()
        customers = session.exec(
            select(Customer.id)
            .where(Customer.id.in_(select(Entry.customer_id).where(Entry.open_amount != 0)))  # type: ignore[union-attr]
            .order_by(Customer.id)
            .limit(40)
        ).all()
        assert len(dossiers) > 50 and customers
        rendered = 0
        for language in LANGUAGES:
            for dossier_id in dossiers:
                assert dossier_id is not None
                context = dossier_context(ctx, dossier_id, DEMO_DAY, language)
                for name, kind in TEMPLATE_KINDS.items():
                    if kind == "dossier":
                        rendered += _check_letter(ctx, name, language, context)
            for customer_id in customers:
                assert customer_id is not None
                context = customer_context(ctx, customer_id, DEMO_DAY, language)
                for name in ("avis_echeance", "releve"):
                    rendered += _check_letter(ctx, name, language, context)
        assert rendered > 1000


def _check_letter(ctx: Ctx, name: str, language: str, context: Any) -> int:
    letter, version = compose_letter(ctx, name, language, context)
    assert version == 0
    assert letter.subject and letter.recipient.name == context.customer.name
    for block in letter.blocks:
        texts = [block] if isinstance(block, str) else [*block.header, *sum(block.rows, ())]
        for text in texts:
            assert "{" not in text and "}" not in text and "None" not in text, (name, text)
    return 1


# --- versions -----------------------------------------------------------------------------


def test_versions(db: TestDB) -> None:
    with db.ctx() as ctx:
        builtin = template_in_force(ctx.session, "relance_1", "fr")
        assert builtin.version == 0 and builtin.builtin
        body = "Objet : Relance {{ dossier.number }}\n\nMerci de régler {{ totals.due_text }}.\n"
        saved = save_template(ctx, "relance_1", "fr", body)
        assert (saved.version, saved.saved_by) == (1, MANAGER) and saved.saved_at is not None
        # The same text again writes nothing.
        assert save_template(ctx, "relance_1", "fr", body).version == 1
        assert save_template(ctx, "relance_1", "fr", body.replace("\n", "\r\n")).version == 1
        second = save_template(ctx, "relance_1", "fr", body + "\nCordialement.\n")
        assert second.version == 2
        # The other language keeps its built-in text.
        assert template_in_force(ctx.session, "relance_1", "en").version == 0
        reset = reset_template(ctx, "relance_1", "fr")
        assert reset.version == 3 and reset.body == builtin_text("relance_1", "fr")
        assert reset_template(ctx, "relance_1", "fr").version == 3
        in_force = {(t.name, t.language): t.version for t in templates_in_force(ctx.session)}
        assert in_force[("relance_1", "fr")] == 3 and in_force[("releve", "en")] == 0
        assert len(in_force) == len(TEMPLATE_NAMES) * 2
    with db.session() as session:
        rows = session.exec(select(DocumentTemplate).order_by(DocumentTemplate.version)).all()
        assert [row.version for row in rows] == [1, 2, 3]


def test_saving_is_checked(db: TestDB) -> None:
    with db.ctx() as ctx:
        with pytest.raises(UserError, match=r"'relanse'.*relance_1"):
            save_template(ctx, "relanse", "fr", "Objet : x")
        with pytest.raises(UserError, match="'de'"):
            save_template(ctx, "relance_1", "de", "Objet : x")
        with pytest.raises(UserError, match=r"relance_1 \(fr\).*Line 2.*'montant'"):
            save_template(ctx, "relance_1", "fr", "Objet : x\n{{ montant }}")
        with pytest.raises(UserError, match="object of the letter, is empty"):
            save_template(ctx, "relance_1", "fr", "{{ dossier.reason|trim }}\nCorps")
        with pytest.raises(UserError, match="syntax error"):
            save_template(ctx, "relance_1", "fr", "Objet : x\n{% for i in items %}")
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(DocumentTemplate)).one() == 0


def test_only_managers_save(db: TestDB) -> None:
    from engine.access import add_user

    with db.session() as session:
        add_user(session, None, "alice", "agent")
    with db.ctx(login="alice") as ctx, pytest.raises(Forbidden):
        save_template(ctx, "relance_1", "fr", "Objet : x")
    with db.ctx(login="alice") as ctx, pytest.raises(Forbidden):
        reset_template(ctx, "relance_1", "fr")


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def dbfile(tmp_path: Path) -> str:
    path = str(tmp_path / "templates.sqlite3")
    engine = make_engine(path)
    initialize(engine, MANAGER)
    with transaction(session_factory(engine)) as session:
        from engine.access import add_user

        add_user(session, None, "alice", "agent")
    engine.dispose()
    return path


class Cli:
    def __init__(self, db: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.db, self.capsys = db, capsys

    def __call__(self, *args: str, user: str = MANAGER) -> tuple[int, str, str]:
        # The interface in English (the first --lang); a command's own --lang comes after.
        code = main(
            ["--lang", "en", "--db", self.db, "--user", user, "--today", "2026-03-02", *args]
        )
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def cli(dbfile: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(dbfile, capsys)


def test_cli_list_export_import_reset(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("templates", "list", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == len(TEMPLATE_NAMES) * 2
    assert set(rows[0]) == {"name", "language", "version", "builtin", "saved_at", "saved_by"}
    assert all(row["builtin"] and row["version"] == 0 for row in rows)
    code, out, err = cli("templates", "export", "mise_en_demeure")
    assert code == 0 and out.startswith("Objet : Mise en demeure de payer")  # document_language
    code, out, _ = cli("templates", "export", "mise_en_demeure", "--lang", "en")
    assert code == 0 and out.startswith("Subject: Formal notice")
    assert out == builtin_text("mise_en_demeure", "en")
    # Exported text imports back unchanged.
    exported = tmp_path / "mise_en_demeure.en.txt"
    exported.write_text(out, encoding="utf-8")
    code, out, _ = cli(
        "templates", "import", str(exported), "--name", "mise_en_demeure", "--lang", "en"
    )
    assert code == 0 and "nothing changed" in out
    mine = tmp_path / "mine.txt"
    mine.write_text("Subject: Pay {{ dossier.number }}\n\nPlease pay {{ totals.due_text }}.\n")
    with_bom = tmp_path / "bom.txt"
    with_bom.write_bytes(b"\xef\xbb\xbf" + mine.read_bytes())
    code, out, _ = cli("templates", "import", str(mine), "--name", "relance_1", "--lang", "en")
    assert code == 0 and "version 1" in out
    code, out, _ = cli("templates", "export", "relance_1", "--lang", "en")
    assert out == mine.read_text()
    code, out, _ = cli("templates", "import", str(with_bom), "--name", "relance_1", "--lang", "en")
    assert code == 0 and "nothing changed" in out
    code, out, _ = cli("templates", "list")
    assert code == 0 and "custom" in out and "relance_1" in out
    listed = {
        (r["name"], r["language"]): r for r in json.loads(cli("templates", "list", "--json")[1])
    }
    assert listed[("relance_1", "en")]["version"] == 1
    assert listed[("relance_1", "en")]["saved_by"] == MANAGER
    code, out, _ = cli("templates", "reset", "relance_1", "--lang", "en")
    assert code == 0 and "version 2" in out
    code, out, _ = cli("templates", "reset", "relance_1", "--lang", "en")
    assert code == 0 and "nothing changed" in out


def test_cli_refusals_write_nothing(cli: Cli, tmp_path: Path) -> None:
    def importing(path: Path, *rest: str) -> tuple[str, ...]:
        return ("templates", "import", str(path), *rest)

    bad = tmp_path / "bad.txt"
    bad.write_text("Objet : {{ dossier.nombre }}\n")
    payload = tmp_path / "payload.txt"
    payload.write_text("Objet : x\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    relance = ("--name", "relance_1", "--lang", "fr")
    cases: list[tuple[str, tuple[str, ...], str]] = [
        ("unknown placeholder", importing(bad, *relance), "dossier.nombre"),
        ("sandbox", importing(payload, *relance), "not allowed"),
        ("unknown name", ("templates", "export", "relanse"), "relance_1"),
        ("unknown name", importing(bad, "--name", "x", "--lang", "fr"), "'x'"),
        ("missing file", importing(tmp_path / "none.txt", *relance), "Cannot read"),
        ("not UTF-8", importing(binary, *relance), "Cannot read"),
        ("bad language", ("templates", "export", "relance_1", "--lang", "de"), "invalid choice"),
        ("no language", importing(bad, "--name", "relance_1"), "--lang"),
        ("no name", importing(bad, "--lang", "fr"), "--name"),
        ("no subcommand", ("templates",), "subcommand"),
    ]
    for why, args, expected in cases:
        code, _out, err = cli(*args)
        assert code == 2, why
        assert expected in err, (why, err)
        assert "Traceback" not in err
    mine = tmp_path / "mine.txt"
    mine.write_text("Objet : x\n")
    code, _out, err = cli(*importing(mine, *relance), user="alice")
    assert code == 2 and "manager" in err
    code, _out, err = cli("templates", "reset", "relance_1", user="alice")
    assert code == 2 and "manager" in err
    engine = make_engine(cli.db)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(DocumentTemplate)).one() == 0
    engine.dispose()
