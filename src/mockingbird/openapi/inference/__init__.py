"""OpenAPI documents inferred from traffic: recorded exchanges, HAR archives, Postman collections. PURE.

Everything here ends as an OpenAPI 3.1 *document* (a dict), which ``openapi.loading`` reads
like any spec, so the model, the engine and everything on it never see where it came from.

- ``exchanges``: ``Exchange``, one observed request and its response.
- ``paths``: path templates from observed paths (ids, uuids, slugs).
- ``schemas``: JSON Schemas (with formats) from observed JSON values.
- ``document``: ``infer_document``: exchanges -> document + where each went (``Placement``).
- ``har``, ``postman``: the two file formats -> exchanges.
- ``formats``: ``detect_format`` by content, ``import_document``, ``describe`` for the refusal.
- ``replay``: ``replay_scenario``: a scenario answering each recorded request as it was answered.
"""

from __future__ import annotations

from mockingbird.openapi.inference.document import Inference, Placement, infer_document
from mockingbird.openapi.inference.exchanges import Exchange
from mockingbird.openapi.inference.formats import describe, detect_format, import_document
from mockingbird.openapi.inference.postman import environment_variables
from mockingbird.openapi.inference.replay import replay_scenario

__all__ = [
    "Exchange",
    "Inference",
    "Placement",
    "describe",
    "detect_format",
    "environment_variables",
    "import_document",
    "infer_document",
    "replay_scenario",
]
