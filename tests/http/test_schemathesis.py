"""Schemathesis, an independent client, against the served mock: no 5xx, conformant answers.

For a handful of corpus specs the mock runs on a real socket (validation and auth
on, as ``mockingbird serve`` defaults) and schemathesis generates valid requests
for a seeded sample of operations, carrying dummy credentials for the operation's
first security requirement. Every answer must pass ``not_a_server_error``,
``status_code_conformance``, ``content_type_conformance`` and
``response_schema_conformance``.
"""

from __future__ import annotations

import base64
import random
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi import checks as openapi_checks
from tests.corpus import CORPUS

from mockingbird.http.app import MockApp
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi import load_spec
from mockingbird.openapi.model import Operation, Spec

ROOT = Path(__file__).resolve().parents[2]


SPECS = [
    ROOT / "examples" / "petstore.yaml",
    CORPUS / "readme-examples__discriminators.yaml",
    CORPUS / "apache__airflow.json",
    CORPUS / "vercel__api.json",
    CORPUS / "readme-examples__petstore-v2.yaml",
    CORPUS / "readme-examples__security.json",
    # A seeded slice of the APIs.guru directory (directory/README.md); bench_directory.py runs 200.
    *sorted((Path(__file__).parent / "directory").glob("*.json")),
]
# Problem types of the mock's validation (openapi/checks/validation.py): never for a valid request.
REFUSALS = ("invalid-request", "invalid-body", "unsupported-media-type")
OPS_PER_SPEC = 12
EXAMPLES = 2
CHECKS = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


def _credentials(spec: Spec, op: Operation) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    cookies: dict[str, str] = {}
    if not op.security:
        return headers, query, cookies
    for name in op.security[0]:
        scheme = spec.security_schemes.get(name)
        if scheme is None:
            continue
        if scheme.type == "apiKey" and scheme.param_name:
            target = {"header": headers, "query": query, "cookie": cookies}[scheme.location or "header"]
            target[scheme.param_name] = "test-key"
        elif scheme.type == "http" and (scheme.scheme or "").lower() == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(b"test:test").decode()
        elif scheme.type == "http" and (scheme.scheme or "").lower() not in ("bearer", ""):
            headers["Authorization"] = f"{scheme.scheme} dGVzdA=="
        else:
            headers.setdefault("Authorization", "Bearer test-token")
    return headers, query, cookies


def _no_empty_params(case: Any) -> bool:
    # As conformance.py: `?x=` reads as absent to most servers; not what this test measures.
    for container in (case.path_parameters, case.query, case.headers):
        for value in (container or {}).values():
            if value == "" or value == []:
                return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("source", SPECS, ids=lambda p: p.stem)
def test_schemathesis_finds_no_server_errors_and_no_nonconformance(source: Path) -> None:
    if not source.exists():
        raise FileNotFoundError(f"missing spec {source}")
    spec = load_spec(str(source))
    by_key = {(op.method, op.path): op for op in spec.iter_operations()}
    schema = schemathesis.openapi.from_path(str(source))
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda o: (o.path, o.method))
    operations = random.Random(1).sample(operations, min(OPS_PER_SPEC, len(operations)))
    failures: list[str] = []
    with ThreadedServer(MockApp(spec, seed=1)) as url:
        base_url = url + spec.base_path
        for operation in operations:
            op = by_key[(operation.method.upper(), operation.path)]
            headers, query, cookies = _credentials(spec, op)

            @hypothesis_seed(1)
            @settings(
                max_examples=EXAMPLES,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(operation.as_strategy().filter(_no_empty_params))
            def run(case: Any) -> None:
                response = case.call(
                    base_url=base_url,
                    headers=headers or None,  # noqa: B023 (run() is called inside this iteration)
                    params=query or None,  # noqa: B023
                    cookies=cookies or None,  # noqa: B023
                    timeout=30,
                )
                if any(f"urn:mockingbird:problem:{kind}".encode() in response.content for kind in REFUSALS):
                    # schemathesis's positive cases are valid: the mock's validation must let them through
                    failures.append(f"{case.method} {case.formatted_path} refused: {response.text[:300]}")
                    return
                try:
                    case.validate_response(response, checks=CHECKS)
                except FailureGroup as group:
                    first = group.exceptions[0]
                    if "Missing Content-Type" in str(getattr(first, "title", "")) and not response.content:
                        return  # an empty body without Content-Type is right (conformance.py agrees)
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}: "
                        f"{getattr(first, 'title', '')}: {str(getattr(first, 'message', ''))[:300]}"
                    )

            run()
    assert not failures, "\n".join(failures[:10])
