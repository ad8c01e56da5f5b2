"""Key bindings users may change: every rebindable binding has an id (``screen.action``),
and a TOML file maps ids to keys, e.g. in ~/.config/recouvrement/keys.toml::

    [keys]
    "dossiers.new" = "ctrl+n"
    "intervention.done" = "d,enter"

Textual's keymap applies it to the bindings carrying those ids; the help screen and the
footer show whatever keys are in force.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.errors import UserError
from engine.i18n import _


def keymap_path() -> Path:
    from platformdirs import user_config_path

    override = os.environ.get("RECOUVREMENT_KEYS")
    return Path(override) if override else user_config_path("recouvrement") / "keys.toml"


def load_keymap(path: Path | None = None) -> dict[str, str]:
    path = path or keymap_path()
    if not path.exists():
        return {}
    import tomllib  # here: without a key file, the first paint need not import it

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(
            _("Cannot read the key file {path}: {error}.").format(path=path, error=exc)
        ) from exc
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
    ):
        raise UserError(
            _('The key file {path} needs a [keys] table of "id" = "key" lines.').format(path=path)
        )
    return dict(keys)
