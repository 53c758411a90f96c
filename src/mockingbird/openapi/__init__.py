"""OpenAPI / Swagger support, split by role.

* ``model``        the one spec model (``Spec``, ``Operation`` ...), re-exported here
* ``loading/``     read a document (file or URL) into the model: bundling, normalising
* ``jsonschema/``  the schema dialect: conversion and compiled validators
* ``matching/``    route a request to an operation; media types; content negotiation
* ``checks/``      validate a request against its operation; security requirements
* ``generation/``  examples and data generated from schemas

Example:
    >>> from mockingbird.openapi import load_spec
    >>> spec = load_spec("examples/petstore.yaml")
"""

from typing import TYPE_CHECKING, Any

from mockingbird.openapi.model import Operation, Spec

if TYPE_CHECKING:
    from mockingbird.openapi.loading import load_spec

__all__ = ["Operation", "Spec", "load_spec"]


def __getattr__(name: str) -> Any:
    # The loader (and the fetching stack under it) is imported on first use: importing a subpackage, such as
    # the generator a GraphQL mock uses, must not pay for it.
    if name == "load_spec":
        from mockingbird.openapi.loading import load_spec

        return load_spec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
