"""The HTML report of a contract run and the matrix page of several runs: one self-contained
file each (inline style and script, no network), readable at 1280 px."""

from __future__ import annotations

from html import escape
from typing import Any

from oai_mock.contracts.reports import MARKS, by_area, example_text
from oai_mock.contracts.runner import OUTCOMES, Results

STYLE = """
:root { --pass:#1a7f37; --fail:#cf222e; --waived:#9a6700; --na:#57606a; --skip:#8c959f;
  --line:#d0d7de; --soft:#f6f8fa; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
body { margin: 0; color:#1f2328; background:#fff; }
header { padding: 20px 32px; border-bottom: 1px solid var(--line); background: var(--soft); }
h1 { font-size: 22px; margin: 0 0 6px; } h2 { font-size: 17px; margin: 28px 0 8px; }
main { padding: 8px 32px 40px; max-width: 1200px; }
.meta { color:#57606a; font-size: 13px; display:flex; flex-wrap:wrap; gap: 4px 18px; }
.meta b { color:#1f2328; font-weight:600; }
.counts { display:flex; gap:10px; margin-top:14px; flex-wrap: wrap; }
.count { border:1px solid var(--line); border-radius:6px; padding:6px 12px; background:#fff;
  font-size:14px; } .count b { font-size:18px; margin-right:4px; }
.filters { position: sticky; top: 0; background:#fff; padding: 12px 0; display:flex; gap: 16px;
  flex-wrap: wrap; border-bottom:1px solid var(--line); z-index: 1; font-size: 14px; }
.filters label { margin-right: 8px; white-space: nowrap; } select { font-size: 14px; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 14px; }
th, td { text-align:left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top;
  overflow-wrap: anywhere; }
th { font-size: 12px; text-transform: uppercase; color:#57606a; }
col.id { width: 24%; } col.sev { width: 11%; } col.res { width: 9%; }
table.causes col.num { width: 8%; } table.causes col.checks { width: 36%; } th.num, td.num { text-align: right; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
pre { background: var(--soft); border:1px solid var(--line); border-radius:6px; padding: 8px 10px;
  white-space: pre-wrap; overflow-wrap:anywhere; margin: 4px 0 8px; max-height: 280px; overflow:auto; }
.badge { display:inline-block; border-radius: 10px; padding: 1px 8px; font-size: 12px; color:#fff;
  font-weight:600; }
.passed .badge { background: var(--pass); } .failed .badge { background: var(--fail); }
.waived .badge { background: var(--waived); } .unsupported .badge { background: var(--na); }
.skipped .badge { background: var(--skip); }
tr.failed td:first-child { border-left: 3px solid var(--fail); }
details summary { cursor: pointer; color:#0969da; margin-top: 4px; }
.source { color:#57606a; font-size: 12px; }
.area { font-weight:600; background: var(--soft); }
.matrix td.cell { text-align:center; }
"""

SCRIPT = """
function applyFilters() {
  const outcome = document.getElementById('outcome').value;
  const area = document.getElementById('area').value;
  document.querySelectorAll('tr[data-outcome]').forEach(row => {
    const show = (!outcome || row.dataset.outcome === outcome) && (!area || row.dataset.area === area);
    row.style.display = show ? '' : 'none';
  });
  document.querySelectorAll('tr[data-area-head]').forEach(head => {
    const rows = document.querySelectorAll(`tr[data-area="${head.dataset.areaHead}"]`);
    const any = Array.from(rows).some(row => row.style.display !== 'none');
    head.style.display = any ? '' : 'none';
  });
}
"""


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style><script>{SCRIPT}</script></head>"
        f"<body>{body}</body></html>\n"
    )


def _details(label: str, text: str | None, open_: bool = False) -> str:
    if not text:
        return ""
    return f"<details{' open' if open_ else ''}><summary>{escape(label)}</summary><pre>{escape(text)}</pre></details>"


def html_report(results: Results) -> str:
    counts = "".join(f"<div class='count {o}'><b>{results.count(o)}</b>{o}</div>" for o in OUTCOMES)
    meta = [
        ("backend", results.base_url),
        ("model", results.model_shown),
        ("date", results.started),
        ("duration", f"{results.seconds:.1f} s, {results.requests} requests"),
        ("oai-mock", results.kit_version),
        ("OpenAI spec", results.spec_version),
        ("schema profile", results.profile),
    ]
    if results.waivers:
        meta.append(("waivers", results.waivers))
    if results.retries:
        meta.append(("waited out", f"{results.retries} answers (429/503)"))
    areas = [area for area, _ in by_area(results)]
    options = "".join(f"<option value='{o}'>{o}</option>" for o in OUTCOMES)
    area_options = "".join(f"<option value='{escape(a)}'>{escape(a)}</option>" for a in areas)
    rows = []
    for area, items in by_area(results):
        rows.append(
            f"<tr data-area-head='{escape(area)}'><td colspan='4' class='area'>{escape(area)}</td></tr>"
        )
        for r in items:
            detail = escape(r.message or r.check.description)
            extra = ""
            if r.outcome in ("failed", "waived"):
                if r.waiver is not None:
                    link = f" <a href='{escape(r.waiver.link)}'>source</a>" if r.waiver.link else ""
                    extra += f"<div class='source'>waived: {escape(r.waiver.reason)}{link}</div>"
                extra += _details(
                    "shrunk request", example_text(r, 6000) or None, open_=r.outcome == "failed"
                )
                extra += _details("reproduce with curl", r.request, open_=r.outcome == "failed")
                extra += _details("the answer", r.response)
            elif r.outcome == "unsupported":
                extra += _details("the answer", r.response)
            for retry in r.retries:
                extra += f"<div class='source'>waited out: {escape(retry)}</div>"
            rows.append(
                f"<tr class='{r.outcome}' data-outcome='{r.outcome}' data-area='{escape(area)}'>"
                f"<td><code>{escape(r.check.id)}</code><div class='source'>{escape(r.check.source)}</div></td>"
                f"<td>{r.check.severity}</td><td><span class='badge'>{MARKS[r.outcome]}</span></td>"
                f"<td>{detail}{extra}</td></tr>"
            )
    notes = "".join(f"<li>{escape(n)}</li>" for n in results.notes)
    causes = "".join(
        f"<tr><td class='num'>{len(c.checks)}</td><td>{escape(c.problem)}</td>"
        f"<td>{', '.join(f'<code>{escape(name)}</code>' for name in c.checks)}</td></tr>"
        for c in results.causes()
    )
    by_problem = (
        "<h2>Failures by problem</h2><table class='causes'>"
        "<colgroup><col class='num'><col><col class='checks'></colgroup>"
        "<tr><th class='num'>checks</th><th>problem</th><th>failed checks</th></tr>"
        + causes
        + "</table>"
        if causes
        else ""
    )
    body = (
        f"<header><h1>Conformance of {escape(results.base_url)}</h1><div class='meta'>"
        + "".join(f"<span>{escape(k)}: <b>{escape(v)}</b></span>" for k, v in meta)
        + f"</div><div class='counts'>{counts}</div></header><main>"
        "<div class='filters'>"
        f"<label>Outcome <select id='outcome' onchange='applyFilters()'><option value=''>all</option>{options}</select></label>"
        f"<label>Area <select id='area' onchange='applyFilters()'><option value=''>all</option>{area_options}</select></label>"
        "</div><table><colgroup><col class='id'><col class='sev'><col class='res'><col></colgroup>"
        "<tr><th>check</th><th>severity</th><th>result</th><th>detail</th></tr>"
        + "".join(rows)
        + "</table>"
        + by_problem
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + "</main>"
    )
    return _page(f"oai-mock contracts: {results.base_url}", body)


def matrix_html(runs: list[dict[str, Any]], names: list[str]) -> str:
    """One row per check, one column per run (each a ``--json`` result)."""
    checks: dict[str, dict[str, Any]] = {}
    for run in runs:
        for item in run.get("results", []):
            checks.setdefault(item["id"], item)
    head = "".join(
        f"<th>{escape(name)}<div class='source'>{escape(str(run.get('base_url', '')))}<br>"
        f"{run.get('passed', 0)} passed, {run.get('failed', 0)} failed</div></th>"
        for name, run in zip(names, runs, strict=True)
    )
    lookup = [{item["id"]: item for item in run.get("results", [])} for run in runs]
    rows = []
    for check_id in sorted(checks, key=lambda c: (c.split(".")[0], c)):
        info = checks[check_id]
        cells = []
        for found in lookup:
            item = found.get(check_id)
            outcome = item["outcome"] if item else "skipped"
            title = escape((item or {}).get("message") or "not run")
            label = MARKS.get(outcome, outcome) if item else "-"
            cells.append(
                f"<td class='cell {outcome}' title='{title}'><span class='badge'>{label}</span></td>"
            )
        rows.append(
            f"<tr data-outcome='' data-area='{escape(info['area'])}'><td><code>{escape(check_id)}</code>"
            f"<div class='source'>{escape(info.get('description', ''))}</div></td>"
            f"<td>{escape(info.get('severity', ''))}</td>{''.join(cells)}</tr>"
        )
    body = (
        "<header><h1>OpenAI compatibility matrix</h1><div class='meta'>"
        f"<span>runs: <b>{len(runs)}</b></span><span>checks: <b>{len(checks)}</b></span></div></header>"
        "<main><table class='matrix'><tr><th>check</th><th>severity</th>"
        + head
        + "</tr>"
        + "".join(rows)
        + "</table></main>"
    )
    return _page("oai-mock compatibility matrix", body)
