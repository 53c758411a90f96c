"""OpenAPI / Swagger support: load a spec into the model (``load_spec``), and more.

Example:
    >>> from mockingbird.openapi import load_spec
    >>> spec = load_spec("examples/petstore.yaml")
"""

from mockingbird.openapi.loader import load_spec

__all__ = ["load_spec"]
