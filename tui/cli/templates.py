"""Letter templates: ``templates list/export/import/reset`` (rules in
engine.documents.templates; this module only reads arguments and prints)."""

from __future__ import annotations

from pathlib import Path

from engine.errors import UserError
from engine.i18n import _
from tui.cli.options import Parser, Subcommands, command, group, json_flag
from tui.cli.output import out, out_json, table
from tui.cli.runtime import Runtime

LANGS = ("fr", "en")


def _lang_option(p: Parser, required: bool = False) -> None:
    # Its own dest: the global --lang is the language of the interface.
    p.add_argument(
        "--lang",
        dest="template_lang",
        choices=LANGS,
        required=required,
        help=_("language of the template (default: the document_language setting)"),
    )


def add_list(g: Subcommands) -> None:
    json_flag(command(g, "list", cmd_templates_list, _("list the templates and their versions")))


def cmd_templates_list(rt: Runtime) -> None:
    from engine.documents.templates import templates_in_force

    with rt.ctx(write=False) as ctx:
        rows = templates_in_force(ctx.session)
    if rt.args.json:
        out_json(
            [
                {
                    "name": r.name,
                    "language": r.language,
                    "version": r.version,
                    "builtin": r.builtin,
                    "saved_at": r.saved_at.isoformat() if r.saved_at else None,
                    "saved_by": r.saved_by or None,
                }
                for r in rows
            ]
        )
        return
    table(
        [
            (
                r.name,
                r.language,
                str(r.version),
                _("built-in") if r.builtin else _("custom"),
                r.saved_at.strftime("%Y-%m-%d %H:%M") if r.saved_at else "",
                r.saved_by,
            )
            for r in rows
        ],
        [_("name"), _("language"), _("version"), _("text"), _("saved at"), _("saved by")],
    )


def add_export(g: Subcommands) -> None:
    p = command(g, "export", cmd_templates_export, _("print the text of a template in force"))
    p.add_argument("name")
    _lang_option(p)


def _language(rt: Runtime, ctx: object) -> str:
    return str(rt.args.template_lang or ctx.settings.document_language)  # type: ignore[attr-defined]


def cmd_templates_export(rt: Runtime) -> None:
    from engine.documents.templates import template_in_force

    with rt.ctx(write=False) as ctx:
        text = template_in_force(ctx.session, rt.args.name, _language(rt, ctx))
    out(text.body)


def add_import(g: Subcommands) -> None:
    p = command(
        g,
        "import",
        cmd_templates_import,
        _("save a file's text as the new version of a template (managers)"),
    )
    p.add_argument("file")
    p.add_argument("--name", required=True)
    _lang_option(p, required=True)


def cmd_templates_import(rt: Runtime) -> None:
    from engine.documents.templates import save_template, template_in_force

    path = Path(rt.args.file)
    try:
        body = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not text
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(_("Cannot read {path}: {error}.").format(path=path, error=exc)) from exc
    with rt.ctx() as ctx:
        before = template_in_force(ctx.session, rt.args.name, rt.args.template_lang)
        saved = save_template(ctx, rt.args.name, rt.args.template_lang, body)
    if saved.version == before.version:
        out(
            _("Template {name} ({language}) is already this text: nothing changed.").format(
                name=saved.name, language=saved.language
            )
        )
        return
    out(
        _("Template {name} ({language}) saved as version {version}.").format(
            name=saved.name, language=saved.language, version=saved.version
        )
    )


def add_reset(g: Subcommands) -> None:
    p = command(
        g, "reset", cmd_templates_reset, _("put the built-in text of a template back (managers)")
    )
    p.add_argument("name")
    _lang_option(p)


def cmd_templates_reset(rt: Runtime) -> None:
    from engine.documents.templates import reset_template, template_in_force

    with rt.ctx() as ctx:
        language = _language(rt, ctx)
        before = template_in_force(ctx.session, rt.args.name, language)
        saved = reset_template(ctx, rt.args.name, language)
    if saved.version == before.version:
        out(
            _("Template {name} ({language}) is already the built-in text: nothing changed.").format(
                name=saved.name, language=saved.language
            )
        )
        return
    out(
        _("Template {name} ({language}): the built-in text is back, as version {version}.").format(
            name=saved.name, language=saved.language, version=saved.version
        )
    )


def register(commands: Subcommands) -> None:
    g = group(commands, "templates", _("letter templates"))
    add_list(g)
    add_export(g)
    add_import(g)
    add_reset(g)
