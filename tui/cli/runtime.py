"""Running a command: which database (``--db``), who acts and on which day (``--user``,
``--today``), and the transaction each command is: one unit of work as the acting user,
rolled back entirely on any error."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.errors import UserError
from engine.i18n import _
from engine.parsing import parse_date


def default_login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return os.environ.get("USER", "user")


def _one_line(text: object) -> str:
    return "; ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _masked(value: str) -> str:
    """A --db value fit to print: the password of a URL hidden."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", value)


def database_url(value: str | None) -> str:
    """The SQLAlchemy URL for ``--db`` (or RECOUVREMENT_DB), or one line naming the value and
    what is expected: a SQLite file path or a URL of a database we know (SQLite, PostgreSQL)
    whose driver is installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from models.db import normalize_url

    if value is not None and not value.strip():
        raise UserError(
            _(
                "Invalid --db {value!r}: expected a SQLite file path or a URL such as "
                "postgresql+psycopg://user@host/database."
            ).format(value=value)
        )
    given = value or os.environ.get("RECOUVREMENT_DB")
    try:
        url = normalize_url(value)
        parsed = make_url(url)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise ArgumentError(_("only SQLite and PostgreSQL are supported"))
        parsed.get_dialect().import_dbapi()  # an unknown or missing driver fails here
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError) as exc:
        raise UserError(
            _(
                "Invalid database {value!r}: expected a SQLite file path or a URL such as "
                "postgresql+psycopg://user@host/database ({reason})."
            ).format(value=_masked(given or ""), reason=_one_line(exc).rstrip("."))
        ) from None
    return url


def acting(args: argparse.Namespace) -> tuple[str, dt.date]:
    """Who acts and on which business day (``--user``, ``--today`` or the environment)."""
    if args.user is not None and not args.user.strip():
        raise UserError(
            _("Invalid --user {value!r}: expected a login such as mlefebvre.").format(
                value=args.user
            )
        )
    login: str = args.user or os.environ.get("RECOUVREMENT_USER") or default_login()
    today = args.today or os.environ.get("RECOUVREMENT_TODAY")
    if isinstance(today, str):
        return login, parse_date(today, "--today")
    return login, today or dt.date.today()


class Runtime:
    def __init__(self, args: argparse.Namespace) -> None:
        from engine.db_errors import check_lock_timeout
        from models.db import sqlite_path

        self.args = args
        self.url = database_url(args.db)
        self.path: Path | None = sqlite_path(self.url)  # the SQLite file, if SQLite
        self.login, self.today = acting(args)
        check_lock_timeout()
        self._engine: Any = None

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from models.db import make_engine

            self._engine = make_engine(self.url)
        return self._engine

    def ensure_parent(self) -> None:
        """Only the commands that create a database may create its folder."""
        path = self.path
        if path is None or path.exists():
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(exist_ok=False)  # may a file be made there? (SQLite would only say
            path.unlink()  # "unable to open database file")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            existing = next((p for p in path.parents if p.exists()), None)
            if existing is not None and not existing.is_dir():
                reason = _("{path} is a file, not a folder").format(path=existing)
            raise UserError(
                _("Cannot create the database {path}: {reason}.").format(path=path, reason=reason)
            ) from None

    def initialized(self) -> bool:
        """Whether ``init`` has run on the database, or one line saying why it cannot be
        used (a folder, a text file, a damaged file, a server that refuses)."""
        from sqlalchemy.exc import DBAPIError

        from models.db import is_initialized

        path = self.path
        if path is not None and path.is_dir():
            raise UserError(
                _("{path} is a folder: expected a SQLite database file.").format(path=path)
            )
        try:
            return is_initialized(self.engine)
        except DBAPIError as exc:
            if path is None:
                raise
            code = getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF
            reason = (
                _("it is not a SQLite database, or it is damaged")
                if code == 26  # SQLITE_NOTADB
                else _("it cannot be opened")
                if code == 14  # SQLITE_CANTOPEN
                else _("it cannot be read")
            )
            raise UserError(
                _(
                    "Cannot use {path} as a database: {reason}; expected a SQLite database "
                    "file made by `recouvrement init`."
                ).format(path=path, reason=reason)
            ) from None

    def require_initialized(self) -> None:
        path = self.path
        if path is not None and not path.exists():
            raise UserError(
                _("No database at {path}: run `recouvrement init` first (or pass --db).").format(
                    path=path
                )
            )
        if not self.initialized():
            raise UserError(
                _("The database {url} is not initialised: run `recouvrement init` first.").format(
                    url=self.safe_url
                )
            )
        self.require_current_schema()

    def require_current_schema(self) -> None:
        """A database made by an older version is upgraded by ``init``, not used as it is
        (a missing table would stop a command half-way); one made by a newer version is
        refused."""
        from models.db import schema_revision
        from models.env import SCHEMA_REVISION

        found = schema_revision(self.engine)
        if found is None or found == SCHEMA_REVISION:
            return
        if found < SCHEMA_REVISION:
            raise UserError(
                _(
                    "The database {url} is at schema version {found}; this version of "
                    "Recouvrement needs {needed}: a manager upgrades it with `recouvrement "
                    "init` (nothing is lost)."
                ).format(url=self.safe_url, found=found, needed=SCHEMA_REVISION)
            )
        raise UserError(
            _(
                "The database {url} is at schema version {found}, made by a newer version of "
                "Recouvrement than this one ({needed}): update the program."
            ).format(url=self.safe_url, found=found, needed=SCHEMA_REVISION)
        )

    def require_writable(self) -> None:
        """A change on a SQLite file that can only be read: one line naming the file."""
        from models.db import sqlite_read_only

        if self.path is not None and sqlite_read_only(self.url):
            raise UserError(
                _(
                    "The database file {path} is read-only: this change cannot be saved "
                    "(commands that only read still work)."
                ).format(path=self.path)
            )

    @property
    def safe_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def ctx(self, write: bool = True, wait: float | None = None) -> Iterator[Any]:
        """One unit of work as the acting user; rolled back entirely on any error.
        ``write=False`` for commands that only read: they never wait for a writer;
        ``wait``: seconds a writer may wait for its turn (see models.db.transaction)."""
        from engine.context import Ctx
        from models.db import session_factory, transaction

        self.require_initialized()
        if write:
            self.require_writable()
        with transaction(session_factory(self.engine), write=write, wait=wait) as session:
            yield Ctx.load(session, self.login, self.today)
