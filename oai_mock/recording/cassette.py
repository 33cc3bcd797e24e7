"""The cassette file: recorded exchanges as readable, diff-friendly YAML, validated on load.

A cassette is a multi-document YAML file. The first document says what it is; each further
document is one exchange, in the order the answers completed::

    oai_mock_cassette: 1
    recorded_with: oai-mock 0.1.0
    upstream: https://api.openai.com/v1
    ---
    operation: createChatCompletion
    recorded_at: '2026-01-05T10:00:00Z'
    request:
      method: POST
      path: /v1/chat/completions
      headers: {authorization: <scrubbed>, content-type: application/json}
      json: {model: gpt-4o-mini, messages: [{role: user, content: Hi}]}
    response:
      status: 200
      after: 0.412
      headers: {content-type: application/json, x-request-id: req_123}
      json: {id: chatcmpl-1, object: chat.completion, ...}
      layout: pretty

A body is written as ``json`` when re-encoding it gives the exact bytes back (``layout`` names
the encoding when it is not compact: ``spaced`` or ``pretty``, plus ``+newline``), else as
``text``, else as ``base64``. A streamed answer has ``events`` instead: one entry per
server-sent event with ``at`` (seconds after the head) and its ``data`` (a JSON value), or
``text`` (data that is not JSON, such as ``[DONE]``), plus ``event`` when it is named; an event
whose framing is not OpenAI's exact ``data: ...`` lines is kept as ``raw``.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
import yaml

from oai_mock import __version__
from oai_mock.mockserver.messages import MockRequest
from oai_mock.recording.exchange import Exchange, RecordedResponse, StreamEvent
from oai_mock.sse import encode_event

FORMAT = 1
"""The cassette format this version writes and reads."""
MAGIC = "oai_mock_cassette"

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class CassetteError(ValueError):
    """A cassette that cannot be read: the message names the file and line."""


# -- bodies: exact bytes <-> readable YAML ---------------------------------------------------


def _python(value: Any, **options: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, **options).encode()


_LAYOUTS: dict[str, Callable[[Any], bytes]] = {
    "compact": orjson.dumps,
    "pretty": lambda value: _python(value, indent=2),
    "spaced": _python,
    "compact-ascii": lambda value: json.dumps(value, separators=(",", ":")).encode(),
    "pretty-ascii": lambda value: json.dumps(value, indent=2).encode(),
    "spaced-ascii": lambda value: json.dumps(value).encode(),
}


def encode_body(data: bytes, content_type: str | None) -> dict[str, Any]:
    """The readable form of a body that gives ``data`` back exactly."""
    if not data:
        return {}
    if data.lstrip()[:1] in (b"{", b"["):
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            value = None
        if value is not None:
            for name, encode in _LAYOUTS.items():
                encoded = encode(value)
                for suffix, tail in (("", b""), ("+newline", b"\n")):
                    if encoded + tail == data:
                        layout = name + suffix
                        return {"json": value} | ({} if layout == "compact" else {"layout": layout})
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode()}
    if "\x00" in text:
        return {"base64": base64.b64encode(data).decode()}
    return {"text": text}


def decode_body(entry: dict[str, Any], where: str) -> bytes:
    kinds = [k for k in ("json", "text", "base64") if k in entry]
    if len(kinds) > 1:
        raise CassetteError(f"{where}: a body is one of json, text or base64, not {kinds}")
    if not kinds:
        return b""
    kind = kinds[0]
    value = entry[kind]
    if kind == "json":
        layout = str(entry.get("layout", "compact"))
        name, _, newline = layout.partition("+")
        if name not in _LAYOUTS or newline not in ("", "newline"):
            raise CassetteError(
                f"{where}: unknown layout {layout!r}; one of {sorted(_LAYOUTS)} (+newline)"
            )
        return _LAYOUTS[name](value) + (b"\n" if newline else b"")
    if not isinstance(value, str):
        raise CassetteError(f"{where}: {kind} must be a string, not {type(value).__name__}")
    if kind == "text":
        return value.encode()
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise CassetteError(f"{where}: base64 is not valid base64") from None


def encode_event_entry(event: StreamEvent) -> dict[str, Any]:
    entry: dict[str, Any] = {"at": round(event.at, 4)}
    try:
        text = event.raw.decode("utf-8")
    except UnicodeDecodeError:
        return entry | {"raw": base64.b64encode(event.raw).decode(), "raw_encoding": "base64"}
    name: str | None = None
    body = text
    if text.startswith("event: "):
        name, _, body = text[len("event: ") :].partition("\n")
    if body.startswith("data: ") and body.endswith("\n\n"):
        data = body[len("data: ") : -2]
        if "\n" not in data and "\r" not in data:
            with_name = {"event": name} if name is not None else {}
            try:
                value = orjson.loads(data)
            except orjson.JSONDecodeError:
                value = None
                if encode_event(data, event=name) == event.raw:
                    return entry | with_name | {"text": data}
            if value is not None and encode_event(value, event=name) == event.raw:
                return (
                    entry | with_name | {"data": _Flow(value) if isinstance(value, dict) else value}
                )
    return entry | {"raw": text}


def decode_event_entry(entry: dict[str, Any], where: str) -> StreamEvent:
    at = entry.get("at", 0.0)
    if isinstance(at, bool) or not isinstance(at, (int, float)) or at < 0:
        raise CassetteError(f"{where}: 'at' must be seconds (a number, 0 or more), not {at!r}")
    name = entry.get("event")
    if name is not None and not isinstance(name, str):
        raise CassetteError(f"{where}: 'event' must be a string")
    if "raw" in entry:
        raw = entry["raw"]
        if not isinstance(raw, str):
            raise CassetteError(f"{where}: 'raw' must be a string")
        if entry.get("raw_encoding") == "base64":
            return StreamEvent(float(at), base64.b64decode(raw))
        return StreamEvent(float(at), raw.encode())
    if "data" in entry:
        return StreamEvent(float(at), encode_event(entry["data"], event=name))
    if "text" in entry:
        if not isinstance(entry["text"], str):
            raise CassetteError(f"{where}: 'text' must be a string")
        return StreamEvent(float(at), encode_event(entry["text"], event=name))
    raise CassetteError(f"{where}: an event needs 'data', 'text' or 'raw'")


# -- exchanges: readable documents ------------------------------------------------------------


def _headers_entry(headers: Iterable[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in headers:
        if name in out:
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def _header_pairs(entry: Any, where: str) -> list[tuple[str, str]]:
    if entry is None:
        return []
    if not isinstance(entry, dict):
        raise CassetteError(f"{where}: headers must be a mapping of name to value")
    pairs = []
    for name, value in entry.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if not isinstance(item, (str, int, float)) or isinstance(item, bool):
                raise CassetteError(f"{where}: header {name!r} must be a string")
            pairs.append((str(name), str(item)))
    return pairs


def exchange_document(exchange: Exchange) -> dict[str, Any]:
    request = exchange.request
    response = exchange.response
    request_entry: dict[str, Any] = {"method": request.method, "path": request.path}
    if request.query:
        request_entry["query"] = _headers_entry(request.query)
    if request.headers:
        request_entry["headers"] = dict(request.headers)
    request_entry |= encode_body(request.body, request.header("content-type"))
    response_entry: dict[str, Any] = {"status": response.status, "after": round(response.after, 4)}
    if response.headers:
        response_entry["headers"] = _headers_entry(response.headers)
    if response.events is not None:
        response_entry["events"] = [encode_event_entry(event) for event in response.events]
    else:
        response_entry |= encode_body(response.body, response.header("content-type"))
    document: dict[str, Any] = {}
    if exchange.operation:
        document["operation"] = exchange.operation
    if exchange.recorded_at:
        document["recorded_at"] = exchange.recorded_at
    document["request"] = request_entry
    document["response"] = response_entry
    return document


class _Located(dict[str, Any]):
    """A mapping read from YAML that remembers its line."""

    line = 0


class _LineLoader(_Loader):  # type: ignore[misc]
    pass


def _construct_mapping(loader: Any, node: Any) -> Any:
    data = _Located()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node, deep=True))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _where(path: str, entry: Any, fallback: int) -> str:
    return f"{path}:{getattr(entry, 'line', 0) or fallback}"


def _mapping(value: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CassetteError(f"{where}: {what} must be a mapping, not {type(value).__name__}")
    return value


def _known(entry: dict[str, Any], allowed: set[str], where: str, what: str) -> None:
    unknown = sorted(set(map(str, entry)) - allowed)
    if unknown:
        raise CassetteError(
            f"{where}: unknown key(s) {unknown} in {what}; allowed: {sorted(allowed)}"
        )


REQUEST_KEYS = {"method", "path", "query", "headers", "json", "layout", "text", "base64"}
RESPONSE_KEYS = {"status", "after", "headers", "events", "json", "layout", "text", "base64"}
EVENT_KEYS = {"at", "event", "data", "text", "raw", "raw_encoding"}


def parse_exchange(document: Any, path: str, line: int) -> Exchange:
    where = _where(path, document, line)
    document = _mapping(document, where, "an exchange")
    _known(document, {"operation", "recorded_at", "request", "response"}, where, "an exchange")
    for key in ("request", "response"):
        if key not in document:
            raise CassetteError(f"{where}: the exchange has no {key!r}")
    request_entry = _mapping(
        document["request"], _where(path, document["request"], line), "request"
    )
    where = _where(path, request_entry, line)
    _known(request_entry, REQUEST_KEYS, where, "a request")
    method, request_path = request_entry.get("method"), request_entry.get("path")
    if not isinstance(method, str) or not isinstance(request_path, str) or not request_path:
        raise CassetteError(f"{where}: a request needs a method and a path (strings)")
    headers = {k.lower(): v for k, v in _header_pairs(request_entry.get("headers"), where)}
    request = MockRequest(
        method=method.upper(),
        path=request_path,
        query=tuple(_header_pairs(request_entry.get("query"), where)),
        headers=headers,
        body=decode_body(request_entry, where),
    )
    response_entry = _mapping(
        document["response"], _where(path, document["response"], line), "response"
    )
    where = _where(path, response_entry, line)
    _known(response_entry, RESPONSE_KEYS, where, "a response")
    status = response_entry.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise CassetteError(f"{where}: status must be an HTTP status (100-599), not {status!r}")
    after = response_entry.get("after", 0.0)
    if isinstance(after, bool) or not isinstance(after, (int, float)) or after < 0:
        raise CassetteError(f"{where}: 'after' must be seconds (0 or more), not {after!r}")
    response = RecordedResponse(
        status, _header_pairs(response_entry.get("headers"), where), after=float(after)
    )
    if "events" in response_entry:
        if any(k in response_entry for k in ("json", "text", "base64")):
            raise CassetteError(f"{where}: a response has events or a body, not both")
        events = response_entry["events"]
        if not isinstance(events, list):
            raise CassetteError(f"{where}: events must be a list")
        response.events = []
        for event in events:
            event_where = _where(path, event, line)
            event = _mapping(event, event_where, "an event")
            _known(event, EVENT_KEYS, event_where, "an event")
            response.events.append(decode_event_entry(event, event_where))
    else:
        response.body = decode_body(response_entry, where)
    operation = document.get("operation")
    return Exchange(
        request,
        response,
        operation=operation if isinstance(operation, str) else None,
        recorded_at=str(document.get("recorded_at") or ""),
        line=getattr(document, "line", line),
        source=path,
    )


def parse_cassette(text: str, path: str = "<cassette>") -> list[Exchange]:
    """Every exchange of a cassette's text; :class:`CassetteError` (with file and line) for
    anything that is not a cassette this version can read."""
    try:
        documents = list(yaml.load_all(text, Loader=_LineLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 0
        problem = error.problem or error.context or "invalid YAML"
        raise CassetteError(f"{path}:{line}: not valid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise CassetteError(f"{path}: not valid YAML: {error}") from None
    if not documents or not isinstance(documents[0], dict) or MAGIC not in documents[0]:
        raise CassetteError(
            f"{path}:1: not an oai-mock cassette (its first document must say '{MAGIC}: {FORMAT}')"
        )
    version = documents[0][MAGIC]
    if version != FORMAT:
        newer = isinstance(version, int) and version > FORMAT
        hint = "a newer oai-mock wrote it; upgrade to read it" if newer else "not a known format"
        raise CassetteError(
            f"{path}:1: cassette format {version!r}: this oai-mock reads format {FORMAT} ({hint})"
        )
    return [parse_exchange(doc, path, 1) for doc in documents[1:] if doc is not None]


def load_cassette(path: str | Path) -> list[Exchange]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CassetteError(f"{path}: not UTF-8 text ({error.reason})") from None
    return parse_cassette(text, str(path))


def cassette_files(location: str | Path) -> list[Path]:
    """A cassette file, or the ``*.yaml`` / ``*.yml`` cassettes of a folder (sorted)."""
    location = Path(location)
    if location.is_dir():
        return sorted(p for p in location.iterdir() if p.suffix in (".yaml", ".yml"))
    return [location]


def load_cassettes(location: str | Path) -> list[Exchange]:
    exchanges: list[Exchange] = []
    for path in cassette_files(location):
        exchanges.extend(load_cassette(path))
    return exchanges


# -- writing ----------------------------------------------------------------------------------


class _Dumper(_BaseDumper):  # type: ignore[misc]
    pass


def _represent_str(dumper: Any, value: str) -> Any:
    # Multi-line text (a body, a raw event) as a literal block: it reads and diffs by line.
    style = "|" if "\n" in value and "\r" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _Flow(dict[str, Any]):
    """An event's data, written on as few lines as it fits: a stream reads event by event."""


def _represent_flow(dumper: Any, value: _Flow) -> Any:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)


def dump_document(document: dict[str, Any]) -> str:
    text: str = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return text


class CassetteWriter:
    """Writes a cassette file, replacing it whole after each exchange (a temporary file, then
    a rename), so that a reader or a crash never sees half an exchange."""

    def __init__(
        self, path: str | Path, upstream: str | None = None, keep: Iterable[Exchange] = ()
    ) -> None:
        self.path = Path(path)
        header: dict[str, Any] = {MAGIC: FORMAT, "recorded_with": f"oai-mock {__version__}"}
        if upstream:
            header["upstream"] = upstream
        self._header = dump_document(header)
        self._documents = [dump_document(exchange_document(e)) for e in keep]
        self._lock = threading.Lock()
        self.count = len(self._documents)
        self.on_write: Callable[[Exchange], None] | None = None
        """Called after each exchange is on disk (``oai-mock record`` logs it)."""

    def add(self, exchange: Exchange) -> None:
        document = dump_document(exchange_document(exchange))
        with self._lock:
            self._documents.append(document)
            self.count = len(self._documents)
            self._write()
        if self.on_write is not None:
            self.on_write(exchange)

    def flush(self) -> None:
        with self._lock:
            self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = "---\n".join([self._header, *self._documents])
        handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as output:
                output.write(text)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
