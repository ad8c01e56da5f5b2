"""The e-mails not sent yet: ``outbox`` lists them, ``outbox send`` tries them again (once
an SMTP server is set, or after it refused them). Rules in engine.documents.produce."""

from __future__ import annotations

from engine.i18n import _
from tui.cli.letters import send_and_say
from tui.cli.options import Parser, Subcommands, command, json_flag
from tui.cli.output import err, out, out_json, table
from tui.cli.runtime import Runtime


def cmd_outbox(rt: Runtime) -> None:
    from engine.reads.documents import waiting_emails

    with rt.ctx(write=False) as ctx:
        rows = waiting_emails(ctx.session)
    if rt.args.json:
        out_json(
            [
                {
                    "document": row.id,
                    "day": row.day.isoformat(),
                    "customer": row.customer,
                    "dossier": row.dossier,
                    "kind": row.kind,
                    "recipient": row.recipient,
                    "subject": row.subject,
                    "status": row.status,
                    "error": row.error or None,
                }
                for row in rows
            ]
        )
        return
    if not rows:
        out(_("No e-mail waiting: the outbox is empty."))
        return
    table(
        [
            (
                row.id,
                row.day.isoformat(),
                row.customer,
                row.dossier or "",
                row.recipient,
                _(row.status),
                row.error,
            )
            for row in rows
        ],
        [_("document"), _("day"), _("customer"), _("dossier"), _("to"), _("status"), _("why")],
    )


def cmd_outbox_send(rt: Runtime) -> None:
    from engine.documents.produce import requeue_waiting

    with rt.ctx() as ctx:
        requeued = requeue_waiting(ctx)
    for document_id, reason in requeued.refused:
        err(_("Document {id} not sent: {reason}").format(id=document_id, reason=reason))
    if not requeued.mailing.items:
        if not requeued.refused:
            out(_("No e-mail waiting: the outbox is empty."))
        return
    if requeued.mailing.smtp is None:
        out(
            _("{count} e-mail(s) wait in the outbox: no SMTP server is set (smtp_host).").format(
                count=len(requeued.mailing.items)
            )
        )
        return
    send_and_say(rt, requeued.mailing)


def register(commands: Subcommands) -> None:
    p = command(commands, "outbox", cmd_outbox, _("the e-mails not sent yet"))
    json_flag(p)
    sub = p.add_subparsers(dest="sub", parser_class=Parser, metavar="SUBCOMMAND")
    command(sub, "send", cmd_outbox_send, _("send the e-mails waiting in the outbox"))
