"""The inspector page in a real headless browser (Debian's chromium driven by Playwright, both
installed by scripts/install-browser): requests made after the page opened appear without a
reload, one opens with its body and stream events, secrets stay masked, and the screenshot the
README shows is taken from this run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser import CHROMIUM, CHROMIUM_FLAGS
from served import ServedFake

KEY = "sk-inspector-test-secret-9876"
# The README's screenshot is this test's: OAI_MOCK_INSPECTOR_SCREENSHOT=docs/inspector.png
# rewrites it; by default it goes to the test's temporary folder, leaving the tree clean.
SCREENSHOT_TO = os.environ.get("OAI_MOCK_INSPECTOR_SCREENSHOT")

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: run scripts/install-browser"
)
if not shutil.which(CHROMIUM):
    pytest.skip(f"no browser at {CHROMIUM}: run scripts/install-browser", allow_module_level=True)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedFake]:
    fake = ServedFake(
        tmp_path / "serve.log", "--api-key", KEY, "--clock", "frozen", "--lifecycle", "manual"
    )
    yield fake
    assert fake.stop() == 0


def test_the_inspector_shows_requests_live_and_opens_one(
    served: ServedFake, tmp_path: Path
) -> None:
    screenshot = Path(SCREENSHOT_TO) if SCREENSHOT_TO else tmp_path / "inspector.png"
    base = served.url.removesuffix("/v1")
    auth = {"authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=served.url, headers=auth, timeout=10) as api:
        api.post(
            base + "/__oai_mock/rules",
            json={
                "name": "weather",
                "operation": "chat",
                "contains": "weather",
                "reply": {"content": "Sunny, 22 degrees.", "chunk_delay": 0.02},
                "times": None,
            },
        )
        api.post("/files", files={"file": ("notes.txt", b"hello")}, data={"purpose": "assistants"})

        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                page.goto(f"{base}/__oai_mock/#key={KEY}")
                page.wait_for_selector("#live:text('live')", timeout=20_000)
                assert KEY not in page.url  # the key left the address bar
                rows = page.locator("#exchanges tbody tr")
                assert rows.count() == 1  # the upload made before the page opened

                # Made after the page opened: they must arrive over the event stream.
                chat = {"model": "gpt-4o-mini", "stream": True}
                chat["messages"] = [{"role": "user", "content": "What is the weather?"}]
                with api.stream("POST", "/chat/completions", json=chat) as stream:
                    stream.read()
                api.post("/embeddings", json={"model": "text-embedding-3-small"})  # 400
                page.wait_for_function(
                    "document.querySelectorAll('#exchanges tbody tr').length === 3",
                    timeout=20_000,
                )
                first = rows.nth(0).inner_text()
                assert "/v1/embeddings" in first and "400" in first and "createEmbedding" in first
                streamed = rows.nth(1)
                page.wait_for_function(
                    "!document.querySelectorAll('#exchanges tbody tr')[1].innerText.includes('…')",
                    timeout=20_000,
                )
                text = streamed.inner_text()
                assert "createChatCompletion" in text and "200" in text and "gpt-4o-mini" in text
                assert " ms" in text

                # The side panels follow the exchange's end (the rule's count moves to 1).
                page.wait_for_selector("#rules .used:text('used 1 / ∞')", timeout=20_000)
                assert "rule_1 · weather" in page.locator("#rules").inner_text()
                assert "file" in page.locator("#objects").inner_text()
                assert "2025-01-01" in page.locator("#clock").inner_text()

                streamed.click()
                page.wait_for_selector("#detail .events", timeout=20_000)
                detail = page.locator("#detail").inner_text()
                assert "rule_1 (weather)" in detail
                assert "What is the weather?" in detail
                assert "data: [DONE]" in detail and "+" in detail
                page.locator("#detail .events").scroll_into_view_if_needed()
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot))

                page.get_by_text("Request headers").click()
                headers = page.locator("#detail").inner_text()
                assert "authorization" in headers and KEY not in headers
                assert KEY not in page.content()
            finally:
                browser.close()
    assert screenshot.stat().st_size > 10_000


def test_the_page_asks_for_the_key_and_its_assets_are_local(served: ServedFake) -> None:
    base = served.url.removesuffix("/v1")
    page_html = httpx.get(base + "/__oai_mock/", timeout=10)
    assert page_html.status_code == 200 and "oai-mock inspector" in page_html.text
    assert "http://" not in page_html.text and "https://" not in page_html.text  # no CDN
    for asset in ("inspector.js", "inspector.css"):
        served_asset = httpx.get(f"{base}/__oai_mock/static/{asset}", timeout=10)
        assert served_asset.status_code == 200 and "https://" not in served_asset.text
    assert httpx.get(base + "/__oai_mock/events", timeout=10).status_code == 401
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(base + "/__oai_mock/")
            page.wait_for_selector("#key-form:not([hidden])", timeout=20_000)
            page.fill("#key", KEY)
            page.click("#key-form button")
            page.wait_for_selector("#live:text('live')", timeout=20_000)
        finally:
            browser.close()
