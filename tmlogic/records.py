"""`record`: the `dataclasses.dataclass` decorator's behaviour without generating code, and
without the `dataclasses` module.

Python 3.11's `dataclass` writes the source of `__init__`, `__repr__`, `__eq__`, `__hash__`, the
order methods and the frozen `__setattr__`/`__delattr__` of every class and `exec`s it: about
4.7 M instructions a class, and a JSON analysis imports some 100 of them. `record` gives a class
the same methods, made once here and parameterised by the class's field names (closures, no
`exec`, no `eval`), so creating a class costs a small fraction of that. Importing `dataclasses`
also imports `inspect` (about 39 M instructions of a 980 M JSON run), so records have their own
field specifier and helpers and this module does not import it; see docs/engines.md, "Records
instead of dataclasses".

What a record class is, to the rest of the program and to tools:
- its `__record_fields__` holds this module's `Field` objects; `fields` and `replace` here do for
  records what `dataclasses.fields`/`replace` do for dataclasses (the same results and errors),
  and hand a dataclass to dataclasses. A record is not a dataclass: `dataclasses.is_dataclass`
  is false for it and `dataclasses.fields`/`replace`/`asdict` refuse it; a record cannot inherit
  from a dataclass, and a `dataclasses.field` in a record is a TypeError;
- `typing.dataclass_transform` (with this module's `field` as field specifier) tells type checkers
  (mypy --strict) to check its constructor calls as a dataclass's, and `replace` is typed as
  `dataclasses.replace`, so mypy checks its keywords too;
- the options are those of `dataclass` that tmlogic uses: `frozen`, `eq`, `order`, `kw_only`, and
  per field `field(default=, default_factory=, init=, repr=, compare=, hash=, kw_only=)`,
  `ClassVar`, and dataclasses' `InitVar` and `KW_ONLY` (recognised only if the class's module
  imported them, so records never import dataclasses themselves) and `__post_init__`. `slots`,
  `unsafe_hash`, `match_args=False`, `weakref_slot` and field metadata are not supported (an
  unknown option is a TypeError);
- wrong arguments raise the TypeError that a dataclass's `__init__` raises, word for word, and
  frozen assignment this module's `FrozenInstanceError` (an AttributeError, as dataclasses' is);
- differences: `__init__` takes `(self, /, *args, **kwargs)` (`inspect.signature` shows that),
  the class gets no generated `__doc__`, and fields are stored straight into the instance's
  `__dict__` (as a frozen dataclass's `__init__` does through `object.__setattr__`; a non-frozen
  class's own `__setattr__` is not called). tests/test_records.py compares records with
  dataclasses of the same shapes.
"""

from __future__ import annotations

import sys
from _thread import get_ident
from collections.abc import Callable
from operator import attrgetter

from .typing_runtime import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, dataclass_transform, overload

__all__ = ["MISSING", "Field", "FrozenInstanceError", "field", "fields", "record", "replace"]

_T = TypeVar("_T")


class _MissingType:
    """The type of `MISSING`: no default, no default factory, kw_only not given."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _MissingType()
_MISSING: Any = MISSING

# A Field's kind: a real field, a ClassVar or an InitVar pseudo-field (dataclasses' three markers)
_FIELD = "field"
_FIELD_CLASSVAR = "ClassVar"
_FIELD_INITVAR = "InitVar"


class FrozenInstanceError(AttributeError):
    """Assigning to or deleting a field of a frozen record (as dataclasses' error of that name)."""


class Field(Generic[_T]):
    """One field of a record: what `field(...)` was given, and the name, type and kind that
    `record` sets (dataclasses.Field's attributes, without metadata)."""

    __slots__ = ("name", "type", "default", "default_factory", "init", "repr", "hash", "compare",
                 "kw_only", "_field_type")

    def __init__(self, default: Any, default_factory: Any, init: bool, repr: bool, hash: bool | None,
                 compare: bool, kw_only: Any) -> None:
        self.name: str = None  # type: ignore[assignment]
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.hash = hash
        self.compare = compare
        self.kw_only = kw_only
        self._field_type: str | None = None

    def __repr__(self) -> str:
        return (f"Field(name={self.name!r},type={self.type!r},default={self.default!r},"
                f"default_factory={self.default_factory!r},init={self.init!r},repr={self.repr!r},"
                f"hash={self.hash!r},compare={self.compare!r},kw_only={self.kw_only!r},"
                f"_field_type={self._field_type})")


@overload
def field(*, default: _T, init: bool = True, repr: bool = True, hash: bool | None = None,
          compare: bool = True, kw_only: bool = ...) -> _T: ...


@overload
def field(*, default_factory: Callable[[], _T], init: bool = True, repr: bool = True,
          hash: bool | None = None, compare: bool = True, kw_only: bool = ...) -> _T: ...


@overload
def field(*, init: bool = True, repr: bool = True, hash: bool | None = None, compare: bool = True,
          kw_only: bool = ...) -> Any: ...


def field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True,
          repr: bool = True, hash: bool | None = None, compare: bool = True,
          kw_only: Any = MISSING) -> Any:
    """A record field's options, as `dataclasses.field` takes them (no metadata)."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, init, repr, hash, compare, kw_only)


def fields(class_or_instance: Any) -> tuple[Field[Any], ...]:
    """The real fields of a record class or instance, in order (`dataclasses.fields`); for a
    dataclass, dataclasses' own answer."""
    own = getattr(class_or_instance, "__record_fields__", None)
    if own is None:
        import dataclasses  # a dataclass's fields: only its users pay for the import

        return dataclasses.fields(class_or_instance)  # type: ignore[return-value]
    return tuple([f for f in own.values() if f._field_type is _FIELD])


if TYPE_CHECKING:
    # mypy checks the keywords of a call to dataclasses.replace against the record's fields; this
    # replace takes the same arguments and raises the same errors
    from dataclasses import replace
else:

    def replace(obj, /, **changes):
        """A copy of the record `obj` with `changes` (`dataclasses.replace`, with its errors); for
        a dataclass, dataclasses' own."""
        own = getattr(type(obj), "__record_fields__", None)
        if own is None:
            import dataclasses  # a dataclass's copy: only its users pay for the import

            return dataclasses.replace(obj, **changes)
        for f in own.values():
            if f._field_type is _FIELD_CLASSVAR:
                continue
            if not f.init:
                if f.name in changes:
                    raise ValueError(f"field {f.name} is declared with init=False, it cannot be specified with replace()")
                continue
            if f.name not in changes:
                if f._field_type is _FIELD_INITVAR and f.default is MISSING:
                    raise ValueError(f"InitVar {f.name!r} must be specified with replace()")
                changes[f.name] = getattr(obj, f.name)
        return obj.__class__(**changes)


def _dataclasses_attr(name: str) -> Any:
    """dataclasses' `name` if some module has imported dataclasses, else None: an annotation or a
    value can only be one of its objects then, so records need not import it to recognise them."""
    module = sys.modules.get("dataclasses")
    return getattr(module, name, None) if module is not None else None


@overload
@dataclass_transform(field_specifiers=(field, Field))
def record(cls: type[_T], /) -> type[_T]: ...


@overload
@dataclass_transform(field_specifiers=(field, Field))
def record(
    *, frozen: bool = False, eq: bool = True, order: bool = False, kw_only: bool = False
) -> Callable[[type[_T]], type[_T]]: ...


def record(
    cls: type[_T] | None = None,
    /,
    *,
    frozen: bool = False,
    eq: bool = True,
    order: bool = False,
    kw_only: bool = False,
) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """Make `cls` a record, as `@dataclass(...)` with the same options would make a dataclass."""

    def wrap(cls: type[_T]) -> type[_T]:
        _make_record(cls, frozen=frozen, eq=eq, order=order, kw_only=kw_only)
        return cls

    return wrap if cls is None else wrap(cls)


def _make_record(cls: type, *, frozen: bool, eq: bool, order: bool, kw_only: bool) -> None:
    if order and not eq:
        raise ValueError("eq must be true if order is true")
    fields = _collect_fields(cls, kw_only)
    _check_inheritance(cls, frozen)
    cls.__record_fields__ = fields  # type: ignore[attr-defined]
    cls._record_frozen = frozen  # type: ignore[attr-defined]

    real = [f for f in fields.values() if f._field_type is _FIELD]
    _check_default_order(fields)
    names = frozenset([f.name for f in real])
    own = cls.__dict__
    if "__init__" not in own:
        _set_method(cls, "__init__", _first_init(cls, real, [f for f in fields.values() if f._field_type is _FIELD_INITVAR]))
    if "__repr__" not in own:
        _set_method(cls, "__repr__", _make_repr(tuple([f.name for f in real if f.repr])))
    compared = tuple([f.name for f in real if f.compare])
    if eq and "__eq__" not in own:
        _set_method(cls, "__eq__", _make_eq(_tuple_of(compared)))
    if order:
        key = _tuple_of(compared)
        for name, method in _make_order(key).items():
            if name in own:
                raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}. "
                                "Consider using functools.total_ordering")
            _set_method(cls, name, method)
    if frozen:
        for name, method in _make_frozen(cls, names).items():
            if name in own:
                raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
            _set_method(cls, name, method)
    _set_hash(cls, eq, frozen, tuple([f.name for f in real if (f.compare if f.hash is None else f.hash)]))
    if "__match_args__" not in own:
        setattr(cls, "__match_args__", tuple([f.name for f in real if f.init and not f.kw_only]))


def _collect_fields(cls: type, kw_only: bool) -> dict[str, Field[Any]]:
    """The fields of the bases that are records, then this class's own, in dataclass order, each
    a `Field` with its name, type and kind set."""
    fields: dict[str, Field[Any]] = {}
    for base in cls.__mro__[-1:0:-1]:
        base_fields = base.__dict__.get("__record_fields__")
        if base_fields is not None:
            fields.update(base_fields)
        elif "__dataclass_fields__" in base.__dict__:
            raise TypeError(f"record {cls.__name__} cannot inherit from dataclass {base.__name__}: "
                            "make the base a record")
    own = cls.__dict__
    annotations: dict[str, Any] = own.get("__annotations__", {})
    module = sys.modules.get(cls.__module__)
    namespace = vars(module) if module is not None else {}
    kw_only_now = kw_only
    seen_marker = False
    # dataclasses' markers, looked up once a class (None unless some module imported dataclasses)
    foreign_field = _dataclasses_attr("Field")
    markers = (_dataclasses_attr("InitVar"), _dataclasses_attr("KW_ONLY"))
    for name, annotation in annotations.items():
        kind = _annotation_kind(annotation, namespace, markers)
        if kind is _KW_ONLY:
            if seen_marker:
                raise TypeError(f"{name!r} is KW_ONLY, but KW_ONLY has already been specified")
            seen_marker = True
            kw_only_now = True
            continue
        value = own.get(name, _MISSING)
        if foreign_field is not None and isinstance(value, foreign_field):
            raise TypeError(f"field {name} of record {cls.__name__} is a dataclasses.field: "
                            "use tmlogic.records.field")
        given = isinstance(value, Field)
        # a plain default: the Field that field(default=value) makes, built directly
        f = value if given else Field(value, _MISSING, True, True, None, True, _MISSING)
        f.name = name
        f.type = annotation
        f._field_type = kind
        if kind is not _FIELD and f.default_factory is not _MISSING:
            raise TypeError(f"field {name} cannot have a default factory")
        if kind is _FIELD_CLASSVAR:
            f.kw_only = _MISSING
        elif f.kw_only is _MISSING:
            f.kw_only = kw_only_now
        if kind is _FIELD and f.default.__class__.__hash__ is None:
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: use default_factory")
        fields[name] = f
        # As with dataclasses, a default stays a class attribute; a Field in the body does not.
        if given:
            if f.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
    for name, value in own.items():
        if isinstance(value, Field) and name not in annotations:
            raise TypeError(f"{name!r} is a field but has no type annotation")
    return fields


_KW_ONLY = "KW_ONLY"


def _annotation_kind(annotation: Any, namespace: dict[str, Any], markers: tuple[Any, Any]) -> str:
    """_FIELD, _FIELD_CLASSVAR, _FIELD_INITVAR or _KW_ONLY, for an annotation given as an object
    or, with `from __future__ import annotations`, as text (read against the class's module, as
    dataclasses does). `markers` are dataclasses' InitVar and KW_ONLY, or None."""
    if isinstance(annotation, str):
        head = annotation.split("[", 1)[0].strip()
        if "." in head:
            module_name, _, name = head.rpartition(".")
            module = namespace.get(module_name)
            annotation = getattr(module, name, None) if module is not None else None
        else:
            annotation = namespace.get(head)
        if annotation is None:  # a builtin (str, tuple...) or a name the module does not hold
            return _FIELD
    # ClassVar is this program's (typing_runtime.py: typing's to type checkers), or typing's in a
    # module that imported typing; it can only be typing's if some module did
    typing = sys.modules.get("typing")
    typings = typing.ClassVar if typing is not None else ClassVar
    if annotation is ClassVar or annotation is typings:
        return _FIELD_CLASSVAR
    # a class is never ClassVar[...]: only other objects are asked for an __origin__, which a
    # class would answer by raising (and catching) an AttributeError, one a field
    if not isinstance(annotation, type):
        origin = getattr(annotation, "__origin__", None)
        if origin is ClassVar or origin is typings:
            return _FIELD_CLASSVAR
    init_var, kw_only_marker = markers
    if init_var is not None and (annotation is init_var or isinstance(annotation, init_var)):
        return _FIELD_INITVAR
    if annotation is not None and annotation is kw_only_marker:
        return _KW_ONLY
    return _FIELD


def _kind(f: Field[Any]) -> Any:
    """The field's kind: a field, a ClassVar or an InitVar."""
    return f._field_type


def _check_inheritance(cls: type, frozen: bool) -> None:
    for base in cls.__mro__[1:]:
        if "__record_fields__" not in base.__dict__:
            continue
        base_frozen = base.__dict__.get("_record_frozen", False)
        if base_frozen and not frozen:
            raise TypeError("cannot inherit non-frozen dataclass from a frozen one")
        if frozen and not base_frozen:
            raise TypeError("cannot inherit frozen dataclass from a non-frozen one")


def _check_default_order(fields: dict[str, Field[Any]]) -> None:
    """A positional parameter without a default cannot follow one with a default."""
    seen_default = False
    for f in fields.values():
        if not f.init or f.kw_only or _kind(f) is _FIELD_CLASSVAR:
            continue
        if f.default is not _MISSING or f.default_factory is not _MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")


def _set_method(cls: type, name: str, method: Callable[..., Any]) -> None:
    method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
    setattr(cls, name, method)


def _set_hash(cls: type, eq: bool, frozen: bool, hashed: tuple[str, ...]) -> None:
    """dataclasses' table for unsafe_hash=False: an explicit __hash__ stays; eq without frozen
    makes instances unhashable; eq with frozen hashes the fields."""
    own_hash = cls.__dict__.get("__hash__", _MISSING)
    explicit = not (own_hash is _MISSING or (own_hash is None and "__eq__" in cls.__dict__))
    if not eq or explicit:
        return
    if not frozen:
        cls.__hash__ = None  # type: ignore[assignment]
        return
    key = _tuple_of(hashed)

    def __hash__(self: Any) -> int:
        return hash(key(self))

    _set_method(cls, "__hash__", __hash__)


def _tuple_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """obj -> the tuple of its fields `names`, as dataclasses' methods compare and hash them."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _first_init(cls: type, real: list[Field[Any]], initvars: list[Field[Any]]) -> Callable[..., None]:
    """The class's `__init__` until its first call, which makes the real one (_make_init), puts it
    in the class and runs it: making one costs about a third of a record's creation, and some of
    the classes a run imports are never instantiated in it (errors, other outputs' records)."""

    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
        init = _make_init(cls, real, initvars)
        _set_method(cls, "__init__", init)
        init(self, *args, **kwargs)

    return __init__


def _make_init(cls: type, real: list[Field[Any]], initvars: list[Field[Any]]) -> Callable[..., None]:
    """`__init__` binding its arguments as `def __init__(self, a, b=1, *, c)` would, with the same
    TypeErrors, then setting the fields in order and calling `__post_init__(initvars...)`."""
    # Two loops, no comprehensions: some 100 classes are made at every start. The parameters in
    # dataclass order: fields and InitVars as declared, keyword-only ones last.
    positional_list: list[str] = []
    keyword_list: list[str] = []
    defaulted: list[str] = []
    positional_defaults = 0
    for f in cls.__record_fields__.values():  # type: ignore[attr-defined]
        if f.init and f._field_type is not _FIELD_CLASSVAR:
            (keyword_list if f.kw_only else positional_list).append(f.name)
            if f.default is not _MISSING or f.default_factory is not _MISSING:
                defaulted.append(f.name)
                if not f.kw_only:
                    positional_defaults += 1
    positional = tuple(positional_list)
    keyword_only = tuple(keyword_list)
    accepted = frozenset(positional + keyword_only)
    has_default = frozenset(defaulted)
    # (name, default, factory) for every stored field, in declaration order (only init fields
    # can be in the arguments), and the fields with a default factory
    stored_list: list[tuple[str, Any, Any]] = []
    names_list: list[str] = []
    tail_list: list[Any] = []
    factory_list: list[tuple[int, str, Any]] = []
    for i, f in enumerate(real):
        stored_list.append((f.name, f.default, f.default_factory))
        names_list.append(f.name)
        tail_list.append(f.default)
        if f.default_factory is not _MISSING:
            factory_list.append((i, f.name, f.default_factory))
    stored = tuple(stored_list)
    initvar_names = tuple([f.name for f in initvars]) if initvars else ()
    initvar_defaults = {f.name: f.default for f in initvars} if initvars else {}
    post_init = hasattr(cls, "__post_init__")
    qualname = f"{cls.__qualname__}.__init__"
    # Fast paths, for classes whose fields are all stored and positional (most of them): a
    # positional call fills the missing tail from the defaults, a keyword call (or positional
    # arguments then keywords for later fields) starts from the defaults in field order (so the
    # instance's dict keeps that order), and each then calls the factories of the fields it was
    # not given. Any other call (a wrong one included) binds its arguments one by one.
    stored_names = tuple(names_list)
    plain = not initvars and not keyword_only and len(positional) == len(real)
    tail = tuple(tail_list)
    factories = tuple(factory_list)
    required = len(stored_names) - positional_defaults
    count = len(stored_names)
    required_names = frozenset(stored_names[:required])
    template = dict(zip(stored_names, tail))
    # for a call with `given` positional arguments and keywords (Element(*seven, key_spans=...)):
    # the names the keywords may give, and those of them without a default; made on first use
    splits: dict[int, tuple[frozenset[str], frozenset[str]]] = {}

    def split(given: int) -> tuple[frozenset[str], frozenset[str]]:
        pair = splits.get(given)
        if pair is None:
            pair = splits[given] = (frozenset(stored_names[given:]), frozenset(stored_names[given:required]))
        return pair

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the fields to store, every argument by name), or the TypeError of a function call."""
        values = dict(zip(positional, args))
        for key, value in kwargs.items():
            if key not in accepted:
                raise TypeError(f"{qualname}() got an unexpected keyword argument {key!r}")
            if key in values:
                raise TypeError(f"{qualname}() got multiple values for argument {key!r}")
            values[key] = value
        if len(args) > len(positional):
            raise TypeError(_too_many(qualname, len(positional), positional_defaults, len(args),
                                      sum(1 for key in kwargs if key in keyword_only)))
        if len(values) < len(accepted):
            for group, what in ((positional, "positional"), (keyword_only, "keyword-only")):
                missing = [name for name in group if name not in values and name not in has_default]
                if missing:
                    raise TypeError(_missing(qualname, missing, what))
        state = {}
        for name, default, factory in stored:
            if name in values:
                state[name] = values[name]
            elif factory is not _MISSING:
                state[name] = factory()
            elif default is not _MISSING:
                state[name] = default
        return state, values

    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
        if plain and not kwargs and required <= len(args) <= count:
            given = len(args)
            state = self.__dict__
            state.update(zip(stored_names, args if given == count else args + tail[given:]))
            for position, name, factory in factories:
                if position >= given:
                    state[name] = factory()
        elif plain and not args and tuple(kwargs) == stored_names and not factories:
            self.__dict__.update(kwargs)  # every field, in field order
        elif plain and not args and kwargs.keys() <= accepted and required_names <= kwargs.keys():
            state = template.copy()  # in field order; the arguments replace their entries in place
            state.update(kwargs)
            for position, name, factory in factories:
                if name not in kwargs:
                    state[name] = factory()
            self.__dict__.update(state)
        elif (plain and args and len(args) < count and kwargs.keys() <= split(len(args))[0]
              and split(len(args))[1] <= kwargs.keys()):
            given = len(args)
            state = template.copy()  # field order, as above
            state.update(zip(stored_names, args))
            state.update(kwargs)
            for position, name, factory in factories:
                if position >= given and name not in kwargs:
                    state[name] = factory()
            self.__dict__.update(state)
        else:
            state, values = bind(args, kwargs)
            self.__dict__.update(state)
            if post_init:
                self.__post_init__(*[values.get(name, initvar_defaults[name]) for name in initvar_names])
                return
        if post_init:
            self.__post_init__()

    if not plain or factories or post_init:
        return __init__
    return _positional_init(stored_names, tail, required, __init__)


def _positional_init(names: tuple[str, ...], tail: tuple[Any, ...], required: int,
                     general: Callable[..., None]) -> Callable[..., None]:
    """The `__init__` of a class whose fields are all stored and positional, with no default
    factory and no `__post_init__` (most records), specialised from the field count: a call with
    positional arguments only, `required` to all of them, stores them (then the defaults of the
    rest) by unpacking into the instance's dict, one store a field, with no tuple made per
    field; any other call, a wrong one included, goes to `general`. No code is generated: one
    closure is written here for each count from 1 to 10, a loop serves the empty class and the
    rare larger ones."""
    count = len(names)
    if count == 1:
        (n1,) = names

        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if kwargs or not required <= len(args) <= 1:
                general(self, *args, **kwargs)
            else:
                self.__dict__[n1] = args[0] if args else tail[0]

        return __init__
    if count == 2:
        n1, n2 = names

        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if kwargs or not required <= len(args) <= 2:
                general(self, *args, **kwargs)
            else:
                d = self.__dict__
                d[n1], d[n2] = args if len(args) == 2 else args + tail[len(args):]

        return __init__
    if count == 3:
        n1, n2, n3 = names

        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if kwargs or not required <= len(args) <= 3:
                general(self, *args, **kwargs)
            else:
                d = self.__dict__
                d[n1], d[n2], d[n3] = args if len(args) == 3 else args + tail[len(args):]

        return __init__
    if count == 4:
        n1, n2, n3, n4 = names

        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if kwargs or not required <= len(args) <= 4:
                general(self, *args, **kwargs)
            else:
                d = self.__dict__
                d[n1], d[n2], d[n3], d[n4] = args if len(args) == 4 else args + tail[len(args):]

        return __init__
    if count == 5:
        n1, n2, n3, n4, n5 = names

        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if kwargs or not required <= len(args) <= 5:
                general(self, *args, **kwargs)
            else:
                d = self.__dict__
                d[n1], d[n2], d[n3], d[n4], d[n5] = args if len(args) == 5 else args + tail[len(args):]

        return __init__
    if count == 6:
        n1, n2, n3, n4, n5, n6 = names

        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if kwargs or not required <= len(args) <= 6:
                general(self, *args, **kwargs)
            else:
                d = self.__dict__
                d[n1], d[n2], d[n3], d[n4], d[n5], d[n6] = args if len(args) == 6 else args + tail[len(args):]

        return __init__
    if count == 7:
        n1, n2, n3, n4, n5, n6, n7 = names

        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if kwargs or not required <= len(args) <= 7:
                general(self, *args, **kwargs)
            else:
                d = self.__dict__
                (d[n1], d[n2], d[n3], d[n4], d[n5], d[n6],
                 d[n7]) = args if len(args) == 7 else args + tail[len(args):]

        return __init__
    if count == 8:
        n1, n2, n3, n4, n5, n6, n7, n8 = names

        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if kwargs or not required <= len(args) <= 8:
                general(self, *args, **kwargs)
            else:
                d = self.__dict__
                (d[n1], d[n2], d[n3], d[n4], d[n5], d[n6], d[n7],
                 d[n8]) = args if len(args) == 8 else args + tail[len(args):]

        return __init__
    if count == 9:
        n1, n2, n3, n4, n5, n6, n7, n8, n9 = names

        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if kwargs or not required <= len(args) <= 9:
                general(self, *args, **kwargs)
            else:
                d = self.__dict__
                (d[n1], d[n2], d[n3], d[n4], d[n5], d[n6], d[n7], d[n8],
                 d[n9]) = args if len(args) == 9 else args + tail[len(args):]

        return __init__
    if count == 10:
        n1, n2, n3, n4, n5, n6, n7, n8, n9, n10 = names

        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if kwargs or not required <= len(args) <= 10:
                general(self, *args, **kwargs)
            else:
                d = self.__dict__
                (d[n1], d[n2], d[n3], d[n4], d[n5], d[n6], d[n7], d[n8], d[n9],
                 d[n10]) = args if len(args) == 10 else args + tail[len(args):]

        return __init__
    if count > 10 or count == 0:

        def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
            if kwargs or not required <= len(args) <= count:
                general(self, *args, **kwargs)
            else:
                self.__dict__.update(zip(names, args if len(args) == count else args + tail[len(args):]))

    return __init__


def _too_many(qualname: str, takes: int, with_defaults: int, given: int, keyword_only_given: int) -> str:
    """CPython's message for too many positional arguments (self counted, as it counts it)."""
    takes, given = takes + 1, given + 1
    if with_defaults:
        sig, plural = f"from {takes - with_defaults} to {takes}", True
    else:
        sig, plural = str(takes), takes != 1
    extra = ""
    if keyword_only_given:
        extra = (f" positional argument{'s' if given != 1 else ''} (and {keyword_only_given} keyword-only "
                 f"argument{'s' if keyword_only_given != 1 else ''})")
    was = "was" if given == 1 and not keyword_only_given else "were"
    return f"{qualname}() takes {sig} positional argument{'s' if plural else ''} but {given}{extra} {was} given"


def _missing(qualname: str, names: list[str], what: str) -> str:
    """CPython's message for missing arguments: 'a', 'a' and 'b', 'a', 'b', and 'c'."""
    quoted = [repr(name) for name in names]
    if len(quoted) == 1:
        listed = quoted[0]
    elif len(quoted) == 2:
        listed = f"{quoted[0]} and {quoted[1]}"
    else:
        listed = ", ".join(quoted[:-1]) + f", and {quoted[-1]}"
    plural = "s" if len(names) != 1 else ""
    return f"{qualname}() missing {len(names)} required {what} argument{plural}: {listed}"


# ids (with the thread) of the records whose repr is being built, so that a record that contains
# itself shows as "..." (as dataclasses' reprlib-style guard does) instead of recursing
_repr_running: set[tuple[int, int]] = set()


def _make_repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        key = (id(self), get_ident())
        if key in _repr_running:
            return "..."
        _repr_running.add(key)
        try:
            shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        finally:
            _repr_running.discard(key)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _make_eq(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _make_order(key: Callable[[Any], tuple[Any, ...]]) -> dict[str, Callable[[Any, Any], Any]]:
    def __lt__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) < key(other)
        return NotImplemented

    def __le__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) <= key(other)
        return NotImplemented

    def __gt__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) > key(other)
        return NotImplemented

    def __ge__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) >= key(other)
        return NotImplemented

    return {"__lt__": __lt__, "__le__": __le__, "__gt__": __gt__, "__ge__": __ge__}


def _make_frozen(cls: type[Any], names: frozenset[str]) -> dict[str, Callable[..., None]]:
    """dataclasses' frozen methods: no field can be assigned or deleted, and no attribute at all
    on an instance of the class itself (a subclass that is not a record may add its own)."""

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return {"__setattr__": __setattr__, "__delattr__": __delattr__}
