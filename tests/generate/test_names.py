"""Python names for operation ids and parameters: valid, readable, unique."""

from __future__ import annotations

import keyword

import pytest

from mockingbird.generate.names import NameAllocator, operation_label, python_name, snake_case


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("listPets", "list_pets"),
        ("getHTTPStatus", "get_http_status"),
        ("repos/get-content", "repos_get_content"),
        ("créerAnimal", "creer_animal"),
        ("Pets.List", "pets_list"),
        ("__init__", "init"),
        ("///", ""),
    ],
)
def test_snake_case_is_readable(text: str, expected: str) -> None:
    assert snake_case(text) == expected


def test_a_leading_digit_gets_a_prefix_and_nothing_gives_the_fallback() -> None:
    assert python_name("2fa.verify") == "op_2fa_verify"
    assert python_name("9", prefix="p") == "p_9"
    assert python_name("???", fallback="param") == "param"


def test_keywords_and_reserved_names_get_a_trailing_underscore() -> None:
    names = NameAllocator(reserved={"request", "runtime"})
    assert [names.allocate(t) for t in ["class", "match", "request", "runtime", "None"]] == [
        "class_",
        "match_",
        "request_",
        "runtime_",
        "none",
    ]


def test_collisions_are_numbered_in_order() -> None:
    names = NameAllocator()
    got = [names.allocate(t) for t in ["listPets", "list-pets", "list_pets", "list_pets_2", "class", "class"]]
    assert got == ["list_pets", "list_pets_2", "list_pets_3", "list_pets_2_2", "class_", "class_2"]


@pytest.mark.parametrize(
    "texts",
    [
        ["a", "A", "a!", "a?", "_a_"],
        ["if", "if", "if_", "for", "lambda", "def", "type", "case", "_"],
        ["1", "2", "1.0", "", " ", "---"],
        ["ünïcödé", "unicode", "日本語", "中文"],
    ],
)
def test_every_name_is_a_unique_valid_identifier(texts: list[str]) -> None:
    names = NameAllocator(reserved={"request"})
    got = [names.allocate(t) for t in texts]
    assert len(set(got)) == len(got)
    for name in got:
        assert name.isidentifier() and not keyword.iskeyword(name) and not keyword.issoftkeyword(name), name
        assert name.isascii()


def test_an_operation_without_id_is_named_after_its_method_and_path() -> None:
    assert python_name(operation_label(None, "GET", "/pets/{petId}")) == "get_pets_pet_id"
    assert operation_label("listPets", "GET", "/pets") == "listPets"
