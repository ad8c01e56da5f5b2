"""Start-up in two processes: the first screenful is read while the interface starts.

Importing the database layer (SQLAlchemy, SQLModel, the models) takes longer here than
starting Textual and building a screen. So the TUI forks before importing either: the
child imports the database layer, checks the database and reads what the dossier list
shows first (its rows, then its count and totals), sends each through a pipe as soon as
it has it and exits; meanwhile the parent imports Textual and builds the screen. Each
process has a core of its own, so the list appears when the slower of the two is ready
instead of after both. The parent imports the database layer itself once the list is up.

The child only reads. What goes wrong in it is a message too: ``fatal`` (no database, not
initialised, cannot connect: the app closes and says why, as the command line does) or
``failed`` (the list then reads its rows itself and shows any refusal, as without this).
Where ``os.fork`` does not exist, nothing is prefetched.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

Send = Callable[[dict[str, Any]], None]


class Prefetch:
    def __init__(self, pid: int, pipe: BinaryIO) -> None:
        self.pid = pid
        self._pipe = pipe
        self._received: dict[str, Any] = {}
        self._taken: set[str] = set()
        self._done = False
        self._lock = threading.Lock()

    @classmethod
    def start(cls, work: Callable[[Send], None]) -> Prefetch | None:
        """Run ``work(send)`` in a child process. Call it before any thread starts."""
        if not hasattr(os, "fork"):
            return None
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answer, then leave without running the parent's exit code
            os.close(read)
            gc.disable()  # a short life: collecting would only slow its imports (~10 %)
            quiet = os.open(os.devnull, os.O_WRONLY)  # the terminal is the parent's
            os.dup2(quiet, 1)
            os.dup2(quiet, 2)
            with os.fdopen(write, "wb") as pipe:

                def send(message: dict[str, Any]) -> None:
                    pipe.write(pickle.dumps(message))
                    pipe.flush()

                try:
                    work(send)
                except BaseException as exc:  # any failure is an answer
                    send({"failed": f"{type(exc).__name__}: {exc}"})
            os._exit(0)
        os.close(write)
        return cls(pid, os.fdopen(read, "rb"))

    @property
    def fatal(self) -> str | None:
        """Why the app cannot start (read after ``take``)."""
        return self._received.get("fatal")

    def take(self, key: str) -> Any | None:
        """What the child sent under ``key``, waiting for it (call from a worker thread).
        Once only: later reads go to the database, since the data may have changed."""
        with self._lock:
            while key not in self._received and not self._done:
                self._read_one()
            if key in self._taken or key not in self._received:
                return None
            self._taken.add(key)
            return self._received[key]

    def _read_one(self) -> None:
        try:
            self._received.update(pickle.load(self._pipe))  # our own child wrote it
        except Exception:  # the end (or the child died)
            self._finish()

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            self._pipe.close()
            os.waitpid(self.pid, 0)

    def close(self) -> None:
        """The app is leaving: stop the child if it is still at work, and reap it."""
        with self._lock:
            if not self._done:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGTERM)
                self._finish()
