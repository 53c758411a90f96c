"""Routing: templates, literal precedence, prefixes, trailing slashes, 404/405."""

from __future__ import annotations

from mockingbird.openapi.matching.routing import RouteMatch, RouteMiss, Router
from mockingbird.openapi.model import Operation


def _router(*keys: str, base_path: str = "") -> Router:
    ops = [Operation(method=k.split()[0], path=k.split()[1]) for k in keys]
    return Router(ops, base_path)


def _key(result: RouteMatch | RouteMiss) -> str:
    assert isinstance(result, RouteMatch), result
    return result.operation.key


def test_literal_segment_beats_template() -> None:
    router = _router("GET /pets/{petId}", "GET /pets/mine")
    assert _key(router.match("GET", "/pets/mine")) == "GET /pets/mine"
    found = router.match("GET", "/pets/42")
    assert isinstance(found, RouteMatch) and found.path_params == {"petId": "42"}


def test_literal_precedence_does_not_depend_on_declaration_order() -> None:
    router = _router("GET /pets/mine", "GET /pets/{petId}")
    assert _key(router.match("GET", "/pets/mine")) == "GET /pets/mine"


def test_backtracks_from_literal_when_method_only_exists_on_template() -> None:
    router = _router("GET /pets/mine", "DELETE /pets/{petId}")
    found = router.match("DELETE", "/pets/mine")
    assert isinstance(found, RouteMatch) and found.path_params == {"petId": "mine"}


def test_backtracks_when_deeper_literal_branch_dead_ends() -> None:
    router = _router("GET /a/b/c", "GET /a/{x}/d")
    found = router.match("GET", "/a/b/d")
    assert isinstance(found, RouteMatch) and found.path_params == {"x": "b"}


def test_template_inside_a_segment() -> None:
    router = _router("GET /files/{name}.{ext}", "GET /files/{id}")
    found = router.match("GET", "/files/report.final.pdf")
    assert isinstance(found, RouteMatch)
    assert found.operation.path == "/files/{name}.{ext}"
    assert found.path_params == {"name": "report", "ext": "final.pdf"}
    assert _key(router.match("GET", "/files/plain")) == "GET /files/{id}"


def test_path_params_are_percent_decoded_after_matching() -> None:
    router = _router("GET /users/{name}/repos")
    found = router.match("GET", "/users/a%2Fb%20c/repos")
    assert isinstance(found, RouteMatch) and found.path_params == {"name": "a/b c"}


def test_different_param_names_at_the_same_position() -> None:
    router = _router("GET /pets/{petId}", "DELETE /pets/{id}", "GET /pets/{ownerId}/toys")
    get = router.match("GET", "/pets/7")
    delete = router.match("DELETE", "/pets/7")
    toys = router.match("GET", "/pets/7/toys")
    assert isinstance(get, RouteMatch) and get.path_params == {"petId": "7"}
    assert isinstance(delete, RouteMatch) and delete.path_params == {"id": "7"}
    assert isinstance(toys, RouteMatch) and toys.path_params == {"ownerId": "7"}


def test_empty_segment_does_not_fill_a_parameter() -> None:
    router = _router("GET /pets/{petId}")
    assert router.match("GET", "/pets//").status == 404  # type: ignore[union-attr]


def test_unknown_path_is_a_404_miss() -> None:
    miss = _router("GET /pets").match("GET", "/owners")
    assert isinstance(miss, RouteMiss) and miss.status == 404 and miss.allowed == ()


def test_wrong_method_is_a_405_miss_with_allowed_methods() -> None:
    miss = _router("GET /pets", "POST /pets", "GET /pets/{id}").match("PUT", "/pets")
    assert isinstance(miss, RouteMiss) and miss.status == 405
    assert miss.allowed == ("GET", "HEAD", "POST")


def test_base_path_is_optional() -> None:
    router = _router("GET /pets", "GET /pets/{id}", base_path="/v1")
    assert _key(router.match("GET", "/v1/pets")) == "GET /pets"
    assert _key(router.match("GET", "/pets")) == "GET /pets"
    found = router.match("GET", "/v1/pets/3")
    assert isinstance(found, RouteMatch) and found.path_params == {"id": "3"}
    assert isinstance(router.match("GET", "/v2/pets"), RouteMiss)


def test_base_path_prefix_gives_405_not_404_for_wrong_method() -> None:
    miss = _router("GET /pets", base_path="/v1").match("DELETE", "/v1/pets")
    assert isinstance(miss, RouteMiss) and miss.allowed == ("GET", "HEAD")


def test_trailing_slash_is_tolerated_both_ways() -> None:
    router = _router("GET /pets", "GET /owners/")
    assert _key(router.match("GET", "/pets/")) == "GET /pets"
    assert _key(router.match("GET", "/owners")) == "GET /owners/"
    assert _key(router.match("GET", "/owners/")) == "GET /owners/"


def test_head_falls_back_to_get() -> None:
    router = _router("GET /pets/{id}")
    assert _key(router.match("HEAD", "/pets/1")) == "GET /pets/{id}"


def test_root_path() -> None:
    router = _router("GET /")
    assert _key(router.match("GET", "/")) == "GET /"


def test_allowed_methods_of_a_path() -> None:
    router = _router("GET /pets", "POST /pets")
    assert router.allowed_methods("/pets") == ("GET", "HEAD", "POST")
    assert router.allowed_methods("/nothing") == ()


def test_thousand_operations_route_to_the_right_one() -> None:
    """Big specs (GitHub, Kubernetes) compile into one trie; speed is measured in bench/."""
    keys = [f"GET /api{i}/items/{{id}}/sub{j}" for i in range(100) for j in range(10)]
    router = _router(*keys)
    found = router.match("GET", "/api99/items/5/sub9")
    assert isinstance(found, RouteMatch) and found.operation.path == "/api99/items/{id}/sub9"
    assert router.operation_count == 1000


class _SearchOnly(Router):
    """The router with its greedy shortcut off: every match takes the backtracking search."""

    def _greedy(self, method: str, path: str) -> RouteMatch | None:
        return None


def test_greedy_walk_answers_as_the_backtracking_search_does() -> None:
    """The shortcut a new URL takes gives the search's answer on literals, templates, dead ends,
    in-segment templates, HEAD, trailing slashes, percent-encoding and a base path."""
    keys = (
        "GET /pets/{petId}", "GET /pets/mine", "DELETE /pets/{petId}", "GET /a/b/c", "GET /a/{x}/d",
        "GET /files/{name}.{ext}", "GET /files/{id}", "GET /users/{u}/repos/{r}/", "HEAD /only-head/{h}",
        "GET /test path > x", "POST /", "GET /x/{y}/#X-Amz-Target=T.Get", "GET /x/{y}/",
    )  # fmt: skip
    ops = [Operation(method=k.split(" ", 1)[0], path=k.split(" ", 1)[1]) for k in keys]
    fast, slow = Router(ops, "/v1"), _SearchOnly(ops, "/v1")
    paths = [
        "/pets/42", "/pets/mine", "/pets/", "/pets/mine/", "/a/b/c", "/a/b/d", "/a/q/d", "/a/b/e",
        "/files/x.txt", "/files/x", "/users/o/repos/r", "/users/o/repos/r/", "/users//repos/r",
        "/only-head/1", "/test%20path%20%3E%20x", "/pets/a%2Fb", "/", "/v1/pets/7", "/v1", "/x/1", "/x/1/", "",
    ]  # fmt: skip
    for method in ("GET", "HEAD", "DELETE", "POST", "\x00"):
        for path in paths:
            assert fast.match(method, path) == slow.match(method, path), (method, path)
