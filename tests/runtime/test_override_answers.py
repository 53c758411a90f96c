"""Override answers (``runtime/overrides.py``), over real HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx

from mockingbird import MockServer

XML_FIRST = """
swagger: '2.0'
info: {title: t, version: '1'}
produces: [application/xml, application/json]
paths:
  /pets:
    get:
      responses:
        '200':
          description: ok
          schema: {type: array, items: {type: string}}
"""


def test_an_override_body_is_json_when_the_operation_documents_json_after_xml(tmp_path: Path) -> None:
    """Swagger 2.0's petstore produces XML first: a default answer is JSON, and so is an override's body."""
    path = tmp_path / "xml-first.yaml"
    path.write_text(XML_FIRST)
    with MockServer(str(path)) as mock:
        assert httpx.get(f"{mock.url}/pets").headers["content-type"] == "application/json"
        mock.override("GET /pets", body=["Rex"])
        answer = httpx.get(f"{mock.url}/pets")
        assert (answer.headers["content-type"], answer.json()) == ("application/json", ["Rex"])
