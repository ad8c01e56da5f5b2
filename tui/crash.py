"""Where unexpected errors go: a log file with the traceback, never the user's screen."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path


def log_crash(error: BaseException) -> Path:
    from platformdirs import user_log_path

    path = user_log_path("recouvrement", appauthor=False) / "crash.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("recouvrement.crash")
    if not logger.handlers:
        logger.addHandler(logging.FileHandler(path, encoding="utf-8"))
        logger.propagate = False
    logger.error(
        "unexpected error\n%s",
        "".join(traceback.format_exception(type(error), error, error.__traceback__)),
    )
    return path


def crash_summary(error: BaseException) -> str:
    """What the screen may say of an unexpected error: its kind and, unless it comes from the
    database (whose text quotes the statement and its values), a short first line."""
    from sqlalchemy.exc import StatementError

    if isinstance(error, StatementError):
        orig = getattr(error, "orig", None)
        kind = type(orig).__name__ if orig is not None else type(error).__name__
        state = getattr(orig, "sqlstate", None)
        return f"{kind} [{state}]" if state else kind
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if len(first) > 200:
        first = first[:200] + "…"
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
