"""Reading GraphQL schemas: SDL files (with ``extend type``), introspection results, tolerance, errors."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from graphql import build_schema, graphql_sync, introspection_from_schema
from mockingbird.errors import SpecError
from mockingbird.graphql.api import load_api
from mockingbird.graphql.loading import load_schema, looks_like_graphql

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(__file__).parent / "schemas"
SHOP = ROOT / "examples" / "shop.graphql"
GITHUB = ROOT / "tests" / "npm" / "node_modules" / "@octokit" / "graphql-schema" / "schema.graphql"


def test_several_sdl_files_are_one_schema_and_tolerated_problems_are_warned_once() -> None:
    schema, warnings = load_schema(str(SCHEMAS))
    assert set(schema.query_type.fields) == {"me", "accounts"}  # type: ignore[union-attr]
    assert set(schema.type_map["Account"].fields) == {"id", "login", "legacy", "email"}  # type: ignore[attr-defined]
    assert warnings == [
        "Account.login is defined twice with the same type: the second is ignored",
        "directive @deprecatedLater is used but not declared: ignored",
    ]


def test_an_introspection_result_loads_with_or_without_its_data_envelope(tmp_path: Path) -> None:
    result = introspection_from_schema(build_schema(SHOP.read_text()))
    for name, document in (("wrapped.json", {"data": result}), ("bare.json", result)):
        path = tmp_path / name
        path.write_text(json.dumps(document))
        assert looks_like_graphql(str(path))
        schema, warnings = load_schema(str(path))
        assert "SearchResult" in schema.type_map and warnings == []


def test_content_decides_between_graphql_and_openapi(tmp_path: Path) -> None:
    sdl = tmp_path / "schema.txt"
    sdl.write_text("# a comment\ntype Query { hello: String }\n")
    openapi = tmp_path / "api.yaml"
    openapi.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n")
    assert looks_like_graphql(str(sdl)) and not looks_like_graphql(str(openapi))
    spec = load_api(sdl)
    assert spec.graphql is not None and [op.key for op in spec.operations] == [
        "GET /graphql",
        "POST /graphql",
    ]
    assert load_api(openapi).graphql is None


def test_a_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    broken = tmp_path / "broken.graphql"
    broken.write_text("type Query {\n  user: User\n  name String\n}\n")
    with pytest.raises(SpecError) as caught:
        load_schema(str(broken))
    assert str(caught.value) == f"{broken}:3:8: Syntax Error: Expected ':', found Name 'String'."


def test_an_unknown_type_is_an_error_at_its_place(tmp_path: Path) -> None:
    broken = tmp_path / "types.graphql"
    broken.write_text("type Query {\n  user: Ghost\n}\n")
    with pytest.raises(SpecError, match=r"types.graphql:2:9: Unknown type 'Ghost'"):
        load_schema(str(broken))


def test_a_broken_interface_is_an_error_at_its_place_and_a_deprecation_mismatch_a_warning(
    tmp_path: Path,
) -> None:
    """Schemas are read without node places first (finding a place scans the whole text); a refused one is read
    again with them, so its error still names file, line and column."""
    broken = tmp_path / "iface.graphql"
    broken.write_text("interface Node {\n  id: ID!\n}\ntype User implements Node {\n  name: String\n}\n"
                      "type Query {\n  me: User\n}\n")  # fmt: skip
    with pytest.raises(SpecError) as caught:
        load_schema(str(broken))
    assert (
        str(caught.value) == f"{broken}:2:3: Interface field Node.id expected but User does not provide it."
    )
    tolerated = tmp_path / "deprecated.graphql"
    tolerated.write_text(broken.read_text().replace("name: String", 'id: ID! @deprecated(reason: "old")'))
    schema, warnings = load_schema(str(tolerated))
    assert warnings == [
        "Interface field Node.id is not deprecated, so implementation field User.id must not be deprecated."
    ]
    assert graphql_sync(schema, "{ me { id } }", root_value={"me": {"id": "1"}}).data == {"me": {"id": "1"}}


def test_a_list_field_defined_twice_is_told_apart_by_its_whole_type(tmp_path: Path) -> None:
    same = tmp_path / "same.graphql"
    same.write_text("type Query {\n  a: [ID!]!\n  a: [ID!]!\n}\n")
    assert load_schema(str(same))[1] == ["Query.a is defined twice with the same type: the second is ignored"]
    other = tmp_path / "other.graphql"
    other.write_text("type Query {\n  a: [ID!]!\n  a: [[ID]]\n}\n")
    with pytest.raises(
        SpecError, match=r"other.graphql:3:3: Query.a is defined twice: as \[ID!\]! and as \[\[ID\]\]"
    ):
        load_schema(str(other))


def test_a_field_defined_twice_with_different_types_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "twice.graphql"
    broken.write_text("type Query {\n  a: String\n  a: Int\n}\n")
    with pytest.raises(SpecError, match=r"twice.graphql:3:3: Query.a is defined twice: as String and as Int"):
        load_schema(str(broken))


def test_serve_refuses_a_broken_schema_in_one_line_with_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.graphql"
    broken.write_text("type Query {\n  user(: User\n}\n")
    result = subprocess.run(
        [sys.executable, "-m", "mockingbird", "serve", str(broken), "--port", "0", "--no-log"],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and f"{broken}:2:8: Syntax Error" in lines[0], lines


def test_graphql_faker_directives_need_no_declaration() -> None:
    schema, warnings = load_schema(str(ROOT / "examples" / "faker.graphql"))
    assert warnings == [] and {"fake", "examples", "listLength"} <= {d.name for d in schema.directives}


def test_githubs_schema_loads_with_its_quirks_warned_and_answers_then_comes_from_the_cache(
    tmp_path: Path,
) -> None:
    for _ in range(2):  # read, then from the cache
        schema, warnings = load_schema(str(GITHUB), cache_dir=tmp_path)
        assert "Repository" in schema.type_map
        assert any("defined twice with the same type" in w for w in warnings)
        assert any("deprecated" in w for w in warnings)
        assert len(warnings) == len(set(warnings))
        result = graphql_sync(
            schema, '{ __schema { queryType { name } } __type(name: "Repository") { name } }'
        )
        assert result.errors is None
        assert result.data == {"__schema": {"queryType": {"name": "Query"}}, "__type": {"name": "Repository"}}
    assert len(list(tmp_path.iterdir())) == 1


def test_a_deferred_cache_write_is_handed_over_and_keeps_the_schema_once_run(tmp_path: Path) -> None:
    from graphql import print_schema

    writes: list[Callable[[], None]] = []
    first, first_warnings = load_schema(str(SCHEMAS), cache_dir=tmp_path / "cache", defer_write=writes.append)
    assert len(writes) == 1 and not (tmp_path / "cache").exists()  # nothing written yet
    writes[0]()
    assert len(list((tmp_path / "cache").iterdir())) == 1
    again, again_warnings = load_schema(str(SCHEMAS), cache_dir=tmp_path / "cache", defer_write=writes.append)
    assert len(writes) == 1  # read from the cache: nothing more to write
    assert print_schema(again) == print_schema(first) and again_warnings == first_warnings
    load_schema(
        str(ROOT / "examples" / "faker.graphql"), cache_dir=tmp_path / "faker", defer_write=writes.append
    )
    assert len(writes) == 1  # a schema that is not cached hands over no write


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_a_schema_leaves_the_garbage_collector_as_it_found_it(enabled: bool, tmp_path: Path) -> None:
    """The collector is paused while a schema is read (even one refused), and only restarted if it ran before."""
    broken = tmp_path / "broken.graphql"
    broken.write_text("type Query {\n  name String\n}\n")
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        assert load_schema(str(SHOP))[0].query_type is not None
        assert gc.isenabled() is enabled
        with pytest.raises(SpecError):
            load_schema(str(broken), cache_dir=tmp_path / "cache")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_generate_refuses_a_graphql_schema_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockingbird", "generate", str(SHOP), "--out", str(tmp_path / "p")],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert (
        len(lines) == 1 and "a GraphQL schema: generate writes projects for OpenAPI documents" in lines[0]
    ), lines
    assert not (tmp_path / "p").exists()


def test_a_schema_read_before_comes_from_the_cache_with_its_warnings(tmp_path: Path) -> None:
    from graphql import print_schema

    first, first_warnings = load_schema(str(SCHEMAS), cache_dir=tmp_path / "cache")
    kept = list((tmp_path / "cache").iterdir())
    assert len(kept) == 1
    again, again_warnings = load_schema(str(SCHEMAS), cache_dir=tmp_path / "cache")
    assert print_schema(again) == print_schema(first) and again_warnings == first_warnings
    kept[0].write_text("{not json")  # a broken cache entry is read afresh, never an error
    assert print_schema(load_schema(str(SCHEMAS), cache_dir=tmp_path / "cache")[0]) == print_schema(first)
    load_schema(str(ROOT / "examples" / "faker.graphql"), cache_dir=tmp_path / "faker")
    assert not (tmp_path / "faker").exists()  # field directives do not survive an introspection result
