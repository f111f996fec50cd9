"""The on-disk cache of the checked built-in program: JSON only, a broken cache is a miss."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from pathlib import Path

import pytest

from tmlogic.analysis import load_rules
from tmlogic.logic.language import parser
from tmlogic.logic.program import cache


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("TMLOGIC_CACHE_DIR", str(folder))
    return folder


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed although the cache holds the program")

    monkeypatch.setattr(parser, "parse_module", fail)


def test_second_load_comes_from_the_cache_and_is_the_same_program(cache_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    first, warnings = load_rules([])
    assert warnings == []
    files = list(cache_dir.glob("program-*.json"))
    assert len(files) == 1
    header, program = files[0].read_text().split("\n")
    assert json.loads(header)["key"] and isinstance(json.loads(program), list)
    _no_parsing(monkeypatch)
    second, _ = load_rules([])
    assert second == first
    assert [r.text for r in second.rules] == [r.text for r in first.rules]


@pytest.mark.parametrize("content", [
    b"", b"not json", b"[1, 2]", b'{"key": "x"}\n{"@": "Program", "v": [[], {"@": "dict", "v": []}]}',
    b'%BODY%{"@": "os.system", "v": ["echo hi"]}',
    b'%BODY%{"@": "Program", "v": [5, {"@": "dict", "v": []}]}',
    b'%BODY%{"@": "Rule", "v": []}',
    b'%BODY%{"@": "SourceSpan", "v": ["a", "one", 1, null, null]}',
    b'%BODY%[[[[[[[[["deep"]]]]]]]]]',
    b'%BODY%{"@": "Program", "v": [[], {"@": "dict", "v": []}]',
], ids=["empty", "garbage", "list", "other-key", "unknown-class", "bad-field", "missing-fields", "wrong-type",
        "not-a-program", "truncated"])
def test_a_corrupt_cache_is_a_miss_and_is_rewritten(cache_dir: Path, content: bytes) -> None:
    expected, _ = load_rules([])
    path = next(cache_dir.glob("program-*.json"))
    key = json.loads(path.read_text().split("\n")[0])["key"]
    header = json.dumps({"key": key}).encode() + b"\n"
    # "%BODY%": a second line after the right first line
    path.write_bytes(header + content[len(b"%BODY%"):] if content.startswith(b"%BODY%") else content)
    again, warnings = load_rules([])
    assert again == expected and warnings == []
    assert json.loads(path.read_text().split("\n")[0])["key"] == key  # rewritten whole


# The body's columns (cache._COLUMNS), by name: a JSON array, or packed numbers (cache._pack).
def _col(body: list[object], name: str) -> list[object]:
    return body[cache._COLUMNS.index(name)]  # type: ignore[return-value]


def _edit(body: list[object], name: str, change: Callable[[list[int]], object]) -> None:
    """Changes the numbers of a packed column and packs them again."""
    i = cache._COLUMNS.index(name)
    numbers = cache._unpack(body[i], name)
    change(numbers)
    body[i] = cache._pack(numbers)


def _first_term(body: list[object], kinds: set[int]) -> int:
    return next(i for i, kind in enumerate(cache._unpack(_col(body, "term kinds"), "")) if kind in kinds)


def _set(at: int, value: int) -> Callable[[list[int]], None]:
    def change(numbers: list[int]) -> None:
        numbers[at] = value

    return change


def _unpacked_column(body: list[object]) -> None:
    body[cache._COLUMNS.index("span lines")] = [1, 2, 3]


def _not_hex(body: list[object]) -> None:
    body[cache._COLUMNS.index("span lines")] = "Hnot hex!"


def _not_whole_numbers(body: list[object]) -> None:
    body[cache._COLUMNS.index("span lines")] = "h" + "00" * 5  # five bytes, of numbers of two


def _unknown_width(body: list[object]) -> None:
    body[cache._COLUMNS.index("span lines")] = "q" + cache._pack([1, 2, 3])[1:]


def _no_width(body: list[object]) -> None:
    body[cache._COLUMNS.index("span lines")] = ""


def _negative_span(body: list[object]) -> None:
    _edit(body, "span cols", _set(3, -1))


def _negative_end(body: list[object]) -> None:
    _edit(body, "span end lines", _set(3, -2))  # -1 is None; below it nothing


def _signed_count(body: list[object]) -> None:
    """Numbers that may not be None (-1) packed signed, none of them negative."""
    i = cache._COLUMNS.index("span lines")
    body[i] = _signed(body[i])


def _signed(packed: object) -> str:
    """The numbers of a packed column, packed as signed 4-byte ints."""
    from array import array

    numbers = array("i", cache._unpack(packed, ""))
    return "i" + numbers.tobytes().hex()


def _signed_name(body: list[object]) -> None:
    i = cache._COLUMNS.index("atom predicates")
    body[i] = _signed(body[i])


def _none_past_the_table(body: list[object]) -> None:
    """A pack may be None (-1, signed), and otherwise names a string."""
    strings = _col(body, "strings")
    _edit(body, "module packs", _set(0, len(strings)))
    i = cache._COLUMNS.index("module packs")
    body[i] = _signed(body[i])


def _unknown_literal(body: list[object]) -> None:
    _edit(body, "literal tags", _set(0, 9))


def _short_span_table(body: list[object]) -> None:
    _edit(body, "span end cols", list.pop)


def _decl_out_of_range(body: list[object]) -> None:
    _edit(body, "program decls", _set(2, 10_000))


def _decl_in_no_module(body: list[object]) -> None:
    _edit(body, "program decls", _set(1, 10_000))


def _decl_of_no_string(body: list[object]) -> None:
    _edit(body, "program decls", _set(0, 10_000))


def _integer_string(body: list[object]) -> None:
    _col(body, "strings")[0] = 7


def _list_string(body: list[object]) -> None:
    _col(body, "strings")[-1] = ["x"]


def _unknown_term_kind(body: list[object]) -> None:
    _edit(body, "term kinds", _set(0, 7))


def _term_cut_short(body: list[object]) -> None:
    _edit(body, "term values", list.pop)


def _name_past_the_table(body: list[object]) -> None:
    _edit(body, "term values", _set(_first_term(body, {0, 1}), 10**6))


def _number_past_the_table(body: list[object]) -> None:
    _edit(body, "term values", _set(_first_term(body, {3}), 10**6))


def _number_not_a_number(body: list[object]) -> None:
    _col(body, "numbers")[0] = "12"


def _negative_name(body: list[object]) -> None:
    _edit(body, "atom predicates", _set(0, -1))  # -1 is None, which a predicate is never


def _predicate_past_the_table(body: list[object]) -> None:
    _edit(body, "atom predicates", _set(0, 10**6))


def _body_one_longer(body: list[object]) -> None:
    def change(sizes: list[int]) -> None:
        sizes[0] += 1

    _edit(body, "rule body sizes", change)


def _span_in_no_file(body: list[object]) -> None:
    _edit(body, "span paths", _set(0, 10_000))


def _negative_arity(body: list[object]) -> None:
    _edit(body, "atom arities", _set(0, -1))


def _unknown_operator(body: list[object]) -> None:
    strings = _col(body, "strings")
    _edit(body, "comparison ops", _set(0, next(i for i, s in enumerate(strings) if s not in ("=", "!=", "<"))))


def _metadata_flag_two(body: list[object]) -> None:
    _edit(body, "rule has metadata", _set(0, 2))


def _pack_below_none(body: list[object]) -> None:
    _edit(body, "module packs", _set(-1, -2))


def _metadata_value_number(body: list[object]) -> None:
    _col(body, "metadata values")[0] = 3


def _fact_variable(body: list[object]) -> None:
    """The first fact's argument made a variable: the rows the engine reads would hold its name."""
    n_rules = len(cache._unpack(_col(body, "rule body sizes"), ""))
    n_body_atoms = sum(1 for tag in cache._unpack(_col(body, "literal tags"), "") if tag != 2)
    first = sum(cache._unpack(_col(body, "atom arities"), "")[:n_rules + n_body_atoms])
    _edit(body, "term kinds", _set(first, 0))


def _column_missing(body: list[object]) -> None:
    body.pop()


def _column_not_a_list(body: list[object]) -> None:
    body[cache._COLUMNS.index("rule texts")] = "text"


_DAMAGES = [_unpacked_column, _not_hex, _not_whole_numbers, _unknown_width, _no_width, _negative_span, _negative_end,
            _signed_count, _signed_name, _none_past_the_table, _unknown_literal,
            _short_span_table, _decl_out_of_range, _decl_in_no_module, _decl_of_no_string, _integer_string, _list_string,
            _unknown_term_kind, _term_cut_short, _name_past_the_table, _number_past_the_table,
            _number_not_a_number, _negative_name, _predicate_past_the_table, _body_one_longer, _span_in_no_file,
            _negative_arity, _unknown_operator, _metadata_flag_two, _pack_below_none, _metadata_value_number,
            _fact_variable, _column_missing, _column_not_a_list]


@pytest.mark.parametrize("crc", ["stale", "recomputed"])
@pytest.mark.parametrize("damage", _DAMAGES)
def test_a_damaged_program_of_the_right_key_is_a_miss(cache_dir: Path, damage: Callable[[list[object]], None],
                                                      crc: str) -> None:
    """Damaged under its old CRC (caught by the CRC), or with the CRC made to match (a tampered file:
    caught by the decoder's checks of types and counts)."""
    expected, _ = load_rules([])
    path = next(cache_dir.glob("program-*.json"))
    header, body = path.read_text(encoding="utf-8").split("\n")
    data = json.loads(body)
    damage(data)
    damaged = json.dumps(data)
    head = json.loads(header)
    if crc == "recomputed":
        head["crc"] = cache._crc(damaged)
    path.write_text(json.dumps(head) + "\n" + damaged, encoding="utf-8")
    key = head["key"]
    assert cache.read_program(key) is None
    again, _ = load_rules([])
    assert again == expected
    assert cache.read_program(key) == expected  # rewritten


def test_damage_that_keeps_every_type_is_caught_by_the_crc(cache_dir: Path) -> None:
    """A digit of a line number changed: still a well-formed program, but not the one cached."""
    expected, _ = load_rules([])
    path = next(cache_dir.glob("program-*.json"))
    header, body = path.read_text(encoding="utf-8").split("\n")
    data = json.loads(body)

    def change(lines: list[int]) -> None:
        lines[-1] += 1

    _edit(data, "span lines", change)
    path.write_text(header + "\n" + json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    assert cache.read_program(json.loads(header)["key"]) is None
    assert load_rules([])[0] == expected


@pytest.mark.parametrize("numbers, width", [([], "B"), ([0, 255], "B"), ([256], "H"), ([65535], "H"), ([65536], "I"),
                                            ([2**32 - 1], "I"), ([-128, 127, -1], "b"), ([128, -1], "h"),
                                            ([-129, 0], "h"), ([-32768, 32767], "h"), ([32768, -1], "i"),
                                            ([-32769], "i"), ([-2**31, 2**31 - 1], "i")])
def test_a_packed_column_is_as_narrow_as_its_numbers_and_unsigned_unless_one_is_negative(numbers: list[int],
                                                                                        width: str) -> None:
    packed = cache._pack(numbers)
    assert packed[0] == width and cache._unpack(packed, "numbers") == numbers


@pytest.mark.parametrize("numbers", [[2**32], [-1, 2**31], [-2**31 - 1]])
def test_a_number_wider_than_four_bytes_is_not_packed(numbers: list[int]) -> None:
    with pytest.raises(OverflowError):
        cache._pack(numbers)


def test_the_columns_round_trip_every_kind_of_node(cache_dir: Path) -> None:
    """A program with what the built-in one may lack: anonymous variables, every comparison, integer
    constants, negations, declaration docs, dangling docs and pack-less modules."""
    from tmlogic.logic.language.checks import check_modules

    text = (".decl p(x: symbol, n: number)\n/// doc: a relation\n.decl q(x: symbol)\n"
            'p("a", 1).\np("b", -2).\n'
            + "".join(f'q(X) :- p(X, N), N {op} 0, !p(X, 7), p(_, _).\n' for op in ("=", "!=", "<", "<=", ">", ">="))
            + "/// note: dangling\n")
    modules = [parser.parse_module(text, "mine/a.dl")]
    program, _ = check_modules(modules)
    decoded = cache._decode(json.loads(json.dumps(cache._encode(program))))
    assert decoded == program
    assert [vars(d) for d in decoded.decls.values()] == [vars(d) for d in program.decls.values()]
    assert decoded.modules[0].dangling_docs == program.modules[0].dangling_docs != ()


def test_a_program_with_a_negative_count_is_not_encoded() -> None:
    """Columns other than those that may hold None are packed unsigned (the decoder takes a signed
    one for damage): a program with a number below 0 there is not cached rather than always missed."""
    from tmlogic.logic.language import ast
    from tmlogic.logic.language.checks import check_modules
    from tmlogic.records import replace

    text = '.decl p(x: symbol)\n.decl q(x: symbol)\np("a").\nq(X) :- p(X).\n'
    program, _ = check_modules([parser.parse_module(text, "a.dl")])
    cache._encode(program)
    module = program.modules[0]
    odd = replace(program, modules=(replace(module, rules=(replace(module.rules[0], index=-1),)),))
    with pytest.raises(TypeError, match="rule indexes"):
        cache._encode(odd)


def test_the_decoder_may_build_objects_without_their_init() -> None:
    """The decoder fills each object's __dict__ the way the dataclass's generated __init__ would
    (cache.py): that holds only for dataclasses (or records, tmlogic/records.py) with an instance
    dict, no __post_init__, no init=False fields and no custom __init__, which these tests keep true."""
    import dataclasses

    from tmlogic import records
    from tmlogic._errors import SourceSpan
    from tmlogic.logic.language import ast

    for cls in (SourceSpan, ast.Var, ast.Const, ast.Atom, ast.Negation, ast.Comparison, ast.MetaEntry, ast.Metadata,
                ast.Rule, ast.Fact, ast.Decl, ast.Module, ast.Program):
        assert (dataclasses.is_dataclass(cls) or "__record_fields__" in vars(cls)) and "__slots__" not in vars(cls), cls
        assert not hasattr(cls, "__post_init__"), cls
        assert all(f.init for f in records.fields(cls)), cls
        # the one dataclasses generates, or the one record gives every record
        assert cls.__init__.__code__.co_filename in ("<string>", records.__file__), cls


def _fields(node: object) -> dict[str, object]:
    from tmlogic import records

    return {f.name: getattr(node, f.name) for f in records.fields(node)}


def test_decoded_objects_equal_parsed_ones_field_by_field(cache_dir: Path) -> None:
    first, _ = load_rules([])
    second, _ = load_rules([])
    assert second is not first
    assert second.fact_rows() == first.fact_rows()  # before any Fact object is built
    for a, b in zip(first.rules, second.rules):
        assert _fields(a.head) == _fields(b.head) and [_fields(t) for t in a.head.args] == [_fields(t) for t in b.head.args]
        assert [_fields(lit) for lit in a.body] == [_fields(lit) for lit in b.body]
        assert hash(a) == hash(b) and repr(a) == repr(b)
        # every span and body read: each node is now the one its constructor makes
        assert vars(a) == vars(b) and vars(a.head) == vars(b.head)
        assert [vars(t) for t in a.head.args] == [vars(t) for t in b.head.args]
        assert [vars(lit) for lit in a.body] == [vars(lit) for lit in b.body]
    for m, n in zip(first.modules, second.modules):
        assert [_fields(f) for f in m.facts] == [_fields(f) for f in n.facts]
        assert [_fields(f.atom) for f in m.facts] == [_fields(f.atom) for f in n.facts]
        assert [[_fields(t) for t in f.atom.args] for f in m.facts] == [[_fields(t) for t in f.atom.args] for f in n.facts]
        assert n.fact_rows() == m.fact_rows()  # from the Fact objects now
        assert n.decls == m.decls and vars(m).keys() == vars(n).keys()
        assert [vars(f) for f in m.facts] == [vars(f) for f in n.facts]


def test_a_decoded_node_builds_its_span_when_first_read(cache_dir: Path) -> None:
    """The decoder builds the spans a warm run reads (facts') and leaves the others as rows
    (ast.SPAN_ROW) until read: the same span, and then the same node, as parsed."""
    from tmlogic.logic.language import ast

    parsed, _ = load_rules([])
    decoded, _ = load_rules([])
    assert all(type(span) is type(parsed.rules[0].span) for _, _, span in decoded.fact_rows())
    at = next(i for i, r in enumerate(decoded.rules) if any(type(lit) is ast.Negation for lit in r.body))
    rule, twin = decoded.rules[at], parsed.rules[at]
    assert all("span" in vars(f) for f in decoded.facts)
    nodes = [rule, rule.head, *rule.head.args, *rule.body, *(lit.atom for lit in rule.body if type(lit) is ast.Negation),
             *(f.atom for f in decoded.facts), *(t for f in decoded.facts for t in f.atom.args)]
    assert all(ast.SPAN_ROW in vars(n) and "span" not in vars(n) for n in nodes)
    assert all(ast.SPAN_ROW not in vars(n) for n in [*twin.head.args, *twin.body])  # never from the constructors
    literal, parsed_literal = rule.body[0], twin.body[0]
    span = literal.span
    assert span == parsed_literal.span and type(span) is type(parsed_literal.span)
    assert literal.span is span and vars(literal)["span"] is span and ast.SPAN_ROW not in vars(literal)
    assert vars(literal).keys() == vars(parsed_literal).keys()
    assert not hasattr(ast.Atom, "span")  # on the class, a field without a default, as before


def test_a_decoded_program_builds_its_declarations_when_first_read(cache_dir: Path) -> None:
    """Each module's when read (ast.DECLS_FROM), and the program's table of the modules' own Decl
    objects; the declarations equal the parsed ones."""
    from tmlogic.logic.language import ast

    parsed, _ = load_rules([])
    decoded, _ = load_rules([])
    nodes = [*decoded.modules, decoded]
    assert all(ast.DECLS_FROM in vars(n) and "decls" not in vars(n) for n in nodes)
    assert all(ast.DECLS_FROM not in vars(n) for n in [*parsed.modules, parsed])
    at = next(i for i, m in enumerate(parsed.modules) if m.decls)
    assert decoded.modules[at].decls
    assert "decls" in vars(decoded.modules[at]) and ast.DECLS_FROM not in vars(decoded.modules[at])
    assert all(ast.DECLS_FROM in vars(n) for n in nodes if n is not decoded.modules[at])  # one module's only
    assert decoded.modules[at].decls == parsed.modules[at].decls
    assert decoded.modules[at].facts == parsed.modules[at].facts  # built when read (FACTS_FROM)
    assert vars(decoded.modules[at]).keys() == vars(parsed.modules[at]).keys()
    where = {id(d) for m in decoded.modules for d in m.decls}
    assert decoded.decls == parsed.decls and all(id(d) in where for d in decoded.decls.values())
    assert [_fields(d) for d in decoded.decls.values()] == [_fields(d) for d in parsed.decls.values()]
    assert not hasattr(ast.Module, "decls") and not hasattr(ast.Program, "decls")


def test_a_decoded_rule_builds_its_body_when_first_read(cache_dir: Path) -> None:
    """Each rule's body (ast.BODY_FROM), once: the same tuple from then on, equal to the parsed one."""
    from tmlogic.logic.language import ast

    parsed, _ = load_rules([])
    decoded, _ = load_rules([])
    rules = decoded.rules
    assert all(ast.BODY_FROM in vars(r) and "body" not in vars(r) for r in rules)
    assert all(ast.BODY_FROM not in vars(r) for r in parsed.rules)
    at = next(i for i, r in enumerate(parsed.rules) if {type(lit) for lit in r.body} >= {ast.Atom, ast.Negation})
    body = rules[at].body
    assert body == parsed.rules[at].body and rules[at].body is body
    assert "body" in vars(rules[at]) and ast.BODY_FROM not in vars(rules[at])
    assert all(ast.BODY_FROM in vars(r) for i, r in enumerate(rules) if i != at)  # one rule's only
    assert [r.body for r in rules] == [r.body for r in parsed.rules]
    assert [type(lit) for r in rules for lit in r.body] == [type(lit) for r in parsed.rules for lit in r.body]
    assert not hasattr(ast.Rule, "body")  # on the class, a field without a default, as before


def test_a_decoded_module_builds_its_facts_when_first_read(cache_dir: Path) -> None:
    """Each module's Fact objects (ast.FACTS_FROM) when `facts` is first read; until then its facts
    are rows (ast.FACT_ROWS), whose spans the Fact objects then share."""
    from tmlogic.logic.language import ast

    parsed, _ = load_rules([])
    decoded, _ = load_rules([])
    at = next(i for i, m in enumerate(parsed.modules) if len(m.facts) > 1)
    module, twin = decoded.modules[at], parsed.modules[at]
    assert all(ast.FACTS_FROM in vars(m) and ast.FACT_ROWS in vars(m) and "facts" not in vars(m)
               for m in decoded.modules)
    rows = module.fact_rows()
    assert rows == twin.fact_rows() and rows == [(f.atom.predicate, tuple(t.value for t in f.atom.args
                                                                        if isinstance(t, ast.Const)), f.span)
                                                 for f in twin.facts]
    facts = module.facts
    assert facts == twin.facts and module.facts is facts and [f.span for f in facts] == [s for _, _, s in rows]
    assert all(f.span is span for f, (_, _, span) in zip(facts, rows))
    assert module.decls == twin.decls and vars(module).keys() == vars(twin).keys()
    assert all(ast.FACTS_FROM in vars(m) for i, m in enumerate(decoded.modules) if i != at)  # one module's only
    assert decoded.facts == parsed.facts
    assert not hasattr(ast.Module, "facts")


@pytest.mark.parametrize("field", ["body", "facts"])
def test_threads_reading_a_body_or_facts_at_once_get_the_same_objects(cache_dir: Path, field: str) -> None:
    import threading

    load_rules([])
    decoded, _ = load_rules([])
    node: Any = decoded.rules[-1] if field == "body" else max(decoded.modules, key=lambda m: len(m.fact_rows()))
    start = threading.Barrier(4)
    seen: list[object] = []

    def read() -> None:
        start.wait()
        seen.append(getattr(node, field))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for t in readers:
        t.start()
    for t in readers:
        t.join()
    assert len(seen) == 4 and all(x is seen[0] for x in seen) and getattr(node, field) is seen[0]


def test_threads_reading_the_declarations_at_once_get_the_same_objects(cache_dir: Path) -> None:
    import threading

    load_rules([])
    decoded, _ = load_rules([])
    start = threading.Barrier(4)
    seen: list[object] = []

    def read(node: Any) -> None:
        start.wait()
        seen.append(node.decls)

    readers = [threading.Thread(target=read, args=(node,)) for node in (decoded, decoded, decoded.modules[0],
                                                                        decoded.modules[0])]
    for t in readers:
        t.start()
    for t in readers:
        t.join()
    programs = [x for x in seen if isinstance(x, dict)]
    modules = [x for x in seen if isinstance(x, tuple)]
    assert len(programs) == len(modules) == 2 and programs[0] is programs[1] and modules[0] is modules[1]
    assert modules[0] is decoded.modules[0].decls and programs[0] is decoded.decls


def test_a_node_without_span_or_row_has_no_span() -> None:
    from tmlogic.logic.language import ast

    atom: Any = object.__new__(ast.Atom)
    atom.__dict__.update(predicate="p", args=())
    with pytest.raises(AttributeError, match="'Atom' object has no attribute 'span'"):
        atom.span


def test_the_key_follows_file_contents_version_strictness_and_known_ids() -> None:
    files = [("rules/a.dl", b"p(1).")]
    base = cache.program_key(files, False, None)
    assert cache.program_key([("rules/a.dl", b"p(2).")], False, None) != base
    assert cache.program_key([("rules/b.dl", b"p(1).")], False, None) != base
    assert cache.program_key(files, True, None) != base
    from tmlogic.logic.language.checks import KnownIds

    assert cache.program_key(files, False, KnownIds(capec=frozenset({"CAPEC-1"}))) != base
    assert cache.program_key(files, False, None) == base


def test_packs_given_by_the_user_are_not_cached(cache_dir: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack.dl"
    pack.write_text(".decl mine(x: symbol)\n", encoding="utf-8")
    load_rules([pack])
    assert not cache_dir.exists() or not list(cache_dir.glob("program-*.json"))


def test_an_empty_setting_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TMLOGIC_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    load_rules([])
    assert cache.cache_dir() is None and list(tmp_path.iterdir()) == []


def test_an_unwritable_cache_folder_is_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("TMLOGIC_CACHE_DIR", str(blocker / "cache"))  # a folder under a file cannot exist
    program, warnings = load_rules([])
    assert program.rules and warnings == []


def test_a_warm_cache_reads_no_known_ids_and_another_knowledge_base_misses(cache_dir: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from tmlogic.kb import loader

    first, _ = load_rules([])
    loader._known.cache_clear()

    def fail(folder: Path) -> None:
        raise AssertionError("read the known ids although the program is cached")

    monkeypatch.setattr(loader, "_known", fail)
    assert load_rules([])[0] == first
    # the key names the knowledge base by its content: another one is a miss, checked against its ids
    monkeypatch.undo()
    monkeypatch.setenv("TMLOGIC_CACHE_DIR", str(cache_dir))
    monkeypatch.setattr(loader, "_digest", lambda folder: "0" * 64)
    read: list[Path] = []
    real = loader._known

    def counted(folder: Path) -> object:
        read.append(folder)
        return real(folder)

    monkeypatch.setattr(loader, "_known", counted)
    assert load_rules([])[0] == first and read
    assert len(list(cache_dir.glob("program-*.json"))) == 2


def test_the_compiled_program_equals_one_built_through_the_constructors(cache_dir: Path) -> None:
    """compile_program fills __dict__ directly (compile.py): the same objects as the constructors make."""
    import dataclasses

    from tmlogic import records
    from tmlogic.logic.language import ast
    from tmlogic.logic.program.compile import Clause, FiringRelation, compile_program
    from tmlogic.logic.program.facts import InputFact

    for cls in (Clause, FiringRelation, InputFact):
        assert (dataclasses.is_dataclass(cls) or "__record_fields__" in vars(cls)) and "__slots__" not in vars(cls), cls
        assert not hasattr(cls, "__post_init__") and all(f.init for f in records.fields(cls)), cls
    program, _ = load_rules([])
    compiled = compile_program(program)
    for c in compiled.clauses:
        assert vars(Clause(c.head, c.body)) == vars(c)
    for n, (f, rule) in enumerate(zip(compiled.firings, program.rules)):
        assert f.rule is rule and vars(FiringRelation(f"#fire{n}", rule, f.variables)) == vars(f)
        head = next(c.head for c in compiled.clauses if c.head.predicate == f.name)
        rebuilt = ast.Atom(f.name, tuple(ast.Var(v, rule.head.span) for v in f.variables), rule.head.span)
        assert head == rebuilt and [vars(t) for t in head.args] == [vars(t) for t in rebuilt.args]
        positives = [t.name for a in rule.positive_atoms() for t in a.args if isinstance(t, ast.Var)]
        assert f.variables == tuple(dict.fromkeys(positives))
    assert [vars(f) for f in compiled.facts] == [
        vars(InputFact(f.atom.predicate, tuple(t.value for t in f.atom.args if isinstance(t, ast.Const)), f.span))
        for f in program.facts]


# --- derived sections (cache.derived): the engine's strata, the threat rules' id variables and infos ---

_MODEL = Path(__file__).parent.parent / "examples" / "webshop" / "threat_model.md"
_SECTIONS = ("native strata 1", "pack extension facts 1", "threat id variables 1", "threat rule infos 1",
             "known spellings 1")


def _report() -> str:
    from tmlogic.analysis import analyze
    from tmlogic.outputs.json_output import render_json

    return render_json(analyze(_MODEL).result)


def _file(cache_dir: Path) -> Path:
    """The rules' program (the knowledge base's enrichment program is cached beside it)."""
    return max(cache_dir.glob("program-*.json"), key=lambda p: p.stat().st_size)


def _lines(cache_dir: Path) -> list[str]:
    return _file(cache_dir).read_text(encoding="utf-8").split("\n")


def _write_sections(cache_dir: Path, sections: object, crc: str = "recomputed") -> None:
    path = _file(cache_dir)
    header, body, _ = path.read_text(encoding="utf-8").split("\n")
    rest = body + "\n" + json.dumps(sections)
    head = json.loads(header)
    if crc == "recomputed":
        head["crc"] = cache._crc(rest)
    path.write_text(json.dumps(head) + "\n" + rest, encoding="utf-8")


def _spied(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which of the four sections' computations ran."""
    from tmlogic import analysis
    from tmlogic.logic import provenance
    from tmlogic.logic.engines import native

    ran: list[str] = []
    strata, positions, info = native._strata, analysis._id_positions, analysis.rule_info
    extensions = provenance._extension_facts

    def spy_extensions(program: Any) -> Any:
        ran.append("extensions")
        return extensions(program)

    def spy_strata(clauses: list[Any]) -> object:
        if any(c.head.predicate == "zone" for c in clauses):  # the rules' program, not the enrichment's
            ran.append("strata")
        return strata(clauses)

    def spy_positions(*args: object) -> object:
        ran.append("id variables")
        return positions(*args)  # type: ignore[arg-type]

    def spy_info(rule: Any) -> Any:
        if "rule infos" not in ran:
            ran.append("rule infos")
        return info(rule)

    monkeypatch.setattr(native, "_strata", spy_strata)
    monkeypatch.setattr(analysis, "rule_info", spy_info)
    monkeypatch.setattr(analysis, "_id_positions", spy_positions)
    monkeypatch.setattr(provenance, "_extension_facts", spy_extensions)
    return ran


def test_a_run_stores_what_it_derives_and_the_next_one_reads_it(cache_dir: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    ran = _spied(monkeypatch)
    first = _report()
    assert ran == ["strata", "extensions", "id variables", "rule infos"]
    header, body, sections = _lines(cache_dir)
    assert sorted(json.loads(sections)) == sorted(_SECTIONS)
    assert json.loads(header)["crc"] == cache._crc(body + "\n" + sections)
    ran.clear()
    assert _report() == first and ran == []  # a new program, read from the file with its sections
    assert _lines(cache_dir)[2] == sections  # not rewritten


def _strata(sections: dict[str, Any]) -> dict[str, Any]:
    return sections["native strata 1"]  # type: ignore[no-any-return]


def _ids(sections: dict[str, Any]) -> list[list[str]]:
    return sections["threat id variables 1"]  # type: ignore[no-any-return]


def _infos(sections: dict[str, Any]) -> list[list[Any]]:
    return sections["threat rule infos 1"]  # type: ignore[no-any-return]


def _extensions(sections: dict[str, Any]) -> list[list[Any]]:
    return sections["pack extension facts 1"]  # type: ignore[no-any-return]


def _first_recursive(sections: dict[str, Any]) -> list[int]:
    return _strata(sections)["recursive"][0]  # type: ignore[no-any-return]


_SECTION_DAMAGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "strata-not-an-object": lambda s: s.update({"native strata 1": 5}),
    "strata-of-other-heads": lambda s: _strata(s)["heads"].__setitem__(0, "other"),
    "strata-missing": lambda s: _strata(s).pop("strata"),
    "a-clause-left-out": lambda s: _strata(s)["strata"].pop(),
    "a-clause-twice": lambda s: _strata(s)["strata"].append(_strata(s)["strata"][0]),
    "an-empty-stratum": lambda s: _strata(s)["strata"].append([]),
    "a-clause-by-name": lambda s: _strata(s)["strata"][0].__setitem__(0, "0"),
    "a-stratum-not-a-list": lambda s: _strata(s)["strata"].__setitem__(0, {"0": 0}),
    "recursion-past-the-atoms": lambda s: _first_recursive(s).__setitem__(1, 99),
    "recursion-negative": lambda s: _first_recursive(s).__setitem__(1, -1),
    "recursion-of-no-clause": lambda s: _first_recursive(s).__setitem__(0, 10**6),
    "recursion-of-a-negative-clause": lambda s: _first_recursive(s).__setitem__(0, -1),
    "recursion-without-atoms": lambda s: _first_recursive(s).__delitem__(slice(1, None)),
    "recursion-empty": lambda s: _strata(s)["recursive"].__setitem__(0, []),
    "ids-one-short": lambda s: _ids(s).pop(),
    "ids-of-another-rule": lambda s: _ids(s)[0].__setitem__(0, "#fire0"),
    "ids-a-number": lambda s: _ids(s)[0].append(3),
    "ids-not-a-list": lambda s: s.update({"threat id variables 1": {"a": 1}}),
    "infos-one-short": lambda s: _infos(s).pop(),
    "infos-of-another-rule": lambda s: _infos(s)[0].__setitem__(0, "#fire0"),
    "infos-a-field-short": lambda s: _infos(s)[0].pop(),
    "infos-a-number-for-text": lambda s: _infos(s)[0].__setitem__(1, 3),
    "infos-a-list-for-text": lambda s: _infos(s)[0].__setitem__(2, ["title"]),
    "infos-text-for-a-list": lambda s: _infos(s)[0].__setitem__(10, "CAPEC-242"),  # capec
    "infos-a-number-in-a-list": lambda s: _infos(s)[0][11].append(1),  # cwe
    "infos-a-list-for-optional-text": lambda s: _infos(s)[0].__setitem__(15, []),  # description
    "infos-a-pair-of-three": lambda s: _infos(s)[0].__setitem__(-1, [["capec", "why", "more"]]),
    "infos-not-a-list": lambda s: s.update({"threat rule infos 1": "infos"}),
    # the built-in packs state no fact at an extension point: the section is an empty list
    "extensions-not-a-list": lambda s: s.update({"pack extension facts 1": {"flow": "pack"}}),
    "extensions-an-entry-short": lambda s: _extensions(s).append(["pack"]),
    "extensions-a-number-for-the-pack": lambda s: _extensions(s).append([3, "flow", "f", "a", "b"]),
    "extensions-a-list-for-an-argument": lambda s: _extensions(s).append(["pack", "flow", ["f"], "a", "b"]),
    "extensions-a-float-argument": lambda s: _extensions(s).append(["pack", "flow", 1.5]),
}


def test_the_stored_rule_infos_follow_the_fields_of_rule_info() -> None:
    from tmlogic import analysis
    from tmlogic.records import fields
    from tmlogic.result import RuleInfo

    names = [f.name for f in fields(RuleInfo)]
    assert names[15:17] == ["rule", "source"]
    assert [name for name, _ in analysis._INFO_FIELDS] == names[:15] + names[17:]


@pytest.mark.parametrize("damage", list(_SECTION_DAMAGES), ids=list(_SECTION_DAMAGES))
def test_a_section_that_does_not_decode_is_computed_again_and_rewritten(cache_dir: Path, damage: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    first = _report()
    sections = json.loads(_lines(cache_dir)[2])
    damaged = json.loads(json.dumps(sections))
    _SECTION_DAMAGES[damage](damaged)
    _write_sections(cache_dir, damaged)
    ran = _spied(monkeypatch)
    assert _report() == first
    assert ran == (["strata"] if damage.startswith(("strata", "a-", "an-", "recursion"))
                   else ["rule infos"] if damage.startswith("infos")
                   else ["extensions"] if damage.startswith("extensions") else ["id variables"])
    assert json.loads(_lines(cache_dir)[2]) == sections  # rewritten as computed


def test_sections_damaged_under_the_old_crc_are_a_miss_of_the_whole_program(cache_dir: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first = _report()
    sections = json.loads(_lines(cache_dir)[2])
    _strata(sections)["strata"].reverse()  # well-formed, and wrong: the CRC catches it
    _write_sections(cache_dir, sections, crc="stale")
    parsed: list[str] = []
    parse = parser.parse_module

    def counted(text: str, path: str) -> object:
        parsed.append(path)
        return parse(text, path)

    monkeypatch.setattr(parser, "parse_module", counted)
    assert _report() == first and parsed


@pytest.mark.parametrize("line", ["[1, 2]", '"text"', "not json"])
def test_a_sections_line_of_another_shape_is_ignored_and_replaced(cache_dir: Path, line: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first = _report()
    sections = _lines(cache_dir)[2]
    path = _file(cache_dir)
    header, body, _ = path.read_text(encoding="utf-8").split("\n")
    head = json.loads(header)
    head["crc"] = cache._crc(body + "\n" + line)
    path.write_text(json.dumps(head) + "\n" + body + "\n" + line, encoding="utf-8")
    ran = _spied(monkeypatch)
    assert _report() == first
    if line == "not json":  # the file does not decode: a miss, parsed and written again
        assert _lines(cache_dir)[2] == sections
    else:
        assert ran == ["strata", "extensions", "id variables", "rule infos"] and _lines(cache_dir)[2] == sections


def test_a_user_pack_computes_everything_and_stores_nothing(cache_dir: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from tmlogic.analysis import AnalysisOptions, analyze
    from tmlogic.outputs.json_output import render_json

    pack = tmp_path / "pack.dl"
    pack.write_text(".decl mine(x: symbol)\n", encoding="utf-8")
    ran = _spied(monkeypatch)
    with_pack = render_json(analyze(_MODEL, AnalysisOptions(rule_paths=(pack,))).result)
    assert ran == ["strata", "extensions", "id variables", "rule infos"]
    # (the knowledge base's enrichment program may be cached; a program with the pack is not)
    assert all('"mine"' not in p.read_text(encoding="utf-8") for p in cache_dir.glob("program-*.json"))
    monkeypatch.undo()
    monkeypatch.setenv("TMLOGIC_CACHE_DIR", str(cache_dir))
    _report()
    assert json.loads(render_json(analyze(_MODEL).result))["threats"] == json.loads(with_pack)["threats"]
