"""The states stored as text: dossier and intervention statuses. Standard library only:
rows carrying them cross to the TUI's parent process (tui.prefetch pickles them), which must
paint before SQLAlchemy is imported."""

from __future__ import annotations

from enum import StrEnum


class DossierStatus(StrEnum):
    """A dossier's ``status``. A member equals its string: stored values stay plain text."""

    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class InterventionStatus(StrEnum):
    """An intervention's ``status``."""

    TODO = "todo"
    DONE = "done"
    SKIPPED = "skipped"


# Stored text to member by a dict lookup, several times quicker than calling the enum:
# the command line turns whole lists (100,000 dossiers) into rows.
DOSSIER_STATUSES = {status.value: status for status in DossierStatus}
INTERVENTION_STATUSES = {status.value: status for status in InterventionStatus}
