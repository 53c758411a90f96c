"""The fetch policy against real servers on 127.0.0.1 and 127.0.0.2.

Addresses outside loopback only ever come from a stub resolver, and the tests assert
that no connection to them was attempted (Python's ``socket.connect`` audit event).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mockingbird.errors import FetchError, FetchRefusedError
from mockingbird.fetching import AsyncFetcher, Fetcher, FetchPolicy, Referrer, classify, fetch, origin
from tests.hostile.servers import Reply, connections, endless, gzip_bomb, redirect, serve, trickle


@pytest.fixture
def connects() -> Iterator[list[Any]]:
    """Every socket address connected to during the test."""
    with connections() as seen:
        yield seen


def _stub(answer: list[str], calls: list[str] | None = None) -> Any:
    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        return answer

    return resolve


def test_a_url_the_user_names_is_fetched_even_on_loopback() -> None:
    with serve(
        routes={"/spec.yaml": Reply("openapi: 3.1.0\n", headers={"Content-Type": "application/yaml"})}
    ) as s:
        result = fetch(f"{s.base}/spec.yaml", FetchPolicy())
    assert (result.content, result.status, result.address) == (b"openapi: 3.1.0\n", 200, "127.0.0.1")
    assert result.content_type == "application/yaml"


def test_a_ref_to_another_origin_is_refused_and_that_host_hears_nothing() -> None:
    with serve("127.0.0.1") as root, serve("127.0.0.2", {"/x.yaml": Reply("a: 1")}) as other:
        with pytest.raises(FetchRefusedError) as info:
            fetch(
                f"{other.base}/x.yaml",
                FetchPolicy().trusting(f"{root.base}/spec.yaml"),
                referrer=Referrer(f"{root.base}/spec.yaml", "/paths/~1a/get/$ref"),
            )
        assert other.requests == []
    message = str(info.value)
    assert message.startswith(
        f"{root.base}/spec.yaml#/paths/~1a/get/$ref: refused to fetch {other.base}/x.yaml"
    )
    assert message.endswith("(allow it with --allow-ref-host 127.0.0.2)") and "\n" not in message
    assert info.value.flag == "--allow-ref-host 127.0.0.2" and info.value.exit_code == 2


@pytest.mark.parametrize("allowed", ["127.0.0.2", "127.0.0.2:{port}", "http://127.0.0.2:{port}"])
def test_allow_hosts_lets_a_named_host_through(allowed: str) -> None:
    with serve("127.0.0.1") as root, serve("127.0.0.2", {"/x.yaml": Reply("a: 1")}) as other:
        port = other.base.rsplit(":", 1)[1]
        policy = FetchPolicy(allow_hosts=frozenset({allowed.format(port=port)}))
        result = fetch(f"{other.base}/x.yaml", policy, referrer=Referrer(f"{root.base}/spec.yaml", "/a"))
    assert result.content == b"a: 1" and other.requests == [("/x.yaml", other.base.removeprefix("http://"))]


def test_a_named_host_on_another_port_is_still_refused() -> None:
    with serve("127.0.0.1") as root, serve("127.0.0.2") as other:
        policy = FetchPolicy(allow_hosts=frozenset({"127.0.0.2:1"}))
        with pytest.raises(FetchRefusedError):
            fetch(f"{other.base}/x", policy, referrer=Referrer(f"{root.base}/spec.yaml"))
        assert other.requests == []


def test_star_allows_public_hosts_but_not_loopback() -> None:
    with serve("127.0.0.1") as root, serve("127.0.0.2") as other:
        with pytest.raises(FetchRefusedError, match="127.0.0.2 is a loopback address"):
            fetch(
                f"{other.base}/x",
                FetchPolicy(allow_hosts=frozenset({"*"})),
                referrer=Referrer(f"{root.base}/s"),
            )
        assert other.requests == []


def test_a_remote_document_may_fetch_from_its_own_origin() -> None:
    with serve("127.0.0.2", {"/lib/b.yaml": Reply("b: 2")}) as lib:
        result = fetch(
            f"{lib.base}/lib/b.yaml", FetchPolicy(), referrer=Referrer(f"{lib.base}/lib/a.yaml", "/x")
        )
    assert result.content == b"b: 2"


def test_a_redirect_to_a_forbidden_host_is_refused_before_it_is_asked() -> None:
    with (
        serve("127.0.0.2", {"/x": Reply("secret")}) as other,
        serve("127.0.0.1", {"/spec.yaml": redirect(f"{other.base}/x")}) as root,
    ):
        with pytest.raises(FetchRefusedError) as info:
            fetch(f"{root.base}/spec.yaml", FetchPolicy())
        assert other.requests == []
    assert f"(redirected from {root.base}/spec.yaml)" in str(info.value)
    assert "--allow-ref-host 127.0.0.2" in str(info.value)


def test_a_redirect_within_the_origin_is_followed() -> None:
    with serve(routes={"/old": redirect("/new", 301), "/new": Reply("moved")}) as s:
        result = fetch(f"{s.base}/old", FetchPolicy())
    assert (result.content, result.final_url) == (b"moved", f"{s.base}/new")


@pytest.mark.parametrize(("hops", "ok"), [(5, True), (6, False)])
def test_at_most_five_redirects_are_followed(hops: int, ok: bool) -> None:
    routes: dict[str, Any] = {f"/r{n}": redirect(f"/r{n - 1}") for n in range(1, hops + 1)}
    routes["/r0"] = Reply("end")
    with serve(routes=routes) as s:
        if ok:
            assert fetch(f"{s.base}/r{hops}", FetchPolicy()).content == b"end"
        else:
            with pytest.raises(FetchError, match="more than 5 redirects"):
                fetch(f"{s.base}/r{hops}", FetchPolicy())
            assert ("/r0", s.base.removeprefix("http://")) not in s.requests


def test_a_trickling_server_hits_the_deadline() -> None:
    with serve(routes={"/slow": trickle(total=1000, every=0.05)}) as s:
        started = time.monotonic()
        with pytest.raises(
            FetchError, match=r"no complete answer within 0.5 s \(raise it with --fetch-timeout\)"
        ):
            fetch(f"{s.base}/slow", FetchPolicy(timeout=0.5))
        elapsed = time.monotonic() - started
    assert 0.45 < elapsed < 1.5


def test_a_series_shares_one_deadline() -> None:
    routes: dict[str, Any] = {"/a": trickle(total=6, every=0.1), "/b": trickle(total=6, every=0.1)}
    with serve(routes=routes) as s, Fetcher(FetchPolicy(timeout=0.9), series=True) as fetcher:
        fetcher.fetch(f"{s.base}/a")  # about 0.6 s of the 0.9 s
        with pytest.raises(FetchError, match="no complete answer"):
            fetcher.fetch(f"{s.base}/b")


def test_a_declared_oversized_body_is_refused_before_it_is_read() -> None:
    with serve(routes={"/big": Reply(b"x" * 5000)}) as s:
        with pytest.raises(
            FetchError, match=r"larger than the 4.88 KiB cap \(raise it with --fetch-max-bytes\)"
        ):
            fetch(f"{s.base}/big", FetchPolicy(max_bytes=5000 - 1))
        assert fetch(f"{s.base}/big", FetchPolicy(max_bytes=5000)).content == b"x" * 5000


def test_an_endless_body_is_cut_at_the_cap() -> None:
    with serve(routes={"/endless": endless()}) as s:
        started = time.monotonic()
        with pytest.raises(FetchError, match="larger than the 1 MiB cap"):
            fetch(f"{s.base}/endless", FetchPolicy(max_bytes=1024 * 1024))
    assert time.monotonic() - started < 20  # cut, not streamed forever


def test_the_cap_counts_decompressed_bytes() -> None:
    with (
        serve(routes={"/bomb": gzip_bomb(10 * 1024 * 1024)}) as s,
        pytest.raises(FetchError, match="larger than the 1 MiB cap"),
    ):
        fetch(f"{s.base}/bomb", FetchPolicy(max_bytes=1024 * 1024))


def test_a_series_shares_one_size_cap() -> None:
    routes: dict[str, Any] = {"/a": Reply(b"a" * 600), "/b": Reply(b"b" * 600)}
    with serve(routes=routes) as s, Fetcher(FetchPolicy(max_bytes=1000), series=True) as fetcher:
        fetcher.fetch(f"{s.base}/a")
        with pytest.raises(FetchError, match="past the total of"):
            fetcher.fetch(f"{s.base}/b")


def test_http_errors_name_the_status() -> None:
    with serve() as s, pytest.raises(FetchError, match="HTTP 404"):
        fetch(f"{s.base}/missing", FetchPolicy())


@pytest.mark.parametrize("host", ["metadata.google.internal", "METADATA.google.internal.", "instance-data"])
def test_metadata_names_are_refused_without_resolving_or_connecting(host: str, connects: list[Any]) -> None:
    calls: list[str] = []
    policy = FetchPolicy(allow_hosts=frozenset({"*"}), resolver=_stub(["127.0.0.1"], calls))
    with pytest.raises(FetchRefusedError, match="a cloud metadata host"):
        fetch(f"http://{host}/computeMetadata/v1/", policy, referrer=Referrer("http://127.0.0.1:9/s.yaml"))
    assert calls == [] and connects == []


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("169.254.169.254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("10.0.0.5", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.1", "private"),
        ("fd12::1", "private"),
        ("100.64.0.1", "private"),
        ("0.0.0.0", "private"),
        ("::ffff:169.254.169.254", "metadata"),
    ],
)
def test_a_name_resolving_to_an_internal_address_is_refused_before_any_connect(
    address: str, kind: str, connects: list[Any]
) -> None:
    policy = FetchPolicy(allow_hosts=frozenset({"*"}), resolver=_stub([address]))
    with pytest.raises(FetchRefusedError) as info:
        fetch(
            "http://innocent.test/x.yaml", policy, referrer=Referrer("http://127.0.0.1:9/s.yaml", "/a/$ref")
        )
    assert f"innocent.test resolves to {address}, a {kind} address" in str(info.value)
    assert info.value.flag == "--allow-ref-host innocent.test"
    assert connects == []


def test_even_a_user_named_url_may_not_redirect_to_a_metadata_address(connects: list[Any]) -> None:
    with (
        serve(routes={"/spec.yaml": redirect("http://169.254.169.254/latest/meta-data/")}) as s,
        pytest.raises(FetchRefusedError, match="169.254.169.254 is a metadata address"),
    ):
        fetch(f"{s.base}/spec.yaml", FetchPolicy())
    assert all(address[0] == "127.0.0.1" for address in connects)


def test_a_name_is_resolved_once_and_the_checked_address_is_used() -> None:
    """DNS rebinding: a second answer pointing elsewhere is never asked for."""
    calls: list[str] = []
    answers = iter([["127.0.0.2"], ["169.254.169.254"]])

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    with serve("127.0.0.2", {"/a": Reply("a"), "/b": Reply("b")}) as s:
        port = s.base.rsplit(":", 1)[1]
        policy = FetchPolicy(allow_hosts=frozenset({"api.test"}), resolver=rebinding)
        with Fetcher(policy) as fetcher:
            first = fetcher.fetch(
                f"http://api.test:{port}/a", referrer=Referrer("http://127.0.0.1:9/s", "/x")
            )
            second = fetcher.fetch(
                f"http://api.test:{port}/b", referrer=Referrer("http://127.0.0.1:9/s", "/y")
            )
    assert (first.content, second.content, second.address) == (b"a", b"b", "127.0.0.2")
    assert calls == ["api.test"]
    assert [host for _, host in s.requests] == [f"api.test:{port}"] * 2  # the Host header kept the name


def test_a_resolver_that_hangs_is_bounded_by_the_deadline() -> None:
    def hang(host: str, port: int) -> list[str]:
        time.sleep(3)
        return ["127.0.0.1"]

    started = time.monotonic()
    with pytest.raises(FetchError, match="no complete answer within 0.3 s"):
        fetch("http://slow-dns.test/x", FetchPolicy(timeout=0.3, resolver=hang))
    assert time.monotonic() - started < 2.5  # the resolver sleeps 3 s: the deadline did not wait for it


def test_a_name_that_does_not_resolve_is_one_clear_error() -> None:
    def fail(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    with pytest.raises(FetchError, match=r"cannot resolve nowhere.test \(Name or service not known\)"):
        fetch("http://nowhere.test/x", FetchPolicy(resolver=fail))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"])
def test_only_http_and_https_are_fetched(url: str, connects: list[Any]) -> None:
    with pytest.raises(FetchRefusedError, match="only http and https URLs are fetched"):
        fetch(url, FetchPolicy(), referrer=Referrer("http://127.0.0.1:9/s.yaml", "/a"))
    assert connects == []


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.0.7", "link-local"),
        ("10.1.2.3", "private"),
        ("2002:a9fe:a9fe::", "metadata"),
        ("64:ff9b::a9fe:a9fe", "metadata"),
        ("224.0.0.1", "private"),
        ("8.8.8.8", "public"),
        ("2606:4700::1111", "public"),
    ],
)
def test_addresses_are_classified_with_embedded_ipv4_unwrapped(address: str, kind: str) -> None:
    assert classify(address) == kind


def test_origins_fill_in_default_ports_and_lower_case_hosts() -> None:
    assert origin("HTTPS://Example.COM/a") == "https://example.com:443"
    assert origin("http://[::1]:8080/x") == "http://[::1]:8080"


# -- the async path and the callback policy (loopback allowed, other hosts only when named) ----------

CALLBACK_POLICY = FetchPolicy(allow_loopback=True, allow_flag="--allow-callback-host", timeout=5)
FROM_REQUEST = Referrer("callback 'onEvent'", remote=True)


def _send(policy: FetchPolicy, method: str, url: str, body: bytes | None = None) -> Any:
    async def run() -> Any:
        async with AsyncFetcher(policy) as fetcher:
            return await fetcher.send(method, url, content=body, referrer=FROM_REQUEST, raise_status=False,
                                      headers={"content-type": "application/json"})  # fmt: skip

    return asyncio.run(run())


def test_the_async_path_posts_a_body_to_loopback_without_naming_it() -> None:
    with serve("127.0.0.2", {"/hook": Reply("ok", 202)}) as s:
        result = _send(CALLBACK_POLICY, "POST", f"{s.base}/hook", b'{"a": 1}')
    assert (result.status, result.content, result.address) == (202, b"ok", "127.0.0.2")
    [got] = s.posts
    assert (got.method, got.body, got.headers["content-type"]) == ("POST", b'{"a": 1}', "application/json")


def test_the_async_path_returns_error_statuses_when_asked_to() -> None:
    with serve(routes={"/down": Reply("no", 503)}) as s:
        assert _send(CALLBACK_POLICY, "POST", f"{s.base}/down", b"{}").status == 503


@pytest.mark.parametrize(
    ("status", "method", "body"), [(307, "POST", b"{}"), (308, "POST", b"{}"), (303, "GET", b"")]
)
def test_a_redirected_post_keeps_its_body_on_307_and_308_only(status: int, method: str, body: bytes) -> None:
    with serve(routes={"/a": redirect("/b", status), "/b": Reply("here")}) as s:
        result = _send(CALLBACK_POLICY, "POST", f"{s.base}/a", b"{}")
    assert result.final_url == f"{s.base}/b" and result.content == b"here"
    assert [(p.method, p.body) for p in s.posts if p.path == "/b"] == (
        [(method, body)] if method != "GET" else []
    )
    assert ("/b", s.base.removeprefix("http://")) in s.requests


def test_the_callback_policy_refuses_a_public_host_nobody_named(connects: list[Any]) -> None:
    with pytest.raises(FetchRefusedError) as info:
        _send(CALLBACK_POLICY, "POST", "http://93.184.216.34/hook", b"{}")
    assert (
        "93.184.216.34 is not a loopback address (allow it with --allow-callback-host 93.184.216.34)"
        in str(info.value)
    )
    assert connects == []


def test_the_callback_policy_refuses_a_name_that_resolves_to_a_private_address(connects: list[Any]) -> None:
    policy = FetchPolicy(allow_loopback=True, allow_flag="--allow-callback-host", allow_hosts=frozenset({"*"}),
                         resolver=_stub(["10.1.2.3"]))  # fmt: skip
    with pytest.raises(FetchRefusedError, match=r"hooks.test resolves to 10.1.2.3, a private address"):
        _send(policy, "POST", "http://hooks.test/x", b"{}")
    assert connects == []


def test_a_named_callback_host_is_reached_at_the_address_checked() -> None:
    calls: list[str] = []
    with serve("127.0.0.3", {"/x": Reply("ok")}) as s:
        port = s.base.rsplit(":", 1)[1]
        policy = FetchPolicy(
            allow_loopback=True, allow_hosts=frozenset({"hooks.test"}), resolver=_stub(["127.0.0.3"], calls)
        )
        result = _send(policy, "POST", f"http://hooks.test:{port}/x", b"{}")
    assert (result.status, result.address, calls) == (200, "127.0.0.3", ["hooks.test"])
    assert s.posts[0].headers["host"] == f"hooks.test:{port}"


def test_the_async_path_keeps_the_deadline() -> None:
    with serve(routes={"/slow": trickle(total=1000, every=0.05)}) as s:
        started = time.monotonic()
        with pytest.raises(FetchError, match="no complete answer within 0.5 s"):
            _send(FetchPolicy(allow_loopback=True, timeout=0.5), "POST", f"{s.base}/slow", b"{}")
    assert time.monotonic() - started < 1.5


def test_the_callback_policy_never_resolves_a_name_nobody_allowed(connects: list[Any]) -> None:
    """A URL from a request must not even make the mock ask DNS about its host (a lookup can carry data out)."""
    calls: list[str] = []
    policy = FetchPolicy(
        allow_loopback=True, allow_flag="--allow-callback-host", resolver=_stub(["127.0.0.1"], calls)
    )
    with pytest.raises(FetchRefusedError, match=r"secret.example.com is not a loopback address \(allow it with "
                       r"--allow-callback-host secret.example.com\)"):  # fmt: skip
        _send(policy, "POST", "http://secret.example.com/x", b"{}")
    assert calls == [] and connects == []


def test_localhost_is_loopback_for_the_callback_policy() -> None:
    with serve(routes={"/x": Reply("ok")}) as s:
        port = s.base.rsplit(":", 1)[1]
        result = _send(CALLBACK_POLICY, "POST", f"http://localhost:{port}/x", b"{}")
    assert result.status == 200 and classify(result.address) == "loopback"
