"""While the ``oai_mock`` fixture is active nothing leaves the machine: OpenAI API paths on any
host reach the fake, allowed hosts reach the network, everything else is refused with a message
naming the URL and how to allow it. Checked for the official SDK (sync, async, streaming) and
plain httpx / httpx2 clients. (openai 2.x: tests/sdk2/test_openai2_network.py.)"""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest

from oai_mock import OpenAIMock
from oai_mock.fixtures.intercept import Routing, api_path, host_matches
from oai_mock.mockserver.live import LiveServer

pytest_plugins = ["pytester"]

MESSAGES = [{"role": "user", "content": "Hello"}]
INNER_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
# A name under .invalid never resolves: if the guard let a request out, it would fail to
# connect rather than reach anyone.
GATEWAY = "http://llm-gateway.invalid"


@pytest.mark.parametrize(
    "base_url",
    [
        f"{GATEWAY}/v1",
        GATEWAY,
        f"{GATEWAY}/team-a/openai-proxy/v1",
        "https://my-resource.openai.azure.com/openai/v1",
    ],
)
def test_gateways_and_custom_base_urls_reach_the_fake(oai_mock: OpenAIMock, base_url: str) -> None:
    oai_mock.on("chat").reply("from the fake")
    client = openai.OpenAI(base_url=base_url, max_retries=0)
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert reply.choices[0].message.content == "from the fake"
    assert oai_mock.journal.last("chat").model == "gpt-4o-mini"


def test_azure_deployment_urls_reach_the_fake(oai_mock: OpenAIMock) -> None:
    client = openai.AzureOpenAI(
        azure_endpoint="https://my-resource.openai.azure.com",
        azure_deployment="prod-gpt4o",
        api_version="2024-10-21",
        api_key="azure-key",
        max_retries=0,
    )
    reply = client.chat.completions.create(model="ignored", messages=MESSAGES)
    assert reply.choices
    assert oai_mock.journal.last("chat").path == "/openai/deployments/prod-gpt4o/chat/completions"


def test_async_and_streaming_gateway_requests_reach_the_fake(oai_mock: OpenAIMock) -> None:
    async def run() -> str:
        client = openai.AsyncOpenAI(base_url=f"{GATEWAY}/v1", max_retries=0)
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        await client.close()
        return text

    oai_mock.on("chat").stream("streamed by the fake")
    assert asyncio.run(run()) == "streamed by the fake"


def test_the_sdk_is_refused_other_paths_with_the_url_and_how_to_allow_it(
    oai_mock: OpenAIMock, oai_mock_network: Routing
) -> None:
    client = openai.OpenAI(base_url=f"{GATEWAY}/not-an-api", max_retries=0)
    with pytest.raises(pytest.fail.Exception) as refused:
        client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
    message = str(refused.value)
    assert f"POST {GATEWAY}/not-an-api/chat/completions" in message
    assert "allow_hosts=['llm-gateway.invalid']" in message
    assert "oai_mock_network.allow('llm-gateway.invalid')" in message
    assert "oai_mock_allow_hosts = llm-gateway.invalid" in message
    # Caught here, but the teardown would still fail the test: forget it for this one.
    assert oai_mock_network.refused == [f"POST {GATEWAY}/not-an-api/chat/completions"]
    oai_mock_network.refused.clear()


def test_plain_httpx_clients_are_refused_sync_and_async(
    oai_mock: OpenAIMock, oai_mock_network: Routing
) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"GET https://example\.invalid/page"):
        httpx.get("https://example.invalid/page")

    async def fetch() -> None:
        async with httpx.AsyncClient() as client:
            await client.get("https://example.invalid/async")

    with pytest.raises(pytest.fail.Exception, match=r"GET https://example\.invalid/async"):
        asyncio.run(fetch())
    assert len(oai_mock_network.refused) == 2
    oai_mock_network.refused.clear()
    assert len(oai_mock.journal) == 0


def test_plain_httpx2_clients_are_guarded_too(
    oai_mock: OpenAIMock, oai_mock_network: Routing
) -> None:
    httpx2 = pytest.importorskip("httpx2")
    assert httpx2.get(f"{GATEWAY}/v1/models").json()["object"] == "list"
    with pytest.raises(pytest.fail.Exception, match=r"GET https://example\.invalid/"):
        httpx2.get("https://example.invalid/")
    oai_mock_network.refused.clear()


def test_a_plain_httpx_client_on_an_api_path_gets_the_fake(oai_mock: OpenAIMock) -> None:
    assert httpx.get(f"{GATEWAY}/v1/models").json()["object"] == "list"
    assert oai_mock.journal.last().operation_id == "listModels"


def test_allowed_hosts_reach_the_network(oai_mock: OpenAIMock, oai_mock_network: Routing) -> None:
    with LiveServer(OpenAIMock()) as other:
        with pytest.raises(pytest.fail.Exception):
            httpx.get(other.base_url + "/health-of-something-else")
        oai_mock_network.refused.clear()
        oai_mock_network.allow(f"127.0.0.1:{other.port}")
        # Allowed wins over an API path: the other server answers, not this test's fake.
        assert httpx.get(other.url + "/models").status_code == 200
    assert len(oai_mock.journal) == 0


@pytest.mark.parametrize(
    ("pattern", "host", "port", "allowed"),
    [
        ("example.invalid", "example.invalid", 443, True),
        ("example.invalid:443", "example.invalid", 443, True),  # https's default port
        ("example.invalid:8443", "example.invalid", 443, False),
        ("EXAMPLE.invalid", "example.INVALID", 80, True),
        ("*.example.invalid", "a.example.invalid", 443, True),
        ("*.example.invalid", "example.invalid", 443, False),
        ("*.example.invalid:8443", "a.example.invalid", 8443, True),
        ("*.example.invalid:8443", "a.example.invalid", 443, False),
        ("::1", "::1", 9, True),
        ("[::1]", "::1", 9, True),
        ("[::1]:9", "::1", 9, True),
        ("[::1]:9", "::1", 10, False),
        ("::1", "::2", 9, False),
    ],
)
def test_host_patterns(pattern: str, host: str, port: int, allowed: bool) -> None:
    assert host_matches(pattern, host, port) is allowed


@pytest.mark.parametrize(
    "pattern", ["https://example.invalid", "example.invalid:https", "[::1", "[::1]x", " "]
)
def test_a_malformed_host_pattern_is_refused_when_allowed(
    oai_mock_network: Routing, pattern: str
) -> None:
    with pytest.raises(ValueError, match="is not a host to allow"):
        oai_mock_network.allow(pattern)


def test_a_default_port_and_an_ipv6_host_can_be_allowed(
    oai_mock: OpenAIMock, oai_mock_network: Routing
) -> None:
    # The URL leaves its scheme's port out (httpx's url.port is None): name:443 still allows it.
    with pytest.raises(pytest.fail.Exception):
        httpx.get("https://localhost/status")
    oai_mock_network.refused.clear()
    oai_mock_network.allow("localhost:443")
    with pytest.raises(httpx.ConnectError):  # let through: nothing listens on port 443
        httpx.get("https://localhost/status")
    oai_mock_network.allow("[::1]:9")
    with pytest.raises(httpx.ConnectError):  # let through: nothing listens on port 9
        httpx.get("http://[::1]:9/x")
    assert oai_mock_network.refused == []


def test_the_live_server_fixtures_are_reachable(
    oai_mock: OpenAIMock, oai_mock_server: LiveServer, oai_mock_session_server: LiveServer
) -> None:
    assert httpx.get(oai_mock_server.url + "/models").status_code == 200
    assert httpx.get(oai_mock_session_server.url + "/models").status_code == 200
    assert [e.path for e in oai_mock.journal] == ["/v1/models"]  # served, not intercepted


@pytest.mark.parametrize(
    ("path", "found"),
    [
        ("/v1/chat/completions", "/v1/chat/completions"),
        ("/chat/completions", "/chat/completions"),
        ("/gateway/v1/embeddings", "/v1/embeddings"),
        (
            "/proxy/openai/deployments/d1/chat/completions",
            "/openai/deployments/d1/chat/completions",
        ),
        ("/api/models/bert", None),
        ("/index.html", None),
        ("/", None),
    ],
)
def test_what_counts_as_an_openai_api_path(path: str, found: str | None) -> None:
    assert api_path(OpenAIMock().router, path) == found


def test_marker_and_ini_allow_hosts(pytester: pytest.Pytester) -> None:
    pytester.makeini(INNER_INI + "oai_mock_allow_hosts = ini.invalid *.wild.invalid\n")
    pytester.makepyfile(
        """
        import pytest

        def test_ini(oai_mock, oai_mock_network):
            assert oai_mock_network.is_allowed("ini.invalid", None)
            assert oai_mock_network.is_allowed("a.wild.invalid", None)
            assert not oai_mock_network.is_allowed("marker.invalid", None)

        @pytest.mark.oai_mock(allow_hosts=["marker.invalid:8443"])
        def test_marker(oai_mock, oai_mock_network):
            assert oai_mock_network.is_allowed("marker.invalid", 8443)
            assert not oai_mock_network.is_allowed("marker.invalid", 443)
            assert oai_mock_network.is_allowed("ini.invalid", None)  # the ini's still hold
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_a_malformed_allowed_host_stops_the_run(pytester: pytest.Pytester) -> None:
    pytester.makeini(INNER_INI + "oai_mock_allow_hosts = https://ini.invalid/\n")
    pytester.makepyfile("def test_one(oai_mock):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*oai_mock_allow_hosts must be a list of hosts*"])


def test_a_swallowed_refusal_still_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makeini(INNER_INI)
    pytester.makepyfile(
        """
        import httpx

        def test_swallows(oai_mock):
            try:
                httpx.get("https://telemetry.invalid/ping")
            except BaseException:
                pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*refused GET https://telemetry.invalid/ping (not allowed to leave the machine)*"]
    )


# -- respx in the same test -------------------------------------------------------------------


def test_a_respx_route_answers_its_own_host(
    oai_mock: OpenAIMock, oai_mock_network: Routing
) -> None:
    import respx

    with respx.mock() as router:
        route = router.get("https://inventory.invalid/items").respond(json={"items": [1]})
        assert httpx.get("https://inventory.invalid/items").json() == {"items": [1]}
        assert route.called
        # A host respx does not mock is still refused (respx would not answer it either).
        with pytest.raises(pytest.fail.Exception, match=r"refused GET https://other\.invalid/"):
            httpx.get("https://other.invalid/")
        assert oai_mock_network.refused == ["GET https://other.invalid/"]
        oai_mock_network.refused.clear()  # seen: not a failure of this test


def test_a_respx_route_on_an_openai_url_wins_over_the_fake(oai_mock: OpenAIMock) -> None:
    import respx

    with respx.mock(assert_all_called=False) as router:
        route = router.get("https://api.openai.com/v1/models/special").respond(
            json={"id": "special", "object": "model", "created": 0, "owned_by": "respx"}
        )
        # respx mocks httpx (openai 2.x's HTTP library; openai 3.x's httpx2 it does not see).
        special = httpx.get("https://api.openai.com/v1/models/special")
        assert special.json()["owned_by"] == "respx"
        assert route.called
        # Other OpenAI requests still reach the fake.
        assert httpx.get("https://api.openai.com/v1/models").json()["data"]
    assert [e.operation_id for e in oai_mock.journal] == ["listModels"]


def test_a_respx_router_that_answers_everything_keeps_openai_traffic_on_the_fake(
    oai_mock: OpenAIMock, oai_mock_network: Routing
) -> None:
    import respx

    with respx.mock(assert_all_mocked=False, assert_all_called=False):
        assert httpx.get("https://anything.invalid/x").status_code == 200  # respx's auto 200
        reply = openai.OpenAI(max_retries=0).chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES
        )
        assert reply.choices[0].message.content
    assert oai_mock_network.refused == []
    assert len(oai_mock.journal) == 1


def test_a_respx_route_for_every_request_leaves_openai_traffic_to_the_fake(
    oai_mock: OpenAIMock,
) -> None:
    import respx

    with respx.mock(assert_all_called=False) as router:
        router.route().respond(json={"from": "respx"})
        assert httpx.get("https://anything.invalid/x").json() == {"from": "respx"}
        assert httpx.get("https://api.openai.com/v1/models").json()["object"] == "list"
    assert [e.operation_id for e in oai_mock.journal] == ["listModels"]
