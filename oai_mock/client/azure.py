"""Azure OpenAI: deployment URLs with ``api-version``, the ``api-key`` header or an Entra ID
token provider called for every request, and the newer ``/openai/v1`` URL shape.

>>> client = AzureOpenAIClient(
...     endpoint="https://my-resource.openai.azure.com",
...     api_key="azure-key",
...     api_version="2024-10-21",
... )
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from oai_mock.client._client import AsyncOpenAIClient, BaseClient, OpenAIClient
from oai_mock.client._endpoint import Endpoint
from oai_mock.client._errors import MissingAPIKeyError

# Operations Azure serves under /openai/deployments/{deployment}/...
DEPLOYMENT_PATHS = frozenset(
    {
        "/chat/completions",
        "/completions",
        "/embeddings",
        "/images/generations",
        "/images/edits",
        "/images/variations",
        "/audio/speech",
        "/audio/transcriptions",
        "/audio/translations",
    }
)


class _AzureMixin(BaseClient):
    endpoint: str
    api_version: str | None
    deployment: str | None
    azure_ad_token_provider: Callable[[], str] | None
    use_v1: bool

    def _setup_azure(
        self,
        endpoint: str,
        api_version: str | None,
        deployment: str | None,
        azure_ad_token_provider: Callable[[], str] | None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.use_v1 = api_version in (None, "v1", "preview") or self.endpoint.endswith("/openai/v1")
        self.api_version = api_version
        self.deployment = deployment
        self.azure_ad_token_provider = azure_ad_token_provider
        base = self.endpoint if self.endpoint.endswith("/openai/v1") else self.endpoint + "/openai"
        self.base_url = base + ("/v1" if self.use_v1 and not base.endswith("/v1") else "")
        if api_version not in (None, "v1") and not self.use_v1:
            self.default_query.setdefault("api-version", api_version)
        elif api_version == "preview":
            self.default_query.setdefault("api-version", "preview")

    def _url(self, op: Endpoint, path: str, body: Mapping[str, Any]) -> str:
        if self.use_v1 or op.path_template not in DEPLOYMENT_PATHS:
            return self.base_url + path
        deployment = self.deployment or body.get("model")
        if not deployment:
            raise ValueError(
                f"{op.path_template} on Azure needs a deployment: pass deployment= or model="
            )
        return f"{self.base_url}/deployments/{deployment}{path}"

    def _auth_headers(self, op: Endpoint) -> dict[str, str]:
        if self.azure_ad_token_provider is not None:
            return {"Authorization": f"Bearer {self.azure_ad_token_provider()}"}
        if self.api_key:
            return {"api-key": self.api_key}
        raise MissingAPIKeyError(
            "No Azure credentials: pass api_key=..., azure_ad_token_provider=... or set "
            "AZURE_OPENAI_API_KEY."
        )


def _azure_key(api_key: str | None) -> str | None:
    import os

    return api_key if api_key is not None else os.environ.get("AZURE_OPENAI_API_KEY")


class AzureOpenAIClient(_AzureMixin, OpenAIClient):
    """The reference client for Azure OpenAI.

    ``api_version="2024-10-21"`` (any dated version) uses the deployment URL shape,
    ``{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...``, with the
    deployment taken from ``deployment=`` or the request's ``model``; ``api_version="v1"``
    (or None) uses ``{endpoint}/openai/v1/...``.
    """

    def __init__(
        self,
        *,
        endpoint: str,
        api_key: str | None = None,
        api_version: str | None = None,
        deployment: str | None = None,
        azure_ad_token_provider: Callable[[], str] | None = None,
        http_client: httpx.Client | None = None,
        **options: Any,
    ) -> None:
        super().__init__(api_key=_azure_key(api_key) or "", http_client=http_client, **options)
        self._setup_azure(endpoint, api_version, deployment, azure_ad_token_provider)


class AsyncAzureOpenAIClient(_AzureMixin, AsyncOpenAIClient):
    def __init__(
        self,
        *,
        endpoint: str,
        api_key: str | None = None,
        api_version: str | None = None,
        deployment: str | None = None,
        azure_ad_token_provider: Callable[[], str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> None:
        super().__init__(api_key=_azure_key(api_key) or "", http_client=http_client, **options)
        self._setup_azure(endpoint, api_version, deployment, azure_ad_token_provider)
