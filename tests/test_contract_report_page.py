"""The HTML report of a contract run, looked at in a headless browser (Debian's chromium driven
by Playwright): it fits 1280 px, its filters hide and show rows, and each failure shows its
shrunk request, a curl line and the answer."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from browser import CHROMIUM, CHROMIUM_FLAGS

from oai_mock import OpenAIMock
from oai_mock.contracts.html import html_report
from oai_mock.contracts.runner import ContractRun, Results

playwright = pytest.importorskip(
    "playwright.sync_api", reason="scripts/install-browser installs it"
)


def quirky_results() -> Results:
    mock = OpenAIMock(strict_models=True, quirks={"n-ignored", "no-done"})
    return ContractRun(
        mock.base_url,
        # Passing checks whose bodies never carry n (n-ignored would fail any chat body that
        # draws n=2, as it should).
        only=[
            "chat.n",
            "embeddings.schema",
            "stream.framing",
            "errors.unknown-path",
            "models.list",
        ],
        max_examples=2,
        http_client=mock.httpx_client,
    ).execute()


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no browser at {CHROMIUM}: scripts/install-browser installs it")
    report = tmp_path_factory.mktemp("report") / "report.html"
    report.write_text(html_report(quirky_results()), encoding="utf-8")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            view = browser.new_page(viewport={"width": 1280, "height": 900})
            view.goto(report.as_uri())
            yield view
        finally:
            browser.close()


def visible_rows(page: Any) -> list[str]:
    return list(
        page.eval_on_selector_all(
            "tr[data-outcome]",
            "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.outcome)",
        )
    )


def test_the_report_fits_1280_pixels(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.title().startswith("oai-mock contracts: http://oai-mock.local/v1")
    header = page.inner_text("header")
    for label in ("model", "date", "duration", "oai-mock", "OpenAI spec"):
        assert label in header


def test_the_filters_show_one_outcome_or_one_area(page: Any) -> None:
    assert sorted(set(visible_rows(page))) == ["failed", "passed"]
    page.select_option("#outcome", "failed")
    assert set(visible_rows(page)) == {"failed"} and len(visible_rows(page)) == 2
    page.select_option("#outcome", "")
    page.select_option("#area", "stream")
    assert len(visible_rows(page)) == 1
    page.select_option("#area", "")


def test_a_failure_shows_its_request_curl_and_answer(page: Any) -> None:
    row = page.locator("tr.failed", has_text="chat.n")
    text = row.inner_text()
    assert "shrunk request" in text and '"n":' in text
    assert "curl -X POST" in text and '"Authorization' not in text  # no key in this run
    row.locator("summary", has_text="the answer").click()
    assert "200 application/json" in row.inner_text()
