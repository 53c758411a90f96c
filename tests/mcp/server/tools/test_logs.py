"""``query_mock_logs``: MockLoop's filters reach the admin API; analysis and errors come back readable."""

from __future__ import annotations

import httpx
from mcp.server.mcpserver import MCPServer

from mockingbird.mcp.server.registry import MockEntry
from mockingbird.mcp.server.tools.logs import build_params, format_analysis
from tests.mcp.server.conftest import call_tool, text_of, tool_error, tool_ok


def test_filters_page_and_analysis(server: MCPServer, petstore: MockEntry) -> None:
    with httpx.Client(base_url=petstore.url) as http:
        for _ in range(3):
            http.get("/v2/pet/findByStatus", params={"status": "sold"})
        http.post("/v2/pet", json={"name": 5})  # invalid: a 4xx the analysis explains
        http.get("/nowhere")
    logs = tool_ok(server, "query_mock_logs", {"server_url": petstore.url, "method": "GET", "limit": 2,
                                               "path_pattern": "^/v2/pet/find"})  # fmt: skip
    assert logs["total"] == 3 and len(logs["items"]) == 2 and logs["limit"] == 2
    assert logs["analysis"]["total"] == 3 and logs["analysis"]["methods"] == {"GET": 3}
    everything = call_tool(server, "query_mock_logs", {"server_url": petstore.url})
    data = everything.structured_content or {}
    assert data["analysis"]["errors"]["client_errors"] >= 2
    assert any(i["category"] in ("validation", "routing") for i in data["analysis"]["insights"])
    assert "request" in text_of(everything) and "latency p50" in text_of(everything)
    bare = tool_ok(
        server,
        "query_mock_logs",
        {"server_url": petstore.url, "analyze": False, "time_from": "2000-01-01T00:00:00Z"},
    )
    assert bare["analysis"] is None and bare["total"] >= 5


def test_an_unreachable_mock_is_a_tool_error(server: MCPServer) -> None:
    message = tool_error(server, "query_mock_logs", {"server_url": "http://127.0.0.1:1"})
    assert "cannot reach the mock's admin API at http://127.0.0.1:1" in message


def test_a_bad_filter_is_a_tool_error_naming_it(server: MCPServer, petstore: MockEntry) -> None:
    message = tool_error(server, "query_mock_logs", {"server_url": petstore.url, "path_pattern": "(unclosed"})
    assert "400" in message and "path" in message
    assert "not on a loopback address" in tool_error(
        server, "query_mock_logs", {"server_url": "http://10.1.2.3:80"}
    )


def test_params_and_summary_are_built_from_the_filters() -> None:
    assert build_params(method="GET", include_admin=False, time_to=None) == {
        "method": "GET",
        "include_admin": "false",
    }
    lines = format_analysis({"total": 1, "latency": {"p50": 2, "p95": 3, "p99": 4}, "errors": {"error_rate": 0.5},
                             "insights": [{"severity": "warning", "message": "m", "recommendation": "r"}]})  # fmt: skip
    assert lines == [
        "1 request; error rate 50%; latency p50 2.0 ms, p95 3.0 ms, p99 4.0 ms.",
        "WARNING m -> r",
    ]
