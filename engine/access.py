"""Who may do what (DOMAIN.md §9): agents, managers, read-only auditors."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from engine.errors import Forbidden, UserError
from engine.i18n import _
from engine.settings import Settings
from models.tables import User

ROLES = ("agent", "manager", "auditor")


@dataclass(frozen=True)
class Actor:
    login: str
    role: str
    name: str = ""

    @property
    def can_write(self) -> bool:
        return self.role in ("agent", "manager")

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


def authenticate(session: Session, login: str) -> Actor:
    """The acting user, or a refusal naming the login; any login when open_access is on."""
    user = session.get(User, login)
    if user is not None and user.active:
        return Actor(user.login, user.role, user.name)
    if Settings.load(session).open_access:
        return Actor(login, "agent", login)
    if session.exec(select(User).limit(1)).first() is None:
        raise UserError(_("This database has no users yet: run `recouvrement init` first."))
    raise Forbidden(
        _(
            "Login {login!r} is not allowed on this database: a manager must add it "
            "(recouvrement users add {login} --role agent)."
        ).format(login=login)
    )


def require_write(actor: Actor) -> None:
    if not actor.can_write:
        raise Forbidden(
            _("{login} is a read-only auditor: this change is refused.").format(login=actor.login)
        )


def require_manager(actor: Actor) -> None:
    if not actor.is_manager:
        raise Forbidden(
            _("Only a manager may do this ({login} has the role {role}).").format(
                login=actor.login, role=_(actor.role)
            )
        )


def require_dossier_write(actor: Actor, agent: str | None) -> None:
    """Agents work their own dossiers and unassigned ones; managers any."""
    require_write(actor)
    if actor.is_manager or agent in (None, actor.login):
        return
    raise Forbidden(
        _("Dossier belongs to agent {agent}; {login} may not change it.").format(
            agent=agent, login=actor.login
        )
    )


def add_user(session: Session, actor: Actor | None, login: str, role: str, name: str = "") -> User:
    if actor is not None:
        require_manager(actor)
    login = login.strip()
    if not login:
        raise UserError(_("A login cannot be empty."))
    if role not in ROLES:
        raise UserError(
            _("Unknown role {role!r}: expected agent, manager or auditor.").format(role=role)
        )
    user = session.get(User, login)
    if user is None:
        user = User(login=login, role=role, name=name or login)
        session.add(user)
    else:
        user.role, user.active = role, True
        if name:
            user.name = name
        user.version += 1
    session.flush()
    return user
