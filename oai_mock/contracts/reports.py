"""Reports of a contract run: a terminal summary, JUnit XML, Markdown and HTML matrices."""

from __future__ import annotations

import html
from xml.etree import ElementTree

from oai_mock.contracts.runner import Results

MARKS = {"passed": "PASS", "failed": "FAIL", "skipped": "skip"}


def terminal(results: Results) -> str:
    lines = [
        f"contracts against {results.base_url} (model {results.model}, {results.profile} profile)",
        f"{'check':<28}{'severity':<13}{'result':<8}detail",
    ]
    for r in results.results:
        detail = r.message.splitlines()[0][:90] if r.message else r.check.description[:90]
        lines.append(f"{r.check.id:<28}{r.check.severity:<13}{MARKS[r.outcome]:<8}{detail}")
    lines.append("")
    for r in results.results:
        if r.outcome == "failed":
            lines.append(f"FAILED {r.check.id}: {r.message}")
            if r.example is not None:
                lines.append(f"  shrunk example: {r.example!r}"[:500])
            if r.request:
                lines.append(f"  reproduce: {r.request}"[:1000])
            if r.response:
                lines.append(f"  answer: {r.response}"[:500])
    lines.append(
        f"{results.count('passed')} passed, {results.count('failed')} failed, "
        f"{results.count('skipped')} skipped ({results.requests} requests, {results.seconds:.1f} s)"
    )
    return "\n".join(lines)


def junit(results: Results) -> bytes:
    suite = ElementTree.Element(
        "testsuite",
        name="oai-mock contracts",
        tests=str(len(results.results)),
        failures=str(results.count("failed")),
        skipped=str(results.count("skipped")),
        time=f"{results.seconds:.3f}",
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
            failure.text = "\n".join(x for x in (r.message, r.request or "", r.response or "") if x)
        elif r.outcome == "skipped":
            ElementTree.SubElement(case, "skipped", message=r.message)
    xml: bytes = ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)
    return xml


def markdown(results: Results) -> str:
    lines = [
        f"# Conformance of {results.base_url}",
        "",
        f"Model `{results.model}`, {results.profile} profile: **{results.count('passed')} passed, "
        f"{results.count('failed')} failed, {results.count('skipped')} skipped**.",
        "",
        "| check | severity | result | detail |",
        "| --- | --- | --- | --- |",
    ]
    for r in results.results:
        detail = (r.message or r.check.description).replace("|", "\\|").replace("\n", " ")[:160]
        lines.append(f"| `{r.check.id}` | {r.check.severity} | {MARKS[r.outcome]} | {detail} |")
    return "\n".join(lines) + "\n"


def html_report(results: Results) -> str:
    rows = []
    for r in results.results:
        color = {"passed": "#d7f5dd", "failed": "#f9d6d5", "skipped": "#eeeeee"}[r.outcome]
        rows.append(
            f"<tr style='background:{color}'><td><code>{html.escape(r.check.id)}</code></td>"
            f"<td>{r.check.severity}</td><td>{MARKS[r.outcome]}</td>"
            f"<td>{html.escape(r.message or r.check.description)}"
            + (f"<pre>{html.escape(r.request)}</pre>" if r.request else "")
            + "</td></tr>"
        )
    return (
        "<!doctype html><meta charset='utf-8'><title>oai-mock contracts</title>"
        f"<h1>Conformance of {html.escape(results.base_url)}</h1>"
        f"<p>Model <code>{html.escape(results.model)}</code>, {results.profile} profile: "
        f"{results.count('passed')} passed, {results.count('failed')} failed, "
        f"{results.count('skipped')} skipped.</p>"
        "<table border='1' cellpadding='4' style='border-collapse:collapse'>"
        "<tr><th>check</th><th>severity</th><th>result</th><th>detail</th></tr>"
        + "".join(rows)
        + "</table>\n"
    )
