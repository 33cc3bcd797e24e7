"""API keys as the real API checks them: the ordinary key for most operations, the admin key
for the operations the spec reserves for it (``AdminApiKeyAuth``), signed URLs for the images
the fake hands out, every comparison in constant time.

>>> keys = Keys(api_key="sk-test", admin_key="sk-admin-test")
>>> keys.check({"authorization": "Bearer sk-test"}, admin=False)
>>> keys.check({"authorization": "Bearer sk-test"}, admin=True)
Traceback (most recent call last):
...
oai_mock.mockserver.errors.APIError: This operation needs an admin API key ...
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as token_source
from collections.abc import Mapping

from oai_mock.mockserver.errors import MISSING_KEY_MESSAGE, APIError
from oai_mock.mockserver.secrets import same_secret

ANY_KEY = "*"
SIGNATURE_PARAM = "sig"


class Keys:
    """``api_key``: None accepts any request, ``"*"`` any non-empty key, else that key.
    ``admin_key``: when set, the only key the admin operations accept."""

    def __init__(self, api_key: str | None = None, admin_key: str | None = None) -> None:
        self.api_key = api_key
        self.admin_key = admin_key
        self._url_secret = token_source.token_bytes(32)

    @property
    def configured(self) -> bool:
        return self.api_key is not None or self.admin_key is not None

    def check(self, headers: Mapping[str, str], *, admin: bool) -> None:
        """Raise OpenAI's 401 (no or a wrong key) or 403 (an ordinary key on an admin
        operation)."""
        expected = self.admin_key if admin and self.admin_key is not None else self.api_key
        if expected is None:
            return
        key = presented_key(headers)
        if not key:
            raise APIError(401, MISSING_KEY_MESSAGE)
        if expected == ANY_KEY or same_secret(key, expected):
            return
        if (
            admin
            and self.api_key is not None
            and (self.api_key == ANY_KEY or same_secret(key, self.api_key))
        ):
            raise APIError(
                403,
                "This operation needs an admin API key (admin keys start with 'sk-admin-'); "
                "the key provided is an ordinary API key.",
                code="insufficient_permissions",
            )
        shown = f"{key[:3]}{'*' * 8}{key[-4:]}" if len(key) > 8 else "*" * len(key)
        raise APIError(
            401,
            f"Incorrect API key provided: {shown}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        )

    def sign(self, name: str) -> str:
        """The query that lets a URL for ``name`` be fetched without a key ("" when no key is
        configured: then every URL is open)."""
        if not self.configured:
            return ""
        return f"?{SIGNATURE_PARAM}={self._signature(name)}"

    def signed(self, name: str, query: Mapping[str, str]) -> bool:
        given = query.get(SIGNATURE_PARAM, "")
        return bool(given) and hmac.compare_digest(given, self._signature(name))

    def _signature(self, name: str) -> str:
        return hmac.new(self._url_secret, name.encode(), hashlib.sha256).hexdigest()[:32]


def presented_key(headers: Mapping[str, str]) -> str:
    """The key a request carries: ``Authorization: Bearer`` (OpenAI) or ``api-key`` (Azure)."""
    auth = headers.get("authorization") or ""
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    return key or (headers.get("api-key") or "").strip()
