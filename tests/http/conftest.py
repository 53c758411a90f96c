from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockingbird.http.app import MockApp
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi import load_spec
from mockingbird.openapi.model import Spec

PETS = Path(__file__).parent / "pets.yaml"


@pytest.fixture(scope="session")
def pets_spec() -> Spec:
    return load_spec(str(PETS))


@pytest.fixture(scope="session")
def pets_url(pets_spec: Spec) -> Iterator[str]:
    """The pets spec served by MockApp under uvicorn on a free port (defaults: validation and auth on)."""
    with ThreadedServer(MockApp(pets_spec, seed=1)) as url:
        yield url


@pytest.fixture()
def client(pets_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=pets_url, timeout=10) as http:
        yield http
