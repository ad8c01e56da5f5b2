"""Who may do what (docs/RULES.md): agents, managers, read-only auditors."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from engine.errors import Forbidden, UserError
from engine.i18n import _
from engine.parsing import check_text
from engine.settings import Settings
from models.tables import User


class Role(StrEnum):
    """A user's ``role``. A member equals its string: stored values stay plain text."""

    AGENT = "agent"
    MANAGER = "manager"
    AUDITOR = "auditor"  # reads everything, changes nothing


ROLES = tuple(Role)
WRITERS = (Role.AGENT, Role.MANAGER)
MAX_LOGIN = 80  # the widths of User.login and User.name
MAX_NAME = 120


@dataclass(frozen=True)
class Actor:
    login: str
    role: str
    name: str = ""

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER


def authenticate(session: Session, login: str, settings: Settings | None = None) -> Actor:
    """The acting user, or a refusal naming the login.

    An active user acts with its role. When ``open_access`` is on, a login the database
    does not know acts as an agent; a deactivated user stays refused all the same.
    ``settings``: the company settings when the caller has loaded them already.
    """
    user = session.get(User, login)
    if user is not None and user.active:
        return Actor(user.login, user.role, user.name)
    if user is not None:
        raise Forbidden(
            _(
                "Login {login!r} has been deactivated on this database: a manager must "
                "reactivate it (recouvrement users add {login} --role {role})."
            ).format(login=login, role=user.role)
        )
    if (settings or Settings.load(session)).open_access:
        return Actor(login, Role.AGENT, login)
    if session.exec(select(User).limit(1)).first() is None:
        raise UserError(_("This database has no users yet: run `recouvrement init` first."))
    raise Forbidden(
        _(
            "Login {login!r} is not allowed on this database: a manager must add it "
            "(recouvrement users add {login} --role agent)."
        ).format(login=login)
    )


def list_users(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Who may use the database (managers only), by login."""
    require_manager(actor)
    return [
        {"login": u.login, "name": u.name, "role": u.role, "active": u.active}
        for u in session.exec(select(User).order_by(col(User.login)))
    ]


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


def may_change_dossier(actor: Actor, agent: str | None) -> bool:
    """Agents work their own dossiers and unassigned ones; managers any; auditors none."""
    return actor.can_write and (actor.is_manager or agent in (None, actor.login))


def require_dossier_write(actor: Actor, agent: str | None) -> None:
    """Refuse, naming why, what ``may_change_dossier`` does not allow."""
    require_write(actor)
    if may_change_dossier(actor, agent):
        return
    raise Forbidden(
        _("Dossier belongs to agent {agent}; {login} may not change it.").format(
            agent=agent, login=actor.login
        )
    )


def _other_active_managers(session: Session, login: str) -> int:
    # FOR UPDATE (PostgreSQL; SQLite serialises writers anyway): two managers demoting each
    # other at the same time cannot both see the other one still a manager.
    others = session.exec(
        select(User.login)
        .where(col(User.role) == Role.MANAGER, col(User.active).is_(True), User.login != login)
        .with_for_update()
    ).all()
    return len(others)


def add_user(
    session: Session,
    actor: Actor | None,
    login: str,
    role: str,
    name: str = "",
    *,
    active: bool = True,
) -> User:
    """Add a user or change its role, name or active flag (managers only; ``actor`` None is
    the system creating the first manager).

    The last active manager can be neither demoted nor deactivated: nobody could manage
    the database any more. Giving a user what it already has writes nothing.
    """
    if actor is not None:
        require_manager(actor)
    login = login.strip()
    if not login:
        raise UserError(_("A login cannot be empty."))
    check_text(login, _("login"), None)  # NUL and the like, before it is looked up
    check_text(name, _("name"), None)
    if len(login) > MAX_LOGIN:
        raise UserError(
            _("Login {login!r} is too long: expected at most {n} characters.").format(
                login=login, n=MAX_LOGIN
            )
        )
    if role not in ROLES:
        raise UserError(
            _("Unknown role {role!r}: expected agent, manager or auditor.").format(role=role)
        )
    name = name.strip()
    if len(name) > MAX_NAME:
        raise UserError(
            _("Name {name!r} is too long: expected at most {n} characters.").format(
                name=name, n=MAX_NAME
            )
        )
    user = session.get(User, login)
    if user is None:
        user = User(login=login, role=role, name=name or login, active=active)
        session.add(user)
        session.flush()
        return user
    new_name = name or user.name
    if (user.role, user.active, user.name) == (role, active, new_name):
        return user  # nothing changes: nothing is written
    if (
        user.role == Role.MANAGER
        and user.active
        and not (role == Role.MANAGER and active)
        and not _other_active_managers(session, user.login)
    ):
        if role != Role.MANAGER:
            message = _(
                "{login} is the last active manager and cannot become {role}: make another "
                "user a manager first."
            )
        else:
            message = _(
                "{login} is the last active manager and cannot be deactivated: make another "
                "user a manager first."
            )
        raise UserError(message.format(login=user.login, role=_(role)))
    user.role, user.active, user.name = role, active, new_name
    user.version += 1
    session.flush()
    return user
