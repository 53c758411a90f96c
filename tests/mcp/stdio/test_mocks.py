from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockingbird.errors import MocksFileError
from mockingbird.mcp.stdio.mocks import load_mocks_file, parse_document, parse_mocks
from mockingbird.mcp.stdio.settings import load_config_file, parse_config

SCHEMA = "https://raw.githubusercontent.com/dotnet/dev-proxy/main/schemas/v2.1.0/mockstdioresponseplugin.schema.json"


def _no_files(path: str) -> str:
    raise FileNotFoundError(path)


def test_dev_proxy_document_is_read_as_is_with_schema_ignored() -> None:
    document = {
        "$schema": SCHEMA,
        "mocks": [
            {
                "request": {"bodyFragment": "tools/call", "nth": 2},
                "response": {"stdout": '{"jsonrpc":"2.0","id":@stdin.body.id,"result":{}}\n'},
            },
            {
                "request": {"bodyFragment": "invalid_method"},
                "response": {"stderr": "Error: Unknown method\n"},
            },
        ],
    }
    mocks = parse_mocks(document, path="stdio-mocks.json", read_file=_no_files)
    assert mocks.warnings == ()
    first, second = mocks.mocks
    assert (first.index, first.request.body_fragment, first.request.nth) == (0, "tools/call", 2)
    assert first.response.stdout is not None and first.response.stdout.value.startswith('{"jsonrpc"')
    assert second.response.stdout is None
    assert second.response.stderr is not None and second.response.stderr.value == "Error: Unknown method\n"


def test_our_additions_method_params_and_body_regex_are_parsed() -> None:
    document = {
        "mocks": [
            {
                "request": {"method": "tools/call", "params": {"name": "add"}, "bodyRegex": "a+dd"},
                "response": {"stdout": {"jsonrpc": "2.0", "id": "@stdin.body.id", "result": {}}},
            }
        ]
    }
    (mock,) = parse_mocks(document, path="m.json", read_file=_no_files).mocks
    assert mock.request.method == "tools/call"
    assert mock.request.params == {"name": "add"}
    assert mock.request.body_regex is not None and mock.request.body_regex.search("AADD")
    assert not mock.request.is_startup


def test_file_response_is_read_relative_to_the_mocks_file(tmp_path: Path) -> None:
    (tmp_path / "init.json").write_text('{"jsonrpc":"2.0","id":1,"result":{}}')
    mocks_path = tmp_path / "stdio-mocks.json"
    mocks_path.write_text(
        json.dumps(
            {"mocks": [{"request": {"bodyFragment": "initialize"}, "response": {"stdout": "@init.json"}}]}
        )
    )
    mocks = load_mocks_file(str(mocks_path))
    stdout = mocks.mocks[0].response.stdout
    assert stdout is not None and stdout.value == '{"jsonrpc":"2.0","id":1,"result":{}}'
    assert stdout.source == str(tmp_path / "init.json")
    assert mocks.dependencies == (str(tmp_path / "init.json"),)


def test_missing_file_response_is_a_clear_error_naming_both_files(tmp_path: Path) -> None:
    mocks_path = tmp_path / "stdio-mocks.json"
    mocks_path.write_text(
        json.dumps({"mocks": [{"request": {"bodyFragment": "x"}, "response": {"stdout": "@nope.json"}}]})
    )
    with pytest.raises(MocksFileError) as info:
        load_mocks_file(str(mocks_path))
    assert info.value.path == str(mocks_path)
    assert 'mocks[0].response.stdout: response file "nope.json" not found' in str(info.value)


def test_a_stdin_placeholder_as_the_whole_response_is_not_a_file() -> None:
    document = {"mocks": [{"request": {"bodyFragment": "x"}, "response": {"stderr": "@stdin.body.method"}}]}
    (mock,) = parse_mocks(document, path="m.json", read_file=_no_files).mocks
    assert mock.response.stderr is not None and mock.response.stderr.value == "@stdin.body.method"


def test_invalid_json_names_the_file_line_and_column() -> None:
    with pytest.raises(MocksFileError) as info:
        parse_document('{\n  "mocks": [\n    {"request": }\n  ]\n}', path="stdio-mocks.json")
    message = str(info.value)
    assert message.startswith("stdio-mocks.json: not valid JSON")
    assert "line 3 column" in message


def test_yaml_mocks_files_are_accepted() -> None:
    document = parse_document(
        "mocks:\n  - request: {bodyFragment: ping}\n    response: {stdout: pong}\n", path="m.yaml"
    )
    (mock,) = parse_mocks(document, path="m.yaml", read_file=_no_files).mocks
    assert mock.request.body_fragment == "ping"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], 'expected an object with a "mocks" array, got an array'),
        ({}, 'missing the "mocks" array'),
        ({"mocks": {}}, '"mocks" must be an array, got an object'),
        ({"mocks": [1]}, "mocks[0]: expected an object, got a number"),
        ({"mocks": [{"request": {"nth": 0}}]}, "mocks[0].request.nth: expected a positive integer, got 0"),
        (
            {"mocks": [{"request": {"nth": True}}]},
            "mocks[0].request.nth: expected a positive integer, got true",
        ),
        (
            {"mocks": [{"request": {"bodyRegex": "("}}]},
            "mocks[0].request.bodyRegex: not a valid regular expression",
        ),
        ({"mocks": [{"request": {"bodyFragment": 3}}]}, "mocks[0].request.bodyFragment: expected a string"),
        ({"mocks": [{"request": {"params": "x"}}]}, "mocks[0].request.params: expected an object or array"),
        (
            {"mocks": [{"response": {"stdout": 5}}]},
            "mocks[0].response.stdout: expected a string, object or array",
        ),
    ],
)
def test_malformed_documents_get_one_clear_error(document: object, problem: str) -> None:
    with pytest.raises(MocksFileError) as info:
        parse_mocks(document, path="bad.json", read_file=_no_files)
    assert str(info.value).startswith(f"bad.json: {problem}")


def test_unknown_keys_are_warned_about_not_fatal() -> None:
    document = {"mocks": [{"request": {"bodyFragmnet": "x"}, "response": {"stdot": "y"}}], "extra": 1}
    mocks = parse_mocks(document, path="m.json", read_file=_no_files)
    assert len(mocks.warnings) == 3
    assert any('unknown key "bodyFragmnet"' in w for w in mocks.warnings)
    assert mocks.mocks[0].request.is_startup


def test_mocks_with_equal_conditions_share_a_counter_key() -> None:
    document = {
        "mocks": [
            {"request": {"bodyFragment": "Tools/Call", "nth": 1}},
            {"request": {"bodyFragment": "tools/call", "nth": 2}},
            {"request": {"bodyFragment": "tools/list"}},
        ]
    }
    a, b, c = parse_mocks(document, path="m.json", read_file=_no_files).mocks
    assert a.request.key == b.request.key != c.request.key


def test_config_section_on_its_own(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps({"$schema": SCHEMA, "mocksFile": "mocks/m.json", "blockUnmockedRequests": True})
    )
    config = load_config_file(str(path))
    assert config.mocks_file == str(tmp_path / "mocks" / "m.json")
    assert config.block_unmocked is True


def test_a_whole_devproxyrc_is_understood_through_its_plugin_entry() -> None:
    document = {
        "plugins": [
            {
                "name": "MockStdioResponsePlugin",
                "enabled": True,
                "pluginPath": "~appFolder/plugins/DevProxy.Plugins.dll",
                "configSection": "stdioMocks",
            }
        ],
        "stdioMocks": {"mocksFile": "stdio-mocks.json"},
    }
    config = parse_config(document, path="/work/devproxyrc.json")
    assert config.mocks_file == "/work/stdio-mocks.json"
    assert config.block_unmocked is False


def test_bad_config_values_are_clear_errors() -> None:
    with pytest.raises(MocksFileError, match="blockUnmockedRequests: expected true or false"):
        parse_config({"blockUnmockedRequests": "yes"}, path="c.json")
    with pytest.raises(MocksFileError, match="config file not found"):
        load_config_file("/nonexistent/config.json")


def test_comments_and_trailing_commas_are_accepted_as_dev_proxy_does() -> None:
    text = """{
      // Dev Proxy skips comments and allows trailing commas
      "mocks": [
        {
          "request": {"bodyFragment": "a // not a comment, /* nor this */ ,}"}, /* block */
          "response": {"stdout": "x",},
        },
      ],
    }"""
    (mock,) = parse_mocks(parse_document(text, path="m.json"), path="m.json", read_file=_no_files).mocks
    assert mock.request.body_fragment == "a // not a comment, /* nor this */ ,}"


def test_errors_after_a_comment_keep_their_line_and_column() -> None:
    with pytest.raises(MocksFileError, match="at line 3 column 15"):
        parse_document('{\n  /* one */ "mocks": [\n  /* two */  ]]\n}', path="m.json")


def test_property_names_are_case_insensitive_as_in_dev_proxy() -> None:
    document = {"Mocks": [{"Request": {"BodyFragment": "x", "NTH": 2}, "Response": {"StdOut": "y"}}]}
    mocks = parse_mocks(document, path="m.json", read_file=_no_files)
    (mock,) = mocks.mocks
    assert mocks.warnings == ()
    assert (mock.request.body_fragment, mock.request.nth) == ("x", 2)
    assert mock.response.stdout is not None and mock.response.stdout.value == "y"
    config = parse_config({"MocksFile": "m.json", "BlockUnmockedRequests": True}, path="/c/config.json")
    assert (config.mocks_file, config.block_unmocked) == ("/c/m.json", True)
