"""Command palette (ctrl+p): jump to a dossier or a customer by number, code or name, and
run any action of the current screen."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from engine.i18n import _
from engine.inert import inert


class JumpProvider(Provider):
    """Dossiers and customers, looked up in a thread as the user types."""

    async def search(self, query: str) -> Hits:
        if len(query.strip()) < 2:
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
        found = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not active.enabled:
                continue
            if binding.description and binding.action not in ("command_palette",):
                found.append((binding.description, binding.action, active.node))
        return found

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
