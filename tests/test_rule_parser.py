"""The rule language parser: every syntax form, exact spans, metadata blocks, syntax errors."""

from __future__ import annotations

import builtins

import pytest

from tmlogic._errors import Diagnostic, RuleError, SourceSpan
from tmlogic.logic.language.ast import Atom, Comparison, Const, Negation, Var
from tmlogic.logic.language.parser import _parser, parse_module
from tmlogic.resources import schema_file


def parse(text: str):
    return parse_module(text, "t.dl")


def syntax_errors(text: str) -> list[Diagnostic]:
    with pytest.raises(RuleError) as info:
        parse(text)
    assert all(d.code == "syntax" for d in info.value.diagnostics)
    return info.value.diagnostics


def one_error(text: str) -> Diagnostic:
    errors = syntax_errors(text)
    assert len(errors) == 1, errors
    return errors[0]


# --------------------------------------------------------------------------- forms


def test_empty_and_comment_only_files() -> None:
    assert parse("").rules == ()
    module = parse("// a comment\n/* a block\n   comment */\n   \n////////////\n")
    assert (module.decls, module.rules, module.facts, module.dangling_docs) == ((), (), (), ())


def test_declaration() -> None:
    module = parse(".decl flow(f: symbol, Src: symbol, n: number)\n.decl nothing()\n")
    flow, nothing = module.decls
    assert flow.predicate == "flow"
    assert [(a.name, a.type) for a in flow.args] == [("f", "symbol"), ("Src", "symbol"), ("n", "number")]
    assert flow.arity == 3
    assert flow.span == SourceSpan("t.dl", 1, 1, 1, 46)
    assert flow.doc is None
    assert nothing.arity == 0


def test_fact_constants() -> None:
    module = parse('p("a", 3, -42, "q\\"uote\\\\ \\n\\t", "").')
    (fact,) = module.facts
    assert fact.atom.predicate == "p"
    assert [c.value for c in fact.atom.args] == ["a", 3, -42, 'q"uote\\ \n\t', ""]
    assert all(isinstance(c, Const) for c in fact.atom.args)
    assert fact.span == SourceSpan("t.dl", 1, 1, 1, 38)


def test_rule_with_every_literal_kind() -> None:
    (rule,) = parse('head(X, Y) :- a(X, Z), !b(Z), X != Y, c(Y, _), Y = "k", 3 < X.').rules
    assert rule.head == Atom("head", rule.head.args, rule.head.span)
    kinds = [type(lit) for lit in rule.body]
    assert kinds == [Atom, Negation, Comparison, Atom, Comparison, Comparison]
    neg = rule.body[1]
    assert isinstance(neg, Negation) and neg.atom.predicate == "b"
    cmp = rule.body[2]
    assert isinstance(cmp, Comparison) and (cmp.op, str(cmp.left), str(cmp.right)) == ("!=", "X", "Y")
    assert [a.predicate for a in rule.positive_atoms()] == ["a", "c"]


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_comparison_operators(op: str) -> None:
    (rule,) = parse(f"p(X) :- q(X, Y), X {op} Y, Y{op}-1.").rules
    first, second = rule.body[1], rule.body[2]
    assert isinstance(first, Comparison) and first.op == op
    assert isinstance(second, Comparison) and second.op == op and second.right == Const(-1, second.right.span)


def test_zero_arity_atoms() -> None:
    module = parse(".decl on()\non().\np(X) :- q(X), on().")
    assert module.facts[0].atom.arity == 0
    assert module.rules[0].body[1] == Atom("on", (), module.rules[0].body[1].span)


def test_each_underscore_is_its_own_variable() -> None:
    (rule,) = parse("p(X) :- q(X, _, _), !r(_, X), _ = 3.").rules
    anon = [v for lit in rule.body for v in _vars(lit) if v.anonymous]
    assert len(anon) == 4
    assert len({v.name for v in anon}) == 4
    assert all(v.name.startswith("_") and str(v) == "_" for v in anon)
    named = [v for v in _vars(rule.body[0]) if not v.anonymous]
    assert [v.name for v in named] == ["X"]


def test_underscores_stay_distinct_across_rules() -> None:
    rules = parse("p(X) :- q(X, _).\np(X) :- q(_, X).").rules
    names = [v.name for r in rules for v in _vars(r.body[0]) if v.anonymous]
    assert len(set(names)) == 2


def _vars(lit: object) -> list[Var]:
    if isinstance(lit, Negation):
        lit = lit.atom
    if isinstance(lit, Atom):
        return [a for a in lit.args if isinstance(a, Var)]
    assert isinstance(lit, Comparison)
    return [t for t in (lit.left, lit.right) if isinstance(t, Var)]


# --------------------------------------------------------------------------- spans and text


def test_spans_are_exact() -> None:
    text = (
        "// header\n"
        "threat(F) :- flow(F, S, _),\n"
        '    !flag(F, "is_encrypted"), S != "x".\n'
    )
    (rule,) = parse(text).rules
    assert rule.span == SourceSpan("t.dl", 2, 1, 3, 40)
    assert rule.head.span == SourceSpan("t.dl", 2, 1, 2, 7)
    assert rule.head.args[0].span == SourceSpan("t.dl", 2, 8, 2, 9)
    flow, neg, cmp = rule.body
    assert isinstance(flow, Atom) and flow.span == SourceSpan("t.dl", 2, 14, 2, 18)
    assert [a.span.col for a in flow.args] == [19, 22, 25]
    assert isinstance(neg, Negation)
    assert neg.span == SourceSpan("t.dl", 3, 5, 3, 6)
    assert neg.atom.span == SourceSpan("t.dl", 3, 6, 3, 10)
    assert neg.atom.args[1].span == SourceSpan("t.dl", 3, 14, 3, 28)
    assert isinstance(cmp, Comparison) and cmp.span == SourceSpan("t.dl", 3, 31, 3, 39)


def test_rule_text_is_folded_and_index_counts_rules() -> None:
    text = (
        "p(\"a\").\n"
        "p(X) :-   q(X),   // why\n"
        "          r( X ) /* note */ , X != \"a  //  b\" .\n"
        ".decl z(a: symbol)\n"
        "s(X) :- q(X).\n"
    )
    module = parse(text)
    first, second = module.rules
    assert first.text == 'p(X) :- q(X), r(X), X != "a  //  b".'
    assert (first.index, second.index) == (0, 1)
    assert second.text == "s(X) :- q(X)."


# --------------------------------------------------------------------------- metadata


def test_metadata_attaches_to_next_rule_and_decl() -> None:
    text = (
        "/// id: TM-NET-001\n"
        "///   title:   Cleartext: flows   \n"
        "threat(F) :- flow(F, _, _).\n"
        "\n"
        "/// doc: A flow.\n"
        ".decl flow(f: symbol, s: symbol, d: symbol)\n"
    )
    module = parse(text)
    meta = module.rules[0].metadata
    assert meta is not None
    assert [(e.key, e.value) for e in meta.entries] == [("id", "TM-NET-001"), ("title", "Cleartext: flows")]
    assert meta.get("title") == "Cleartext: flows" and meta.get("missing") is None
    assert meta.entries[0].span == SourceSpan("t.dl", 1, 5, 1, 7)
    assert meta.entries[1].span == SourceSpan("t.dl", 2, 7, 2, 12)
    assert meta.span.line == 1 and meta.span.end_line == 2
    doc = module.decls[0].doc
    assert doc is not None and doc.get("doc") == "A flow."
    assert module.dangling_docs == ()


def test_metadata_keys_with_dash_underscore_digits_and_indented_lines() -> None:
    module = parse("  /// security-severity: 7.5\n\t/// x_2: y\np(X) :- q(X).")
    meta = module.rules[0].metadata
    assert meta is not None and [e.key for e in meta.entries] == ["security-severity", "x_2"]
    assert meta.entries[0].span.col == 7


def test_block_separated_by_blank_line_or_comment_still_attaches() -> None:
    module = parse("/// id: A\n\n// comment\np(X) :- q(X).")
    assert module.rules[0].metadata is not None
    assert module.dangling_docs == ()


def test_dangling_docs() -> None:
    text = (
        "/// a: first block\n"        # followed by another block -> dangling
        "\n"
        "/// b: second block\n"
        "p(X) :- q(X).\n"
        "/// c: before a fact\n"      # facts take no docs -> dangling
        'q("x").\n'
        "/// d: at the end\n"         # nothing follows -> dangling
        "\n"
    )
    module = parse(text)
    assert [m.entries[0].key for m in module.dangling_docs] == ["a", "c", "d"]
    assert module.rules[0].metadata is not None and module.rules[0].metadata.get("b") == "second block"
    assert module.dangling_docs[0].span.line == 1


def test_triple_slash_after_code_or_inside_block_comment_is_a_plain_comment() -> None:
    module = parse('p("a"). /// not: metadata\n/*\n/// also: not\n*/\n//// separator\nq(X) :- p(X).')
    assert module.rules[0].metadata is None
    assert module.dangling_docs == ()


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("/// no colon here", '"/// key: value"'),
        ("/// Title: x", 'lower case: "title:"'),
        ("///", "empty"),
        ("/// 9lives: x", "lower-case words"),
    ],
)
def test_malformed_metadata_line(line: str, hint: str) -> None:
    err = one_error(f"{line}\np(X) :- q(X).")
    assert (err.span.line, err.span.col) == (1, 1)
    assert '"/// key: value"' in err.message
    assert err.hint is not None and hint in err.hint


def test_doc_line_inside_a_rule_is_an_error() -> None:
    err = one_error("p(X) :- q(X),\n  /// id: x\n  r(X).")
    assert (err.span.line, err.span.col) == (2, 3)
    assert "found a \"///\" metadata line" in err.message
    assert err.hint is not None and "before a rule" in err.hint


# --------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("text", "line", "col", "message", "hint"),
    [
        ("p(X) :- q(X)\nr(X) :- flow(X).", 2, 1, 'expected "," or "." after a body literal, found "r"',
         'the final "." at the end of line 1'),
        ("p(X) :- q(X)\n/// id: x\nr(X) :- q(X).", 2, 1, 'found a "///" metadata line', 'end of line 1'),
        ('p("a").\np(X) :- q(X), r(X, "a"), X != "b"\n  s(X).', 3, 3, 'expected "," or "." after a body literal',
         'did you forget a "," or the final "." at the end of line 2?'),
        ("p(X) :- q(X)", 1, 13, "found the end of the file", 'end the rule or fact with "."'),
        ("p(X) <= q(X).", 1, 6, 'found "<="', 'write ":-" between the head and the body, not "<="'),
        ("p(X) <- q(X).", 1, 6, 'found "<"', 'not "<-"'),
        ("p(X) : q(X).", 1, 6, 'found ":"', '":-" (no space)'),
        ('p(X) :- q(X, "abc).', 1, 14, "unterminated string", 'close the string'),
        ("p(X) :- Q(X).", 1, 10, 'found "("', 'predicate names start with a lower-case letter ("q")'),
        ("Flow(X) :- p(X).", 1, 1, 'found "Flow"', 'lower-case letter ("flow")'),
        ("p(X) :- !Q(X).", 1, 10, 'expected a predicate name after "!"', "lower-case"),
        ("p(x).", 1, 3, 'found "x"', 'write X for a variable, or "x"'),
        ("p('a').", 1, 3, "unexpected character \"'\"", "double quotes"),
        ("p(X) :- not q(X).", 1, 13, 'expected "(" after "not"', 'negation is written "!q(...)"'),
        ("p(X) :- q(X) r(X).", 1, 14, 'found "r"', 'separate body literals with ","'),
        ("p(X) :- q(X), .", 1, 15, "expected a body literal", 'remove the "," before "."'),
        ("p(X) :- q(X,).", 1, 13, "expected a term", 'remove the "," before ")"'),
        ("p(X) :- q(X); r(X).", 1, 13, 'unexpected character ";"', "one rule per alternative"),
        ("p(X) :- q(X), X = Y + 1.", 1, 21, 'unexpected character "+"', "arithmetic is not supported"),
        ("p(X) :- q(_x).", 1, 11, 'unexpected character "_"', '"_" alone is the anonymous variable'),
        (".decl p(a: symbol).", 1, 19, 'found "."', 'a ".decl" ends at ")"'),
        (".decl p(a, b)", 1, 10, 'expected ":" after "a"', '"name: symbol"'),
        (".input flow", 1, 1, 'found "."', '".decl" is the only directive'),
        ("/* never closed", 1, 1, 'unterminated "/*" comment', 'close the comment with "*/"'),
        ("p", 1, 2, 'expected "(" after "p", found the end of the file', None),
    ],
)
def test_syntax_errors(text: str, line: int, col: int, message: str, hint: str | None) -> None:
    err = one_error(text)
    assert (err.span.path, err.span.line, err.span.col) == ("t.dl", line, col), err.headline()
    assert message in err.message, err.headline()
    if hint is None:
        assert err.hint is None
    else:
        assert err.hint is not None and hint in err.hint, err.headline()


def test_syntax_error_messages_use_plain_words_not_terminal_names() -> None:
    for text in ["p(X) :- q(X)\nflow(X).", "p(", ".decl p(a:", "p(X) :-", "p(X) :- q(X) X"]:
        err = one_error(text)
        for name in ("PRED", "VAR", "COMMA", "RPAR", "LPAR", "$END", "CMP_OP", "STRING", "ANON"):
            assert name not in err.message, err.message


def test_unknown_type_and_bad_escapes_are_all_reported() -> None:
    errors = syntax_errors('.decl p(a: string, b: numbr)\nq("a\\q", "\\x").\n/// bad line\nr(X) :- q(X, X).')
    got = sorted((e.span.line, e.span.col, e.message) for e in errors)
    assert got == [
        (1, 12, 'unknown type "string" for argument "a" of "p"'),
        (1, 23, 'unknown type "numbr" for argument "b" of "p"'),
        (2, 5, 'unknown escape "\\q" in a string'),
        (2, 11, 'unknown escape "\\x" in a string'),
        (3, 1, 'a "///" line must read "/// key: value"'),
    ]
    numbr = next(e for e in errors if "numbr" in e.message)
    assert numbr.hint == 'did you mean "number"?'


# --------------------------------------------------------------------------- safety


def test_python_in_a_rule_is_a_syntax_error_and_nothing_is_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    _parser()  # build the parser first: only parsing itself must stay away from eval/exec

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser must never evaluate rule text")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "__import__", forbidden)
    with pytest.raises(RuleError) as info:
        parse('p(X) :- q(X), __import__("os").')
    assert info.value.diagnostics[0].code == "syntax"
    with pytest.raises(RuleError):
        parse("+ p(__import__('os').getpid())")
    module = parse('p("__import__(\'os\').system(\'x\')").')
    assert module.facts[0].atom.args[0] == Const("__import__('os').system('x')", module.facts[0].atom.args[0].span)


# --------------------------------------------------------------------------- real files and the parser


def test_the_shipped_schema_parses_with_a_doc_on_every_declaration() -> None:
    module = parse_module(schema_file().read_text(encoding="utf-8"), "schema.dl")
    assert {"flow", "element", "in_boundary", "multiplier"} <= {d.predicate for d in module.decls}
    assert all(d.doc is not None and d.doc.get("doc") for d in module.decls)
    assert module.dangling_docs == ()


def test_parser_is_built_once() -> None:
    assert _parser() is _parser()


def test_crlf_line_endings() -> None:
    module = parse("/// id: A\r\np(X) :-\r\n  q(X).\r\n")
    rule = module.rules[0]
    assert rule.metadata is not None and rule.metadata.get("id") == "A"
    assert rule.body[0].span == SourceSpan("t.dl", 3, 3, 3, 4)  # type: ignore[union-attr]


def test_garbage_never_escapes_as_a_traceback() -> None:
    """Random token soup and mutated rules: the parser answers with RuleError or a Module."""
    import random

    pieces = ["p", "X", "_", "(", ")", ",", ".", ":-", "!", "!=", "<=", '"a"', '"', "-3", " ", "\n",
              "///", " id: x", "//", "/*", "*/", ".decl", ":", "symbol", "\\", "'", "\r", "é"]
    valid = '/// id: A\nthreat(F) :- flow(F, _, D), !trusted(D), D != "x\\"y". // end\n.decl t(a: symbol)\n'
    rnd = random.Random(7)
    for i in range(1500):
        if i % 2:
            text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 20)))
        else:
            pos = rnd.randrange(len(valid))
            text = valid[:pos] + rnd.choice(pieces + [""]) + valid[pos + rnd.randint(0, 3):]
        try:
            parse(text)
        except RuleError as exc:
            assert exc.diagnostics and all(d.code == "syntax" and d.span.line >= 1 for d in exc.diagnostics)
