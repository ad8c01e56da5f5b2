"""What the dossier list shows at start-up, read by the start-up process (tui.prefetch).

No Textual here: the start-up process imports only the database layer, and this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.reads.filters import DossierFilter

FIRST_FILTER = DossierFilter()  # the list's filter when it opens
FIRST_ROWS = 100  # one page of tui.widgets.lazy_table.TableBody (PAGE)


def first_screen(ctx: Any, send: Callable[[dict[str, Any]], None]) -> None:
    """The rows first, then the count and totals, each sent as soon as it is read."""
    from engine.reads.dossier_list import dossier_count, dossier_totals, dossier_window

    session, today = ctx.session, ctx.today
    send({"rows": dossier_window(session, FIRST_FILTER, 0, FIRST_ROWS, today)})
    send(
        {
            "count": dossier_count(session, FIRST_FILTER),
            "totals": dossier_totals(session, FIRST_FILTER, today),
        }
    )
