"""Command palette (ctrl+p): jump to a dossier or a customer by number, code or name, and
run any action of the current screen.

Only the app's own commands are offered: Textual's generic keys (Scroll Left, Focus Next,
Copy selected text, its ctrl+q Quit beside our q) are keys, not commands, and are left out;
the few display commands worth having (theme, maximize, screenshot:
``RecouvrementApp.get_system_commands``) are offered only to a query that starts with
``>`` (``SYSTEM_PREFIX``), alone for all of them.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from engine.i18n import _
from engine.inert import inert

# A query starting with this asks for the display commands (theme, maximize, screenshot).
SYSTEM_PREFIX = ">"


def own_binding(binding: Binding) -> bool:
    """A key of the app: every one has an id (for keys.toml); Textual's own keys have none."""
    return bool(binding.description) and binding.id is not None


class JumpProvider(Provider):
    """Dossiers and customers, looked up in a thread as the user types."""

    async def search(self, query: str) -> Hits:
        if len(query.strip()) < 2 or query.startswith(SYSTEM_PREFIX):
            return
        from engine.reads.lookup import find_targets  # the database layer: not at start-up

        backend = self.app.backend  # type: ignore[attr-defined]
        targets = await asyncio.to_thread(
            backend.read, lambda ctx: find_targets(ctx.session, query)
        )
        matcher = self.matcher(query)
        for kind, key, label in targets:
            text = (_("Dossier") if kind == "dossier" else _("Customer")) + f"  {inert(label)}"
            # highlight() reads its text as markup: a name with "[" is shown plain instead.
            shown = matcher.highlight(text) if "[" not in text else Content(text)
            yield Hit(
                max(matcher.match(text), 0.5),
                shown,
                partial(self.open, kind, key),
                text=text,
            )

    def open(self, kind: str, key: str) -> None:
        if kind == "dossier":
            self.app.open_dossier(key)  # type: ignore[attr-defined]
        else:
            self.app.open_customer(key)  # type: ignore[attr-defined]


class ActionsProvider(Provider):
    """Every action of the screen the palette was opened on, by its description: those its
    keys offer now (``check_action``: an auditor is not offered Done)."""

    def _actions(self) -> list[tuple[str, str, Any]]:
        found: dict[str, tuple[str, str, Any]] = {}  # one per description (keys may share one)
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not active.enabled:
                continue
            if own_binding(binding) and binding.action not in ("command_palette",):
                found.setdefault(
                    binding.description, (binding.description, binding.action, active.node)
                )
        return list(found.values())

    async def discover(self) -> Hits:
        for description, action, node in self._actions():
            yield DiscoveryHit(description, partial(self.app.run_action, action, node))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, action, node in self._actions():
            score = matcher.match(description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(description),
                    partial(self.app.run_action, action, node),
                    text=description,
                )


class SystemProvider(Provider):
    """The app's display commands (``RecouvrementApp.get_system_commands``), for a query
    starting with ``SYSTEM_PREFIX`` only: ``>`` alone lists them all."""

    async def search(self, query: str) -> Hits:
        if not query.startswith(SYSTEM_PREFIX):
            return
        wanted = query[len(SYSTEM_PREFIX) :].strip()
        matcher = self.matcher(wanted)
        for title, help_text, callback, _discover in self.app.get_system_commands(self.screen):
            score = matcher.match(title) if wanted else 1.0
            if score > 0:
                shown = matcher.highlight(title) if wanted else Content(title)
                yield Hit(score, shown, callback, text=title, help=help_text)
