"""The published JSON Schema of control documents, applied before any other check. PURE.

``scenario.schema.json`` (beside this module) is the contract editors validate scenario files
with; the admin API documents its bodies with the same definitions. Checking every document
against it first means the code accepts exactly what the schema says, then adds what a
schema cannot say (the operation exists in the spec, a regex compiles, a status is documented).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
import orjson


@cache
def _schema() -> dict[str, Any]:
    text = (resources.files("mockingbird.control") / "scenario.schema.json").read_bytes()
    schema: dict[str, Any] = orjson.loads(text)
    return schema


@cache
def _validator(definition: str) -> Any:
    schema = _schema()
    root = schema if definition == "file" else {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    return jsonschema_rs.validator_for(root)


def schema_violations(definition: str, document: Any, at: str = "") -> list[tuple[str, str]]:
    """``(location, message)`` for each way ``document`` breaks a definition of the schema.

    Args:
        definition: ``override``, ``scenario``, ``chaos`` or ``file``.
        document: the parsed JSON/YAML.
        at: the document's own location, prefixed to each.
    """
    out: list[tuple[str, str]] = []
    for error in _validator(definition).iter_errors(document):
        path = "".join(f"/{str(part).replace('~', '~0').replace('/', '~1')}" for part in error.instance_path)
        out.append((f"{at}{path}", error.message))
    return out


def schema_definitions() -> dict[str, Any]:
    """The schema's definitions (``override``, ``scenario``, ``chaos``...), for the admin API document."""
    defs: dict[str, Any] = _schema()["$defs"]
    return defs
