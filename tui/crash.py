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
