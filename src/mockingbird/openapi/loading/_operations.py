"""Paths, operations, callbacks and webhooks -> model, for every dialect. PURE.

The version-specific parts (parameters, bodies, responses) come from ``_openapi3``
and ``_swagger2``; this module merges path-level and operation-level parameters,
reconciles path parameters with the template, applies effective security and
collects the tolerance warnings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mockingbird.openapi.loading import _openapi3, _swagger2
from mockingbird.openapi.loading._context import LoadContext
from mockingbird.openapi.loading._metadata import build_security
from mockingbird.openapi.loading._pointers import join
from mockingbird.openapi.model import (
    Callback,
    Operation,
    Parameter,
    RequestBody,
    Response,
    SecurityRequirement,
    SecurityScheme,
)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_METHOD_SET = frozenset(METHODS)
_TEMPLATE_PARAM = re.compile(r"\{([^{}]+)\}")


class OperationBuilder:
    """Builds ``Operation``s (and callbacks/webhooks) from one document.

    Args:
        ctx: the load context.
        schemes: the declared security schemes (requirements are checked against them).
    """

    def __init__(self, ctx: LoadContext, schemes: Mapping[str, SecurityScheme]) -> None:
        self.ctx = ctx
        self.schemes = schemes
        self.swagger2 = ctx.dialect == "2.0"
        self.global_security = build_security(ctx, ctx.document.get("security"), "/security", schemes)
        self._missing_responses: list[str] = []
        self._params: dict[str, Parameter | None] = {}

    def build_all(self) -> list[Operation]:
        """Every operation under ``paths``, in document order."""
        ctx = self.ctx
        paths = ctx.document.get("paths")
        if paths is None:
            return []
        if not isinstance(paths, dict):
            raise ctx.error("/paths", "paths must be an object")
        operations: list[Operation] = []
        for raw_path, raw_item in paths.items():
            path = str(raw_path)
            if path.startswith("x-"):
                continue
            pointer = join("/paths", path)
            if not path.startswith("/"):
                ctx.warn(
                    f"{ctx.source}#{pointer}: path {path!r} does not start with '/'; served as '/{path}'"
                )
                path = "/" + path
            item, item_target = ctx.deref(raw_item, pointer)
            if not isinstance(item, dict):
                raise ctx.error(pointer, "a path item must be an object")
            for method, node in item.items():
                if method not in _METHOD_SET or node is None:
                    continue
                op_pointer = f"{pointer}/{method}"
                # Not allowed by OpenAPI, but real multi-file specs (DigitalOcean) $ref whole operations.
                node, target = ctx.deref(node, f"{item_target}/{method}")
                if not isinstance(node, dict):
                    raise ctx.error(op_pointer, "an operation must be an object")
                operations.append(self._operation(path, method, item, node, item_target, op_pointer, target))
        self._finish(operations)
        return operations

    def _merged_parameters(
        self, item: dict[str, Any], operation: dict[str, Any], item_pointer: str, op_pointer: str
    ) -> list[tuple[dict[str, Any], str]]:
        merged: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        for holder, base in ((item, item_pointer), (operation, op_pointer)):
            raw = holder.get("parameters")
            if raw is None:
                continue
            if not isinstance(raw, list):
                raise self.ctx.error(f"{base}/parameters", "parameters must be a list")
            for index, value in enumerate(raw):
                at = f"{base}/parameters/{index}"
                node, target = self.ctx.deref(value, at)
                if not isinstance(node, dict):
                    raise self.ctx.error(at, "a parameter must be an object")
                merged[(str(node.get("name")), str(node.get("in")))] = (node, target)
        return list(merged.values())

    def _parts(
        self, item: dict[str, Any], node: dict[str, Any], item_pointer: str, op_pointer: str
    ) -> tuple[list[Parameter], RequestBody | None, dict[str, Response]]:
        ctx = self.ctx
        raw_params = self._merged_parameters(item, node, item_pointer, op_pointer)
        params: list[Parameter] = []
        build = _swagger2.build_parameter if self.swagger2 else _openapi3.build_parameter
        for param_node, at in raw_params:
            if self.swagger2 and param_node.get("in") in ("body", "formData"):
                continue
            # Keyed by the parameter's own pointer: path-level and `$ref`'d parameters are
            # shared by many operations (Kubernetes: ~6 per operation), build them once.
            param = (
                self._params[at]
                if at in self._params
                else self._params.setdefault(at, build(ctx, param_node, at))
            )
            if param is not None:
                params.append(param)
        if self.swagger2:
            body = _swagger2.build_body(ctx, raw_params, node)
            responses = _swagger2.build_responses(ctx, node, op_pointer)
        else:
            body = _openapi3.build_request_body(ctx, node.get("requestBody"), f"{op_pointer}/requestBody")
            responses = _openapi3.build_responses(ctx, node.get("responses"), f"{op_pointer}/responses")
        return params, body, responses

    def _operation(
        self,
        path: str,
        method: str,
        item: dict[str, Any],
        node: dict[str, Any],
        item_pointer: str,
        op_pointer: str,
        target: str,
    ) -> Operation:
        params, body, responses = self._parts(item, node, item_pointer, target)
        params = self._reconcile_path_params(path, params, op_pointer)
        if not responses:
            self._missing_responses.append(f"{method.upper()} {path}")
        security: tuple[SecurityRequirement, ...]
        if "security" in node:
            security = build_security(self.ctx, node["security"], f"{target}/security", self.schemes)
        else:
            security = self.global_security
        tags = node.get("tags")
        operation_id = node.get("operationId")
        return Operation(
            method=method.upper(),
            path=path,
            operation_id=str(operation_id) if operation_id is not None else None,
            summary=str(node.get("summary") or ""),
            description=str(node.get("description") or ""),
            tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
            parameters=tuple(params),
            request_body=body,
            responses=responses,
            security=security,
            callbacks=self._callbacks(node.get("callbacks"), f"{target}/callbacks"),
            deprecated=bool(node.get("deprecated", False)),
            pointer=op_pointer,
        )

    def _reconcile_path_params(self, path: str, params: list[Parameter], pointer: str) -> list[Parameter]:
        """Drop declared path params absent from the template; synthesise missing ones (warning)."""
        in_template = _TEMPLATE_PARAM.findall(path)
        declared = {p.name for p in params if p.location == "path"}
        kept = [p for p in params if p.location != "path" or p.name in in_template]
        if len(kept) != len(params):
            extra = sorted(declared - set(in_template))
            self.ctx.warn(
                f"{self.ctx.source}#{pointer}: path parameter(s) {', '.join(extra)} not in the "
                f"path template {path!r}; ignored"
            )
        for name in in_template:
            if name not in declared:
                self.ctx.warn(
                    f"{self.ctx.source}#{pointer}: path template parameter {{{name}}} is not "
                    "declared; treated as a required string"
                )
                kept.append(
                    Parameter(
                        name=name,
                        location="path",
                        required=True,
                        schema={"type": "string"},
                        style="simple",
                        explode=False,
                    )
                )
        return kept

    def _finish(self, operations: list[Operation]) -> None:
        if self._missing_responses:
            listed = ", ".join(self._missing_responses[:5])
            more = f" and {len(self._missing_responses) - 5} more" if len(self._missing_responses) > 5 else ""
            self.ctx.warn(f"{len(self._missing_responses)} operation(s) declare no responses: {listed}{more}")
        seen: dict[str, str] = {}
        for op in operations:
            if op.operation_id is None:
                continue
            if op.operation_id in seen:
                self.ctx.warn(
                    f"duplicate operationId {op.operation_id!r}: {seen[op.operation_id]} and {op.key}"
                )
            else:
                seen[op.operation_id] = op.key

    def _path_item_callbacks(self, name: str, expression: str, raw_item: Any, pointer: str) -> list[Callback]:
        item, item_pointer = self.ctx.deref(raw_item, pointer)
        if not isinstance(item, dict):
            return []
        result = []
        for method, raw in item.items():
            if method not in _METHOD_SET:
                continue
            node, target = self.ctx.deref(raw, f"{item_pointer}/{method}")
            if not isinstance(node, dict):
                continue
            _, body, responses = self._parts(item, node, item_pointer, target)
            operation_id = node.get("operationId")
            result.append(Callback(
                name=name, expression=expression, method=method.upper(), request_body=body,
                responses=responses, operation_id=str(operation_id) if operation_id is not None else None,
                summary=str(node.get("summary") or ""),
            ))  # fmt: skip
        return result

    def _callbacks(self, raw: Any, pointer: str) -> tuple[Callback, ...]:
        if not isinstance(raw, dict):
            return ()
        callbacks: list[Callback] = []
        for name, value in raw.items():
            node, at = self.ctx.deref(value, join(pointer, name))
            if not isinstance(node, dict):
                continue
            for expression, item in node.items():
                if not str(expression).startswith("x-"):
                    callbacks += self._path_item_callbacks(
                        str(name), str(expression), item, join(at, expression)
                    )
        return tuple(callbacks)

    def build_webhooks(self) -> tuple[Callback, ...]:
        """3.1 ``webhooks`` and the ``x-webhooks`` extension (same shape: name -> path item)."""
        webhooks: list[Callback] = []
        for key in ("webhooks", "x-webhooks"):
            raw = self.ctx.document.get(key)
            if isinstance(raw, dict):
                for name, item in raw.items():
                    webhooks += self._path_item_callbacks(str(name), "", item, join(f"/{key}", name))
        return tuple(webhooks)
