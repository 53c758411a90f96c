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

from mockingbird.openapi.loading import load_spec
from mockingbird.openapi.model import Operation, Spec

__all__ = ["Operation", "Spec", "load_spec"]
