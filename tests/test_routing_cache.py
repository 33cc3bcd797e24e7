"""The router remembers requests routed to operations without path parameters; what it
answers the second time is what it answered the first."""

from __future__ import annotations

import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.errors import APIError
from oai_mock.mockserver.routing import Router


@pytest.fixture(scope="module")
def router() -> Router:
    return OpenAIMock().router


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("POST", "/v1/chat/completions", ()),
        ("POST", "/openai/deployments/my-gpt/chat/completions", (("api-version", "1"),)),
        ("GET", "/v1/models", ()),
        ("GET", "/v1/models/gpt-4o", ()),
        ("POST", "/v1/responses", (("beta", "true"),)),
    ],
)
def test_a_repeated_request_is_routed_as_the_first(
    router: Router, method: str, path: str, query: tuple[tuple[str, str], ...]
) -> None:
    first = router.match(method, path, query)
    again = router.match(method, path, query)
    assert again == first
    assert again.path_params is not first.path_params  # each caller gets its own


def test_the_query_still_chooses_between_routes(router: Router) -> None:
    plain = router.match("POST", "/v1/responses")
    router.match("POST", "/v1/responses", (("beta", "true"),))
    assert router.match("POST", "/v1/responses") == plain
    assert router.match("POST", "/v1/responses", (("beta", "true"),)) == router._match(
        "POST", "/v1/responses", (("beta", "true"),)
    )


def test_refusals_are_not_remembered(router: Router) -> None:
    for _ in range(2):
        with pytest.raises(APIError) as refused:
            router.match("DELETE", "/v1/chat/completions")
        assert refused.value.status == 405
