"""Budgeted JSON/YAML parsing: hostile documents are refused fast, ordinary ones parse as before."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mockingbird.documents import Budgets, check_depth, parse_document, parse_json, parse_yaml, read_file
from mockingbird.errors import DocumentError
from tests.hostile.generate import alias_bomb, deep_json, deep_yaml

SMALL = Budgets(max_bytes=16384, max_depth=10, max_alias_nodes=1000)


def test_the_600_byte_alias_bomb_is_refused_within_a_second() -> None:
    text = alias_bomb(levels=9, width=9)
    assert len(text) < 700
    started = time.monotonic()
    with pytest.raises(DocumentError) as info:
        parse_yaml(text, "bomb.yaml")
    assert time.monotonic() - started < 10  # refused, not hung: a bound far from any hang, not a speed target
    assert info.value.limit == "max_alias_nodes"
    assert str(info.value).startswith("bomb.yaml:") and "100,000 nodes" in str(info.value)


@pytest.mark.parametrize(
    "template",
    [
        "a: &a [1, 2]\nb: [{b}]\n",  # block mapping, flow sequence
        "a: !!seq &a [1, 2]\nb: [{b}]\n",  # a tag before the anchor
        '{{"a":&a [1, 2], "b": [{b}]}}\n',  # JSON-like flow mapping, no space after ':'
        "- &a\n  - 1\n  - 2\n- [{b}]\n",  # anchor alone on its line, block sequence
        "? &a k\n: x\nb: [{b}]\n",  # explicit key
    ],
)
def test_aliases_are_counted_whatever_the_anchor_syntax(template: str) -> None:
    text = template.format(b=", ".join(["*a"] * 1200))  # 1,200 aliases of one node or more
    with pytest.raises(DocumentError, match="aliases expand to more than the limit of 1,000"):
        parse_yaml(text, "x.yaml", SMALL)
    small = template.format(b="*a, *a")
    assert parse_yaml(small, "x.yaml", SMALL)


def test_aliases_are_counted_on_the_pyyaml_fallback_too() -> None:
    # An integer beyond 128 bits sends the document to PyYAML, which shares aliased nodes.
    text = "big: 340282366920938463463374607431768211457\n" + alias_bomb(levels=9, width=9)
    with pytest.raises(DocumentError, match="aliases expand"):
        parse_yaml(text, "x.yaml")


def test_a_collection_as_a_mapping_key_is_one_clear_error() -> None:
    with pytest.raises(DocumentError, match="invalid YAML: found unhashable key"):
        parse_yaml("? [1, 2]\n: x\n", "x.yaml")


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(DocumentError, match=r"the YAML alias \*a refers to a node that contains it"):
        parse_yaml("a: &a [1, *a]\n", "x.yaml")


def test_anchors_within_budget_expand_as_usual() -> None:
    assert parse_yaml("base: &b {type: string}\nuse: [*b, *b]\n", "x.yaml") == {
        "base": {"type": "string"},
        "use": [{"type": "string"}, {"type": "string"}],
    }


def test_ampersands_in_text_are_no_anchors() -> None:
    text = "code: |\n  opt := &godo.ListOptions{Page: 1}\nnote: Tom &mdash; Jerry &amp; co\n"
    assert parse_yaml(text, "x.yaml", SMALL)["note"] == "Tom &mdash; Jerry &amp; co"


@pytest.mark.parametrize(
    "parse",
    [
        lambda depth: parse_json(deep_json(depth), "x.json", SMALL),
        lambda depth: parse_yaml(deep_yaml(depth, flow=True), "x.yaml", SMALL),
        lambda depth: parse_yaml(deep_yaml(depth, flow=False), "x.yaml", SMALL),
    ],
)
def test_nesting_past_the_depth_budget_is_refused(parse: object) -> None:
    assert parse(10)  # type: ignore[operator]
    with pytest.raises(DocumentError, match="nested deeper than the limit of 10 levels") as info:
        parse(11)  # type: ignore[operator]
    assert info.value.limit == "max_depth"


@pytest.mark.parametrize("depth", [129, 1100, 100_000])
def test_very_deep_documents_are_refused_fast_by_the_default_budget(depth: int) -> None:
    started = time.monotonic()
    for data, name in (
        (deep_json(depth).encode(), "x.json"),
        (deep_yaml(depth, flow=True).encode(), "x.yaml"),
    ):
        with pytest.raises(DocumentError, match="nested deeper than the limit of 128 levels"):
            parse_document(data, name)
    assert time.monotonic() - started < 10  # refused, not hung: a bound far from any hang, not a speed target


def test_aliases_cannot_build_depth_past_the_budget() -> None:
    text = "a: &a " + "[" * 6 + "]" * 6 + "\nb: " + "[" * 6 + "*a" + "]" * 6 + "\n"
    with pytest.raises(DocumentError, match="nested deeper"):
        parse_yaml(text, "x.yaml", SMALL)


def test_a_document_over_the_size_budget_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"[" + b"1," * 9000 + b"1]")
    with pytest.raises(DocumentError, match=r"big.json: larger than the 16 KiB size limit"):
        read_file(str(path), SMALL)
    with pytest.raises(DocumentError, match="size limit"):
        parse_document(path.read_bytes(), str(path), SMALL)


def test_a_device_is_read_no_further_than_the_budget() -> None:
    started = time.monotonic()
    with pytest.raises(DocumentError, match="size limit"):
        read_file("/dev/zero", SMALL)
    assert time.monotonic() - started < 10  # refused, not hung: a bound far from any hang, not a speed target


def test_syntax_errors_keep_their_line_and_column() -> None:
    with pytest.raises(DocumentError) as json_error:
        parse_json(b'{\n  "a": 1,\n  "b": }\n', "x.json")
    assert (json_error.value.line, json_error.value.column) == (3, 8) and json_error.value.limit == ""
    assert str(json_error.value).startswith("x.json:3: invalid JSON: ")
    with pytest.raises(DocumentError) as yaml_error:
        parse_yaml("a: 1\nb: [\n", "x.yaml")
    assert yaml_error.value.line == 3 and "invalid YAML" in yaml_error.value.problem


def test_yaml_stays_json_like_timestamps_strings_big_integers_exact() -> None:
    document = parse_yaml("d: 2024-01-01\nbig: 18446744073709551616000\n", "x.yaml")
    assert document == {"d": "2024-01-01", "big": 18446744073709551616000}


def test_the_parser_is_chosen_by_extension_then_content() -> None:
    assert parse_document(b'\xef\xbb\xbf{"a": 1}', "spec.txt") == {"a": 1}
    assert parse_document(b"{a: 1}", "spec.txt") == {"a": 1}  # flow YAML, not JSON
    assert parse_document(b"a: 1", "http://127.0.0.1/spec.yaml?x=1") == {"a": 1}
    with pytest.raises(DocumentError, match="invalid JSON"):
        parse_document(b"a: 1", "spec.json")
    with pytest.raises(DocumentError, match="not UTF-8"):
        parse_document(b"a: \xff\xfe", "spec.yaml")


def test_check_depth_walks_without_recursion() -> None:
    nested: list[object] = []
    node = nested
    for _ in range(5000):
        child: list[object] = []
        node.append(child)
        node = child
    with pytest.raises(DocumentError, match="deeper than the limit of 128"):
        check_depth(nested, "built")
