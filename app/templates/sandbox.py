"""The sandbox templates run in: Jinja2's immutable sandbox, held to the render's budget.

Jinja2's sandbox keeps templates away from Python's internals, but not from the machine: loops
over text values, `'x'.ljust(5000000)`, `round(1, -10**7)` or text doubled by `~` thirty times
cost seconds or gigabytes. Here every loop step, call, filter, operator and attribute read is
charged to the running render's meter (`budget.active()`), and whatever could build something
large is checked before it is built:

- numbers given to filters and methods (widths, counts, precisions) are at most the message
  size; numbers computed by operators stay below `NUMBER_LIMIT`;
- `~`, `+`, `replace`, `join` and `indent` have their result's length worked out first, and every
  text a filter, method or operator returns is checked after too;
- lists and dicts are never turned into text (printed, joined by `~`, given to a text filter):
  their text could be far longer than anything they were built from;
- only the filters in `KEPT_FILTERS` (and Nudge's own) and the attributes in `ATTRIBUTES`
  exist: no `format`, `%` formatting or `str.format` (their widths allocate), no `batch` or
  `slice` (they pad), no `encode`;
- macros, `{% call %}`, `{% filter %}`, block `{% set %}` and recursive loops are refused when
  compiled: they build text out of the output's sight, where its size is not counted.
"""

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

from jinja2 import Undefined, nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS as JINJA_FILTERS
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg

from app.templates.budget import Meter, RenderBudgetExceeded, active

NUMBER_DIGITS = 30
"""Operators refuse numbers of this many digits: repeated `n * n` would grow without end."""

STR_METHODS = frozenset(
    {
        *("upper", "lower", "title", "capitalize", "casefold", "swapcase"),
        *("strip", "lstrip", "rstrip", "removeprefix", "removesuffix"),
        *("startswith", "endswith", "find", "rfind", "index", "rindex", "count"),
        *("isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "isnumeric"),
        *("split", "rsplit", "splitlines", "partition", "rpartition"),
        *("replace", "join", "ljust", "rjust", "center", "zfill"),
    }
)
"""String methods a reminder may use; the last line's are sized before they run."""

DATE_ATTRIBUTES = frozenset({"year", "month", "day", "weekday", "isoweekday", "isoformat"})
ATTRIBUTES: tuple[tuple[type, frozenset[str]], ...] = (
    (str, STR_METHODS),
    (dict, frozenset({"get", "items", "keys", "values"})),
    (datetime, DATE_ATTRIBUTES | {"hour", "minute", "second"}),
    (date, DATE_ATTRIBUTES),
    (
        LoopContext,
        frozenset(
            {
                *("index", "index0", "revindex", "revindex0", "first", "last", "length"),
                *("depth", "depth0", "previtem", "nextitem", "changed", "cycle"),
            }
        ),
    ),
)
"""The attributes templates may read, by type; other types (numbers included) have none."""

KEPT_FILTERS = frozenset(
    {
        *("upper", "lower", "title", "capitalize", "trim", "truncate", "wordcount", "striptags"),
        *("replace", "join", "center", "indent", "urlencode", "escape", "e", "string"),
        *("default", "d", "length", "count", "first", "last", "list", "reverse", "sort"),
        *("unique", "min", "max", "sum", "int", "float", "round", "abs"),
    }
)
"""Jinja2's filters a reminder plausibly needs. Left out: `format` (widths), `batch` and `slice`
(they pad), `wordwrap`, `urlize`, `pprint`, `tojson`, `xmlattr`, `filesizeformat`, `random`
(a send must say what its preview said), `map`, `select`, `attr` and kin, `groupby`, `dictsort`,
`items`, and `safe` and `forceescape` (values must not put markup into email HTML)."""

TAKES_COLLECTIONS = frozenset(
    {"join", "length", "count", "first", "last", "list", "reverse", "sort", "unique"}
    | {"min", "max", "sum", "default", "d", "urlencode"}
)
"""Filters meant for lists and dicts; every other filter turns its value into text."""


def _refuse(detail: str) -> NoReturn:
    raise RenderBudgetExceeded(detail)


def refuse_collection(value: Any, what: str) -> None:
    """A list or dict printed as text can be far longer than what it was built from
    (`[s, s, s, ...]` holds one text many times), so it never is."""
    if isinstance(value, Collection) and not isinstance(value, str | Undefined):
        raise SecurityError(
            f"{what} cannot turn a {type(value).__name__} into text; "
            "print its items one by one, or use |join"
        )


def check_numbers(meter: Meter, args: Iterable[Any], what: str) -> None:
    """A width, count or precision larger than the message is never needed, and some allocate
    (`ljust`, `center`) or compute (`round(1, -10**7)`) in proportion to it."""
    for value in args:
        if isinstance(value, int) and abs(value) > meter.max_bytes:
            _refuse(
                f"{what} is given {value}; numbers given to filters and methods are at most "
                f"{meter.max_bytes}"
            )


def check_result(meter: Meter, value: Any, what: str) -> Any:
    if isinstance(value, str):
        meter.fits(len(value), what)
    return value


def replaced_length(text: str, old: Any, new: Any, count: Any = -1) -> int:
    if not (isinstance(old, str) and isinstance(new, str)):
        return len(text)
    found = text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def joined_length(separator: Any, items: list[Any]) -> int:
    for item in items:
        refuse_collection(item, "join")
    lengths = [len(item) if isinstance(item, str) else len(str(item)) for item in items]
    return sum(lengths) + len(str(separator)) * max(len(items) - 1, 0)


def indented_length(text: str, width: Any) -> int:
    indent = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    return len(text) + (len(text.splitlines()) + 1) * max(indent, 0)


def metered(meter: Meter, iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        meter.tick()
        yield item


def _sized_str_method(meter: Meter, method: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Works out what `replace` and `join` would build, before they do (the padding methods'
    widths are bounded by `check_numbers`)."""
    text, name = method.__self__, method.__name__
    if name == "replace" and len(args) >= 2:
        meter.fits(replaced_length(text, *args[:3]), "replace()")
    elif name == "join" and args:
        items = list(metered(meter, args[0]))
        meter.fits(joined_length(text, items), "join()")
        args = (items, *args[1:])
    return args


def _size_filter_input(
    meter: Meter, name: str, value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> Any:
    """The value a filter gets, refused if what the filter would build is too long."""
    if name not in TAKES_COLLECTIONS:
        refuse_collection(value, f"filter '{name}'")
    if name == "replace" and len(args) >= 2:
        meter.fits(replaced_length(str(value), *args[:3]), "filter 'replace'")
    elif name == "join":
        value = list(metered(meter, value))
        meter.fits(joined_length(args[0] if args else kwargs.get("d", ""), value), "join")
    elif name == "indent":
        text = str(value)
        meter.fits(indented_length(text, args[0] if args else kwargs.get("width", 4)), "indent")
    elif name == "sum" and not _is_number(args[1] if len(args) > 1 else kwargs.get("start", 0)):
        raise SecurityError("filter 'sum' adds numbers: its start must be a number")
    return value


def _metered_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter charged to the meter, its input sized and its result checked. It takes the
    context, so Jinja2 never calls it while compiling (constant folding) outside any budget."""
    passes = _PassArg.from_obj(function)

    @pass_context
    def run(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        meter = active()
        meter.tick()
        check_numbers(meter, [*args, *kwargs.values()], f"filter '{name}'")
        value = _size_filter_input(meter, name, value, args, kwargs)
        if passes is _PassArg.context:
            result = function(context, value, *args, **kwargs)
        elif passes is _PassArg.eval_context:
            result = function(context.eval_ctx, value, *args, **kwargs)
        elif passes is _PassArg.environment:
            result = function(context.environment, value, *args, **kwargs)
        else:
            result = function(value, *args, **kwargs)
        return check_result(meter, result, f"filter '{name}'")

    run.__name__ = run.__qualname__ = name
    return run


def metered_filters(own: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """The kept Jinja2 filters and Nudge's own, each charged to the render's meter."""
    chosen = {name: JINJA_FILTERS[name] for name in KEPT_FILTERS} | dict(own)
    return {name: _metered_filter(name, function) for name, function in chosen.items()}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal)


def too_large(value: Any) -> bool:
    """Whether a number has `NUMBER_DIGITS` digits or more before the point."""
    if isinstance(value, Decimal):
        return value.is_finite() and value != 0 and value.adjusted() >= NUMBER_DIGITS
    return isinstance(value, int) and abs(value) >= 10**NUMBER_DIGITS


class MeteredCodeGenerator(CodeGenerator):
    """Compiles loops to charge each step and `~` to size its result before joining; refuses the
    constructs that build text where the output's size is not counted."""

    def _refuse(self, node: nodes.Node, what: str) -> NoReturn:
        self.fail(f"{what} are not available in reminder templates", node.lineno)

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        if node.recursive:
            self._refuse(node, "recursive loops")
        # Jinja2 allows no node types of our own: `environment.metered_iter(iterable)` it is.
        metered_iter = nodes.EnvironmentAttribute("metered_iter", lineno=node.lineno)
        node.iter = nodes.Call(metered_iter, [node.iter], [], None, None, lineno=node.lineno)
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write(f"{join}(environment.concat_parts((")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write(")))")

    def visit_Macro(self, node: nodes.Macro, frame: Frame) -> None:
        self._refuse(node, "macros")

    def visit_CallBlock(self, node: nodes.CallBlock, frame: Frame) -> None:
        self._refuse(node, "call blocks")

    def visit_FilterBlock(self, node: nodes.FilterBlock, frame: Frame) -> None:
        self._refuse(node, "filter blocks")

    def visit_AssignBlock(self, node: nodes.AssignBlock, frame: Frame) -> None:
        self._refuse(node, "block assignments ({% set %}...{% endset %})")


class Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, charging every operation to the running render's meter."""

    code_generator_class = MeteredCodeGenerator
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def metered_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        return metered(active(), iterable)

    def concat_parts(self, parts: tuple[Any, ...]) -> list[str]:
        """`a ~ b ~ c`: the parts as text, refused if together they are longer than a message."""
        meter = active()
        meter.tick()
        for part in parts:
            refuse_collection(part, "'~'")
        texts = [part if isinstance(part, str) else str(part) for part in parts]
        meter.fits(sum(map(len, texts)), "'~'")
        return texts

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        meter = active()
        meter.tick()
        if operator == "+" and isinstance(left, str) and isinstance(right, str):
            meter.fits(len(left) + len(right), "'+'")
            return check_result(meter, left + right, "'+'")
        if operator == "**" or not (_is_number(left) and _is_number(right)):
            raise SecurityError(
                f"'{operator}' is only allowed between numbers ('+' also joins two texts), "
                "and '**' never"
            )
        if too_large(left) or too_large(right):
            _refuse(f"'{operator}' is given a number of {NUMBER_DIGITS} digits or more")
        result = super().call_binop(context, operator, left, right)
        if too_large(result):
            _refuse(f"'{operator}' makes a number of {NUMBER_DIGITS} digits or more")
        return result

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        allowed = next((names for kind, names in ATTRIBUTES if isinstance(obj, kind)), None)
        return bool(allowed and attr in allowed) and super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value: Any) -> None:
        """No `str.format`: its widths allocate, and Jinja2 would hand out its own sandboxed
        version before asking `is_safe_attribute`."""
        return None

    def getattr(self, obj: Any, attribute: str) -> Any:
        active().tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        active().tick()
        return super().getitem(obj, argument)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not __self.is_safe_callable(__obj):  # an unsafe attribute says so before any size
            raise SecurityError(f"{__obj!r} is not safely callable")
        meter = active()
        meter.tick()
        name = f"{getattr(__obj, '__name__', 'a function')}()"
        check_numbers(meter, [*args, *kwargs.values()], name)
        if isinstance(getattr(__obj, "__self__", None), str):
            args = _sized_str_method(meter, __obj, args)
        result = super().call(__context, __obj, *args, **kwargs)
        return check_result(meter, result, name)
