"""The layers hold: ``tui`` → ``engine`` → ``models``, nothing imports back up.

Read from the import statements of every module (every ``import`` and ``from … import``,
in functions and under ``TYPE_CHECKING`` too), so a module need not be imported to be
checked.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Import:
    where: str  # path:line, for the failure message
    module: str  # the importing module
    target: str  # the imported module, absolute


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _imports(package: str) -> tuple[Import, ...]:
    found: list[Import] = []
    for path in sorted((ROOT / package).rglob("*.py")):
        module = _module_name(path)
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import):
                found += [Import(where, module, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, is_package, node.module, node.level)
                # `from pkg import mod` imports the module pkg.mod when there is one.
                found += [Import(where, module, base)]
                found += [
                    Import(where, module, f"{base}.{alias.name}")
                    for alias in node.names
                    if _is_module(f"{base}.{alias.name}")
                ]
    return tuple(found)


def _absolute(module: str, is_package: bool, name: str | None, level: int) -> str:
    if level == 0:
        return name or ""
    parts = module.split(".")
    if not is_package:
        parts.pop()
    parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, name] if name else parts)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _under(target: str, *packages: str) -> bool:
    return any(target == p or target.startswith(p + ".") for p in packages)


def _show(bad: list[Import]) -> list[str]:
    return [f"{i.where}: {i.module} imports {i.target}" for i in bad]


def test_the_modules_are_found() -> None:
    # A wrong root would make every check below pass on nothing.
    assert any(i.module == "engine.context" for i in _imports("engine"))
    assert any(i.module == "models.tables" for i in _imports("models"))
    assert any(i.module.startswith("tui.screens.") for i in _imports("tui"))


@pytest.mark.parametrize("package", ["engine", "models"])
def test_engine_and_models_never_import_the_interface(package: str) -> None:
    bad = [i for i in _imports(package) if _under(i.target, "tui", "textual")]
    assert _show(bad) == []


def test_models_never_import_the_engine() -> None:
    bad = [i for i in _imports("models") if _under(i.target, "engine")]
    assert _show(bad) == []


SCREEN_ROOTS = {"Screen"}  # Textual's full screen; ModalScreen (forms, dialogs) is not one
SHARED = {"tui.screens.base"}  # the base classes every screen derives from


def _screen_modules() -> set[str]:
    """The modules of tui/screens that define a full screen (not only modals or helpers)."""
    bases: dict[str, set[str]] = {}
    module_of: dict[str, str] = {}
    for path in sorted((ROOT / "tui" / "screens").glob("*.py")):
        module = _module_name(path)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {_base_name(b) for b in node.bases}
                module_of[node.name] = module

    @cache
    def is_screen(name: str) -> bool:
        return name in SCREEN_ROOTS or any(is_screen(b) for b in bases.get(name, ()))

    return {module_of[name] for name in bases if is_screen(name)} - SHARED


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Subscript):  # Screen[Any]
        node = node.value
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def test_screens_never_import_other_screens() -> None:
    """A screen opens another through the app, not by importing it: the modules of
    tui/screens import no module that defines a full screen (shared base classes, forms
    and dialogs are fine)."""
    screens = _screen_modules()
    assert {"tui.screens.dossier_detail", "tui.screens.dossiers"} <= screens
    bad = [
        i
        for i in _imports("tui")
        if _under(i.module, "tui.screens") and i.target in screens and i.target != i.module
    ]
    assert _show(bad) == []
