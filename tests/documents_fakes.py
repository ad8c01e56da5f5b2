"""A small fake of the letters' outputs for tests of the flow (engine.documents.produce):
a letter naming its template and dossier, a "PDF" listing the subjects, e-mails written
as .eml files, an SMTP server that records or refuses."""

from __future__ import annotations

import datetime as dt
import email.policy
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from engine.documents.letter import Letter, Party
from engine.documents.produce import Toolkit
from engine.errors import UserError
from models.tables import Dossier


@dataclass
class Fakes:
    outbox: Path
    sent: list[EmailMessage] = field(default_factory=list)
    refuse: str = ""
    broken: str = ""  # a template name that does not render

    def context(self, ctx: Any, dossier_id: int, day: dt.date, language: str) -> Any:
        dossier = ctx.session.get(Dossier, dossier_id)
        return {"number": dossier.number, "day": day, "language": language}

    def compose(self, ctx: Any, name: str, language: str, context: Any) -> tuple[Letter, int]:
        if name == self.broken:
            raise UserError(f"Template {name} line 1: unknown placeholder.")
        subject = f"{name} {context['number']} {context['day']}"
        letter = Letter(
            language, Party("Ma Société"), (), Party("Client"), "Paris", subject, ("Corps",)
        )
        return letter, 3

    def pdf(self, letters: Sequence[Letter]) -> bytes:
        return b"%PDF-fake\n" + "\n".join(item.subject for item in letters).encode()

    def text(self, letter: Letter) -> str:
        return f"{letter.subject}\n\nCorps"

    def message(
        self, letter: Letter, pdf: bytes, *, sender: str, recipient: str, filename: str
    ) -> EmailMessage:
        message = EmailMessage(policy=email.policy.SMTP)
        message["From"] = sender
        message["To"] = recipient
        message["Subject"] = letter.subject
        message.set_content(self.text(letter))
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
        return message

    def write_outbox(self, message: EmailMessage, outbox: Path) -> Path:
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{len(list(outbox.rglob('*.eml'))):04d}.eml"
        path.write_bytes(message.as_bytes())
        return path

    def send(self, messages: Sequence[EmailMessage], smtp: Any) -> list[str]:
        if self.refuse:
            return [self.refuse] * len(messages)
        self.sent.extend(messages)
        return [""] * len(messages)

    def smtp(self, settings: Any) -> Any:
        return type("Smtp", (), {"sender": "recouvrement@example.fr"})()

    def folder(self, settings: Any) -> Path:
        return self.outbox

    def tools(self) -> Toolkit:
        return Toolkit(
            context=self.context,
            compose=self.compose,
            pdf=self.pdf,
            text=self.text,
            message=self.message,
            write_outbox=self.write_outbox,
            send=self.send,
            smtp=self.smtp,
            outbox=self.folder,
        )
