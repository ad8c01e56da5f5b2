"""Letter templates: the built-in texts, the company's own versions, and their rendering
in Jinja2's sandbox (docs/LETTERS.md).

A template is text written by people with no reason to be trusted (a manager, a file
passed around). Rendering it must never run code, read a file, reach an object's insides,
nor exhaust the machine:

- Jinja2's :class:`ImmutableSandboxedEnvironment`, no loader (``include``, ``import``,
  ``extends`` are refused before rendering), strict undefined (an unknown placeholder is
  an error, never an empty string), no autoescape (letters are plain text);
- a template reads only the fields of the placeholders' dataclasses
  (``engine.documents.context``) and ``loop``'s own; it calls only macros, ``range``
  and ``loop.cycle``: no method of a string, list or number (``'{0.__class__}'.format``);
- no global but ``range`` (at most 10,000 numbers): no ``lipsum``, ``cycler``, ``joiner``,
  ``namespace``, ``dict``; a short list of filters, each checked (``money``, ``date``,
  ``number``, ``percent`` and the usual text ones; ``join``, ``replace`` and ``sum`` check
  the size of what they would make before making it);
- limits on what one rendering may do: 200,000 loop turns and calls, 2,000,000 characters
  written (in blocks, macros and ``set`` blocks too), strings of 200,000 characters and
  numbers of 30 digits; arithmetic is checked before it runs (``'x' * 10**9``, ``9**9**9``);
- whatever goes wrong is a :class:`RenderError` (a ``UserError``) naming the line.

Versions: each save adds a ``document_template`` row; the highest version is in force; a
name with no row uses the built-in file (version 0).
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.filters import make_attrgetter
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer
from sqlalchemy import func
from sqlmodel import col, select

from engine.access import require_manager
from engine.documents.context import (
    CONTEXT_CLASSES,
    LetterContext,
    check_language,
    format_day,
    format_money,
    format_number,
    format_percent,
    sample_context,
)
from engine.errors import UserError
from engine.history import now
from engine.i18n import _
from models.tables import DocumentTemplate

# What a template is for: a dossier's letter (scenario steps) or a letter to a customer
# outside any dossier (a preventive reminder, a statement). The names are fixed: the
# scenarios and the documents refer to them.
TEMPLATE_KINDS: dict[str, str] = {
    "avis_echeance": "customer",
    "releve": "customer",
    "notification": "dossier",
    "relance_1": "dossier",
    "relance_2": "dossier",
    "mise_en_demeure": "dossier",
    "dernier_avis": "dossier",
    "injonction": "dossier",
}
TEMPLATE_NAMES = tuple(TEMPLATE_KINDS)
REGISTERED = frozenset({"mise_en_demeure"})  # sent by registered letter (LRAR)

MAX_BODY = 50_000  # characters of a template's text
MAX_STEPS = 200_000  # loop turns and calls in one rendering
MAX_OUTPUT = 2_000_000  # characters written in one rendering
MAX_STRING = 200_000  # characters of one value
MAX_INT_DIGITS = 30
MAX_RANGE = 10_000
MAX_ARG_INT = 10_000  # a whole number given to a filter (a width, a length)
LOOP_ATTRIBUTES = frozenset(
    {
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "previtem",
        "nextitem",
        "depth",
        "depth0",
        "cycle",
        "changed",
    }
)


class RenderError(UserError):
    """A template that cannot be rendered: its line (0 when unknown) and the problem."""

    def __init__(self, problem: str, line: int = 0) -> None:
        message = (
            _("Line {line}: {problem}").format(line=line, problem=problem) if line else problem
        )
        super().__init__(message)
        self.problem = problem
        self.line = line


class _Limit(Exception):
    """A rendering went over one of the limits."""


# --- the sandbox ------------------------------------------------------------------------


class _Budget:
    def __init__(self) -> None:
        self.steps = 0
        self.output = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Limit(
                _("the template loops or calls too much (more than {n} times).").format(n=MAX_STEPS)
            )

    def wrote(self, length: int) -> None:
        self.output += length
        if self.output > MAX_OUTPUT:
            raise _Limit(
                _("the template writes too much (more than {n} characters).").format(n=MAX_OUTPUT)
            )


_budget: contextvars.ContextVar[_Budget] = contextvars.ContextVar("template_budget")


def _check_value(value: Any) -> Any:
    """A value a template made: refused when too large to be a letter's."""
    if isinstance(value, str | list | tuple) and len(value) > MAX_STRING:
        raise _Limit(
            _("a value of the template is too long (more than {n} characters).").format(
                n=MAX_STRING
            )
        )
    if isinstance(value, int) and abs(value) >= 10**MAX_INT_DIGITS:
        raise _Limit(
            _("a number of the template is too large (more than {n} digits).").format(
                n=MAX_INT_DIGITS
            )
        )
    return value


def _too_long() -> None:
    raise _Limit(
        _("a value of the template is too long (more than {n} characters).").format(n=MAX_STRING)
    )


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple) else None


class _Undefined(jinja2.StrictUndefined):
    """An unknown placeholder, named the way the template wrote it."""

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        name = self._undefined_name
        owner = self._undefined_obj
        if owner is jinja2.utils.missing:
            return _("unknown placeholder {name!r}.").format(name=name)
        where = getattr(type(owner), "placeholder", None)
        if where is not None and isinstance(name, str):
            known = ", ".join(f.name for f in fields(owner))
            return _("unknown placeholder {name!r} (known: {known}).").format(
                name=f"{where}.{name}", known=known
            )
        if not isinstance(name, str):
            return _("there is no element {name!r} in this list.").format(name=name)
        return _("{name!r} is not in {owner}.").format(name=name, owner=type(owner).__name__)


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, CONTEXT_CLASSES):
            return attr in obj.__dataclass_fields__ and attr != "reference"
        if isinstance(obj, LoopContext):
            return attr in LOOP_ATTRIBUTES
        return False

    def is_safe_callable(self, obj: Any) -> bool:
        if isinstance(obj, Macro):
            return True
        owner = getattr(obj, "__self__", None)
        name = getattr(obj, "__name__", "")
        if owner is self:
            return name in ("guard_loop", "guard_text", "guard_concat")
        if isinstance(owner, LoopContext):
            return name in ("cycle", "changed")
        return obj is _range

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(__obj, jinja2.Undefined):
            __obj._fail_with_undefined_error()
        if not __self.is_safe_callable(__obj):
            raise jinja2.exceptions.SecurityError(
                _("calling {what} is not allowed in a template (use a filter).").format(
                    what=getattr(__obj, "__name__", type(__obj).__name__)
                )
            )
        _budget.get().step()
        return _check_value(__context.call(__obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _budget.get().step()
        sizes = (_size(left), _size(right))
        if operator == "%" and isinstance(left, str):
            raise jinja2.exceptions.SecurityError(
                _("a text cannot be formatted with the percent operator in a template.")
            )
        if operator == "*" and None in sizes and sizes != (None, None):
            count = right if sizes[0] is not None else left
            length = sizes[0] if sizes[0] is not None else sizes[1]
            if not isinstance(count, int) or (length or 0) * max(count, 0) > MAX_STRING:
                _too_long()
        if operator == "+" and None not in sizes and (sizes[0] or 0) + (sizes[1] or 0) > MAX_STRING:
            _too_long()
        if operator == "**":
            if not isinstance(right, int | Decimal | float) or not -100 <= right <= 100:
                raise _Limit(_("an exponent of the template is larger than 100."))
            if isinstance(left, int) and abs(left) >= 10**MAX_INT_DIGITS:
                _check_value(left)
        return _check_value(super().call_binop(context, operator, left, right))

    # Calls the template makes through the tree rewritten by _rewrite.
    def guard_loop(self, iterable: Iterable[Any]) -> Iterator[Any]:
        budget = _budget.get()
        for item in iterable:
            budget.step()
            yield item

    def guard_text(self, text: str) -> str:
        return text

    def guard_concat(self, *parts: Any) -> str:
        texts = [str(part) for part in parts]
        if sum(len(text) for text in texts) > MAX_STRING:
            _too_long()
        return "".join(texts)


def _range(*args: Any) -> range:
    if not all(isinstance(arg, int) for arg in args):
        raise jinja2.exceptions.SecurityError(_("range() takes whole numbers."))
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise _Limit(_("range() is limited to {n} numbers.").format(n=MAX_RANGE))
    return numbers


def _finalize(value: Any) -> Any:
    """What ``{{ … }}`` may print: text, numbers and dates, never None nor a structure."""
    if value is None:
        raise jinja2.exceptions.TemplateRuntimeError(_("a placeholder is empty (None)."))
    if isinstance(value, jinja2.Undefined):
        return value  # strict: raises when printed
    if isinstance(value, list | tuple):
        raise jinja2.exceptions.TemplateRuntimeError(
            _("a list cannot be printed as it is: loop over it or use |join.")
        )
    if not isinstance(value, str | int | float | Decimal | dt.date):
        raise jinja2.exceptions.TemplateRuntimeError(
            _("{what} cannot be printed: print one of its fields.").format(
                what=getattr(type(value), "placeholder", type(value).__name__)
            )
        )
    text = str(value)
    _check_value(text)
    _budget.get().wrote(len(text))
    return text


def _guarded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose arguments and result are checked against the limits."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        _budget.get().step()
        for arg in (*args, *kwargs.values()):
            if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_ARG_INT:
                raise _Limit(_("a filter's number is larger than {n}.").format(n=MAX_ARG_INT))
            _check_value(arg)
        return _check_value(function(*args, **kwargs))

    for attribute in ("jinja_pass_arg",):
        if hasattr(function, attribute):
            setattr(guarded, attribute, getattr(function, attribute))
    guarded.__name__ = getattr(function, "__name__", "filter")
    return guarded


def _replace(value: Any, old: Any, new: Any, count: int | None = None) -> str:
    text, old, new = str(value), str(old), str(new)
    grows = text.count(old) * max(len(new) - len(old), 0) if old else (len(text) + 1) * len(new)
    if len(text) + grows > MAX_STRING:
        _too_long()
    return text.replace(old, new) if count is None else text.replace(old, new, count)


@jinja2.pass_environment
def _join(env: Any, value: Any, d: str = "", attribute: Any = None) -> str:
    """``join``, its result's size checked before it is made (a long separator between
    many items would otherwise be built first)."""
    items = list(value)
    if attribute is not None:
        getter = make_attrgetter(env, attribute)
        items = [getter(item) for item in items]
    texts = [str(item) for item in items]
    if len(str(d)) * len(texts) + sum(len(text) for text in texts) > MAX_STRING:
        _too_long()
    return str(d).join(texts)


@jinja2.pass_environment
def _sum(env: Any, value: Any, attribute: Any = None, start: Any = 0) -> Any:
    """``sum`` of numbers only (adding lists or texts could grow without bound)."""
    items = list(value)
    if attribute is not None:
        getter = make_attrgetter(env, attribute)
        items = [getter(item) for item in items]
    numbers = (int, float, Decimal)
    if not isinstance(start, numbers) or not all(isinstance(item, numbers) for item in items):
        raise jinja2.exceptions.TemplateRuntimeError(_("sum adds numbers only."))
    return sum(items, start)


def _language(context: Any) -> str:
    language = context.get("language")
    return language if language in ("fr", "en") else "fr"


@jinja2.pass_context
def _money(context: Any, value: Any) -> str:
    return format_money(Decimal(value), _language(context), str(context.get("currency") or "EUR"))


@jinja2.pass_context
def _date(context: Any, value: Any, style: str = "long") -> str:
    """``|date``: 30 novembre 2026 / 30 November 2026; ``|date('short')``: 30/11/2026."""
    if not isinstance(value, dt.date):
        raise jinja2.exceptions.TemplateRuntimeError(_("the date filter takes a date."))
    if style == "short":
        return value.strftime("%d/%m/%Y")
    if style != "long":
        raise jinja2.exceptions.TemplateRuntimeError(
            _("the date filter's style is 'long' or 'short', not {style!r}.").format(style=style)
        )
    return format_day(value, _language(context))


@jinja2.pass_context
def _number(context: Any, value: Any) -> str:
    return format_number(Decimal(value), _language(context))


@jinja2.pass_context
def _percent(context: Any, value: Any) -> str:
    return format_percent(Decimal(value), _language(context))


KEPT_FILTERS = (
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "first",
    "int",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "reject",
    "rejectattr",
    "reverse",
    "round",
    "select",
    "selectattr",
    "sort",
    "string",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
)


@cache
def _environment() -> _Sandbox:
    env = _Sandbox(
        undefined=_Undefined,
        autoescape=False,
        finalize=_finalize,
        loader=None,
        optimized=False,  # no constant folding: every value is checked when it is made
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.clear()
    env.globals["range"] = _range
    builtin = env.filters
    kept: dict[str, Callable[..., Any]] = {name: builtin[name] for name in KEPT_FILTERS}
    kept.update(replace=_replace, join=_join, sum=_sum)
    kept.update(money=_money, date=_date, number=_number, percent=_percent)
    env.filters = {name: _guarded_filter(function) for name, function in kept.items()}
    return env


_FORBIDDEN = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


def _rewrite(tree: nodes.Template) -> None:
    """Refuse what a letter never needs, and route loops, literal text and ``~`` through
    the sandbox's counters."""
    for node in tree.find_all(_FORBIDDEN):
        what = type(node).__name__.lower().replace("fromimport", "import")
        raise RenderError(
            _("{{% {what} %}} is not allowed: a template cannot read another file.").format(
                what=what
            ),
            node.lineno,
        )
    for access in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = access.attr if isinstance(access, nodes.Getattr) else None
        if isinstance(access, nodes.Getitem) and isinstance(access.arg, nodes.Const):
            name = access.arg.value if isinstance(access.arg.value, str) else None
        if name is not None and name.startswith("_"):
            raise RenderError(
                _("{name!r}: names starting with _ are not allowed.").format(name=name),
                access.lineno,
            )
    for loop in tree.find_all(nodes.For):
        if loop.recursive:
            raise RenderError(_("recursive loops are not allowed."), loop.lineno)
    _Guards().visit(tree)


class _Guards(NodeTransformer):
    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _guard_call("guard_loop", [node.iter], node.lineno)
        return node

    def visit_TemplateData(self, node: nodes.TemplateData) -> nodes.Node:
        return _guard_call("guard_text", [nodes.Const(node.data)], node.lineno)

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _guard_call("guard_concat", list(node.nodes), node.lineno)


def _guard_call(name: str, args: list[Any], lineno: int) -> nodes.Call:
    call = nodes.Call(nodes.EnvironmentAttribute(name), args, [], None, None)
    call.set_lineno(lineno, override=True)
    return call


def _template_line(exc: BaseException) -> int:
    line = getattr(exc, "lineno", None) or 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return int(line)


def _problem(exc: BaseException) -> str:
    if isinstance(exc, _Limit):
        return str(exc)
    if isinstance(exc, jinja2.exceptions.TemplateSyntaxError):
        return _("syntax error: {error}").format(error=exc.message)
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return _("not allowed: {error}").format(error=exc.message)
    if isinstance(exc, jinja2.exceptions.UndefinedError):
        return str(exc.message)
    if isinstance(exc, jinja2.exceptions.TemplateError):
        return str(exc.message or exc)
    if isinstance(exc, RecursionError):
        return _("the template calls itself too deeply.")
    if isinstance(exc, MemoryError):
        return _("the template needs too much memory.")
    return _("cannot be computed: {error}").format(error=f"{type(exc).__name__}: {exc}"[:300])


@lru_cache(maxsize=64)
def _compiled(body: str) -> jinja2.Template:
    """``body`` checked, rewritten and compiled (a template is rendered for many letters)."""
    env = _environment()
    tree = env.parse(body)
    _rewrite(tree)
    return env.from_string(tree)


def render(body: str, context: LetterContext | dict[str, Any]) -> str:
    """The text of ``body`` rendered with ``context``'s placeholders.

    Any failure — a syntax error, an unknown placeholder, something the sandbox refuses, a
    limit reached, a computation that fails — is a :class:`RenderError` naming the line;
    nothing else is raised.
    """
    if not isinstance(body, str):
        raise RenderError(_("a template is text."))
    if len(body) > MAX_BODY:
        raise RenderError(_("the template is too long: at most {n} characters.").format(n=MAX_BODY))
    variables = context.variables() if isinstance(context, LetterContext) else dict(context)
    token = _budget.set(_Budget())
    try:
        template = _compiled(body)
        chunks: list[str] = []
        budget = _budget.get()
        for chunk in template.generate(variables):
            budget.wrote(len(chunk))
            chunks.append(chunk)
        return "".join(chunks)
    except RenderError:
        raise
    except Exception as exc:
        raise RenderError(_problem(exc), _template_line(exc)) from None
    finally:
        _budget.reset(token)


# --- versions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateText:
    name: str
    language: str
    version: int  # 0: the built-in text
    body: str
    saved_at: dt.datetime | None = None
    saved_by: str = ""

    @property
    def builtin(self) -> bool:
        return self.version == 0


def check_name(name: str) -> str:
    if name not in TEMPLATE_KINDS:
        raise UserError(
            _("Unknown template {name!r}: expected one of {names}.").format(
                name=name, names=", ".join(TEMPLATE_NAMES)
            )
        )
    return name


def builtin_text(name: str, language: str) -> str:
    """The text shipped with the program (``engine/documents/builtin/NAME.LANG.txt``)."""
    return _builtin_file(check_name(name), check_language(language))


@cache
def _builtin_file(name: str, language: str) -> str:
    folder = resources.files("engine.documents.builtin")
    return folder.joinpath(f"{name}.{language}.txt").read_text(encoding="utf-8")


def template_in_force(session: Any, name: str, language: str) -> TemplateText:
    """The highest saved version of (name, language), else the built-in text (version 0)."""
    check_name(name)
    language = check_language(language)
    row = session.exec(
        select(DocumentTemplate)
        .where(col(DocumentTemplate.name) == name, col(DocumentTemplate.language) == language)
        .order_by(col(DocumentTemplate.version).desc())
        .limit(1)
    ).first()
    if row is None:
        return TemplateText(name, language, 0, builtin_text(name, language))
    return TemplateText(name, language, row.version, row.body, row.saved_at, row.saved_by)


def templates_in_force(session: Any) -> list[TemplateText]:
    """Every (name, language) with the text in force, in name then language order."""
    saved = {
        (name, language)
        for name, language in session.exec(
            select(col(DocumentTemplate.name), col(DocumentTemplate.language)).distinct()
        ).all()
    }
    rows: list[TemplateText] = []
    for name in TEMPLATE_NAMES:
        for language in ("fr", "en"):
            if (name, language) in saved:
                rows.append(template_in_force(session, name, language))
            else:
                rows.append(TemplateText(name, language, 0, builtin_text(name, language)))
    return rows


def check_template(name: str, language: str, body: str) -> None:
    """Refuse, naming the template and the line, a text that does not render against the
    sample dossier's letter and the sample customer's letter, or whose object line is
    empty."""
    for kind in ("dossier", "customer"):
        try:
            text = render(body, sample_context(language, kind))
        except RenderError as exc:
            raise RenderError(
                _("Template {name} ({language}) is refused: {problem}").format(
                    name=name, language=language, problem=exc.message
                ),
                0,
            ) from None
        if not text.split("\n", 1)[0].strip():
            raise RenderError(
                _(
                    "Template {name} ({language}) is refused: its first line, the object "
                    "of the letter, is empty."
                ).format(name=name, language=language)
            )


def save_template(ctx: Any, name: str, language: str, body: str) -> TemplateText:
    """Save ``body`` as the new version of (name, language) (managers only), once it renders
    against the samples. The same text as the version in force writes nothing."""
    require_manager(ctx.actor)
    check_name(name)
    language = check_language(language)
    body = body.replace("\r\n", "\n")
    check_template(name, language, body)
    current = template_in_force(ctx.session, name, language)
    if current.body == body:
        return current
    version = _last_version(ctx.session, name, language) + 1
    row = DocumentTemplate(
        name=name,
        language=language,
        version=version,
        body=body,
        saved_at=now(),
        saved_by=ctx.actor.login,
    )
    ctx.session.add(row)
    ctx.session.flush()
    return TemplateText(name, language, version, body, row.saved_at, row.saved_by)


def _last_version(session: Any, name: str, language: str) -> int:
    value = session.exec(
        select(func.max(DocumentTemplate.version)).where(
            col(DocumentTemplate.name) == name, col(DocumentTemplate.language) == language
        )
    ).one()
    return int(value or 0)


def reset_template(ctx: Any, name: str, language: str) -> TemplateText:
    """Put the built-in text back in force, as a new version (managers only)."""
    return save_template(ctx, name, language, builtin_text(name, language))
