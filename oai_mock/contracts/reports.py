"""Reports of a contract run: a terminal table grouped by area, JUnit XML and Markdown with the
failures' details. The HTML report and the matrix page are in :mod:`oai_mock.contracts.html`."""

from __future__ import annotations

import textwrap
from itertools import groupby
from xml.etree import ElementTree

import orjson

from oai_mock.contracts.runner import OUTCOMES, Result, Results

MARKS = {
    "passed": "PASS",
    "failed": "FAIL",
    "waived": "WAIVED",
    "unsupported": "N/A",
    "skipped": "skip",
}


def by_area(results: Results) -> list[tuple[str, list[Result]]]:
    ordered = sorted(results.results, key=lambda r: r.check.area)
    return [(area, list(items)) for area, items in groupby(ordered, key=lambda r: r.check.area)]


def example_text(result: Result, limit: int = 2000) -> str:
    text = orjson.dumps(result.example).decode() if result.example is not None else ""
    return text if len(text) <= limit else text[:limit] + "..."


def terminal(results: Results, width: int = 110) -> str:
    """An aligned table, grouped by area, then each failure in full."""
    id_width = max([len(r.check.id) for r in results.results] + [5]) + 2
    lines = [
        f"contracts against {results.base_url} (model {results.model_shown}, {results.profile} profile)",
    ]
    detail_width = max(20, width - id_width - 13 - 8)
    for area, items in by_area(results):
        counts = ", ".join(
            f"{sum(r.outcome == o for r in items)} {o}"
            for o in OUTCOMES
            if any(r.outcome == o for r in items)
        )
        lines += ["", f"{area} ({counts})"]
        for r in items:
            detail = (r.message.splitlines()[0] if r.message else r.check.description).strip()
            if len(detail) > detail_width:
                detail = detail[: detail_width - 1] + "…"
            lines.append(
                f"  {r.check.id:<{id_width}}{r.check.severity:<13}{MARKS[r.outcome]:<8}{detail}"
            )
    lines += cause_lines(results, width)
    failures = [r for r in results.results if r.outcome in ("failed", "waived")]
    if failures:
        lines.append("")
    for r in failures:
        head = "FAILED" if r.outcome == "failed" else "WAIVED"
        lines.append(f"{head} {r.check.id} [{r.check.severity}]: {r.message}")
        if r.waiver is not None:
            lines.append(f"  waived: {r.waiver.reason} {r.waiver.link}".rstrip())
        if r.example is not None:
            lines.append(
                textwrap.shorten(f"  shrunk request: {example_text(r)}", 600, placeholder=" ...")
            )
        if r.request:
            lines.append(f"  reproduce: {r.request}"[:1500])
        if r.response:
            lines.append(f"  answer: {r.response}"[:600])
    for r in results.results:
        for retry in r.retries:
            lines.append(f"waited out in {r.check.id}: {retry}")
    for note in results.notes:
        lines.append(f"note: {note}")
    lines += ["", results.summary()]
    return "\n".join(lines)


def cause_lines(results: Results, width: int = 110) -> list[str]:
    """The failed checks grouped by the problem behind them (see :mod:`causes`)."""
    found = results.causes()
    if not found:
        return []
    failed = results.count("failed")
    lines = [
        "",
        f"{failed} failed {'check' if failed == 1 else 'checks'} on "
        f"{len(found)} {'problem' if len(found) == 1 else 'problems'}, the most widespread first:",
    ]
    for cause in found:
        count = f"{len(cause.checks)} {'check' if len(cause.checks) == 1 else 'checks'}"
        room = max(40, width - 14)
        problem = textwrap.shorten(cause.problem, room, placeholder=" …", break_on_hyphens=False)
        lines.append(f"  {count:<10}  {problem}")
        names = ", ".join(cause.checks)
        names = textwrap.shorten(names, room, placeholder=" …", break_on_hyphens=False)
        lines.append(f"{'':14}{names}")
    return lines


def junit(results: Results) -> bytes:
    suite = ElementTree.Element(
        "testsuite",
        name="oai-mock contracts",
        tests=str(len(results.results)),
        failures=str(results.count("failed")),
        skipped=str(
            results.count("skipped") + results.count("unsupported") + results.count("waived")
        ),
        time=f"{results.seconds:.3f}",
        timestamp=results.started,
    )
    for r in results.results:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=f"contracts.{r.check.area}",
            name=r.check.id,
            time=f"{r.seconds:.3f}",
        )
        if r.outcome == "failed":
            failure = ElementTree.SubElement(
                case, "failure", message=r.message[:500], type=r.check.severity
            )
            failure.text = "\n".join(
                x for x in (r.message, example_text(r), r.request or "", r.response or "") if x
            )
        elif r.outcome != "passed":
            reason = f"{r.outcome}: {r.message}" + (f" ({r.waiver.reason})" if r.waiver else "")
            ElementTree.SubElement(case, "skipped", message=reason)
    xml: bytes = ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)
    return xml


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(results: Results) -> str:
    counts = ", ".join(f"{results.count(o)} {o}" for o in OUTCOMES)
    lines = [
        f"# Conformance of {results.base_url}",
        "",
        f"Model `{results.model_shown}`, {results.profile} profile, {results.started}, "
        f"oai-mock {results.kit_version}, OpenAI spec {results.spec_version}: **{counts}** "
        f"({results.requests} requests, {results.seconds:.1f} s).",
    ]
    if results.waivers:
        lines += ["", f"Known deviations waived from `{results.waivers}`."]
    for area, items in by_area(results):
        lines += [
            "",
            f"## {area}",
            "",
            "| check | severity | result | detail |",
            "| --- | --- | --- | --- |",
        ]
        for r in items:
            detail = _cell(r.message or r.check.description)[:200]
            lines.append(f"| `{r.check.id}` | {r.check.severity} | {MARKS[r.outcome]} | {detail} |")
    found = results.causes()
    if found:
        lines += [
            "",
            "## Failures by problem",
            "",
            "One deviation of a backend can fail every check whose answer shows it.",
            "",
            "| checks | problem | failed checks |",
            "| ---: | --- | --- |",
        ]
        for cause in found:
            names = ", ".join(f"`{name}`" for name in cause.checks)
            lines.append(f"| {len(cause.checks)} | {_cell(cause.problem)[:300]} | {names} |")
    failures = [r for r in results.results if r.outcome in ("failed", "waived")]
    if failures:
        lines += ["", "## Failures"]
    for r in failures:
        lines += [
            "",
            f"### `{r.check.id}` ({r.check.severity}, {r.outcome})",
            "",
            r.message,
            "",
            f"Rule: {r.check.description} ({r.check.source}).",
        ]
        if r.waiver is not None:
            lines += ["", f"Waived: {r.waiver.reason} {r.waiver.link}".rstrip()]
        if r.example is not None:
            lines += ["", "Shrunk request:", "", "```json", example_text(r, 4000), "```"]
        if r.request:
            lines += ["", "Reproduce:", "", "```sh", r.request, "```"]
        if r.response:
            lines += ["", "Answer:", "", "```", r.response, "```"]
    if results.notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in results.notes]
    return "\n".join(lines) + "\n"
