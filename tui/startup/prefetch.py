"""Start-up in two processes: the first screenful is read while the interface starts.

Importing the database layer (SQLAlchemy, SQLModel, the models) takes longer here than
starting Textual and building a screen. So the TUI forks before importing either: the
child imports the database layer, checks the database and reads what the dossier list
shows first (its rows, then its count and totals), sends each through a pipe as soon as
it has it and exits; meanwhile the parent imports Textual and builds the screen. Each
process has a core of its own, so the list appears when the slower of the two is ready
instead of after both. The parent imports the database layer itself once the list is up.

The child only reads. Its answers are the dataclasses of ``tui.startup.messages``; what goes
wrong in it is an answer too: ``Fatal`` (no database, not initialised, cannot connect, a
login the database refuses: the app closes and says why, as the command line does) or
``Failed`` (the list then reads its rows itself and shows any refusal, as without this).
Where ``os.fork`` does not exist or fails, nothing is prefetched.

In the parent a reader thread collects the messages and reaps the child; ``take`` waits
for a message (never for long, never past ``close``), so leaving the app never waits for
the child.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import BinaryIO, TypeVar

from tui.startup.messages import FIRST_SCREEN, Failed, Fatal, Message

Send = Callable[[Message], None]
M = TypeVar("M", bound=Message)

WAIT = 15.0  # seconds a list waits for the child before reading the database itself


class Prefetch:
    def __init__(self, pid: int, pipe: BinaryIO) -> None:
        self.pid = pid
        self._pipe = pipe
        self._received: dict[type, Message] = {}
        self._dropped = False
        self._done = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read_all, name="prefetch", daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, work: Callable[[Send], None]) -> Prefetch | None:
        """Run ``work(send)`` in a child process. Call it before any thread starts."""
        if not hasattr(os, "fork"):
            return None
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process to spare: start the usual way
            os.close(read)
            os.close(write)
            return None
        if pid == 0:
            _child(read, write, work)  # never returns
        os.close(write)
        return cls(pid, os.fdopen(read, "rb"))

    # -- the parent

    def _read_all(self) -> None:
        while True:
            try:
                message: Message = pickle.load(self._pipe)  # our own child wrote it
            except Exception:  # the end (or the child died)
                break
            with self._changed:
                self._received[type(message)] = message
                self._changed.notify_all()
        self._pipe.close()
        with self._changed:  # reaped and marked at once: close() never signals a reaped pid
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)  # at the end of the pipe the child is leaving
            self._done = True
            self._changed.notify_all()

    @property
    def fatal(self) -> str | None:
        """Why the app cannot start, once the child has said so."""
        fatal = self._received.get(Fatal)
        return fatal.message if isinstance(fatal, Fatal) else None

    @property
    def failed(self) -> str | None:
        """What went wrong in the child otherwise (the list then reads its rows itself)."""
        failed = self._received.get(Failed)
        return failed.error if isinstance(failed, Failed) else None

    def wait(self, timeout: float = WAIT) -> bool:
        """Wait until the child has finished (from a worker thread); False on time-out."""
        with self._changed:
            return self._changed.wait_for(lambda: self._done, timeout)

    def take(self, kind: type[M], timeout: float = WAIT) -> M | None:
        """The child's answer of this kind, waiting for it (from a worker thread), or None:
        read the database instead. Once only, and nothing after ``drop``."""
        with self._changed:
            self._changed.wait_for(
                lambda: kind in self._received or self._done or self._dropped, timeout
            )
            answer = None if self._dropped else self._received.pop(kind, None)
            return answer if isinstance(answer, kind) else None

    def drop(self) -> None:
        """What has not been taken is out of date (the list was asked for something else)."""
        with self._changed:
            self._dropped = True
            for kind in FIRST_SCREEN:
                self._received.pop(kind, None)
            self._changed.notify_all()

    def close(self) -> None:
        """The app is leaving: stop the child if it is still at work (the reader reaps it)."""
        self.drop()
        with self._changed:
            if not self._done:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGTERM)


def _child(read: int, write: int, work: Callable[[Send], None]) -> None:
    """Answer through the pipe, then leave without running any of the parent's code."""
    try:
        os.close(read)
        gc.disable()  # a short life: collecting would only slow its imports (~10 %)
        quiet = os.open(os.devnull, os.O_WRONLY)  # the terminal is the parent's
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        niceness = os.nice(0) if hasattr(os, "nice") else 0
        with os.fdopen(write, "wb") as pipe:

            def send(message: Message) -> None:
                pipe.write(pickle.dumps(message))
                pipe.flush()
                if hasattr(os, "nice") and os.nice(0) == niceness:
                    # The first answer is what the user waits for: the rest can yield the
                    # processor to the app (and the terminal) painting it (~30 ms sooner).
                    os.nice(10)

            try:
                work(send)
            except BaseException as exc:  # any failure is an answer
                send(Failed(f"{type(exc).__name__}: {exc}"))
    finally:
        os._exit(0)
