"""How scripts/sdk-suite reads the official suite's report: a failure is the fake's defect
unless it is one of the documented kinds counted apart, each with its reason."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "sdk_suite.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sdk_suite", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("sdk_suite", module)
    spec.loader.exec_module(module)
    return module


REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="tests.api_resources.test_a.TestA" name="test_method_list_with_all_params[strict]">
<failure message="openai.BadRequestError: Error code: 400">E openai.BadRequestError: Error code: 400 - {'error': {'message': "Invalid 'limit': integer below minimum value. Expected a value &gt;= 1, but got 0 instead."}}</failure>
</testcase>
<testcase classname="tests.api_resources.test_a.TestA" name="test_method_create[strict]">
<failure message="openai.APIResponseValidationError">E pydantic_core._pydantic_core.ValidationError: 1 validation error for CreateEmbeddingResponse
E data.0.embedding
E   Input should be a valid list [type=list_type, input_value='w+ASu8N4Ezukpwa88AEROurd...rvWWtK6AOr+uVII6DvePoa7', input_type=str]</failure>
</testcase>
<testcase classname="tests.api_resources.test_a.TestA" name="test_method_update[loose]">
<failure message="openai.BadRequestError: Error code: 400 - Unrecognized request argument supplied: geography">E</failure>
</testcase>
<testcase classname="tests.api_resources.test_a.TestA" name="test_method_retrieve[strict]">
<failure message="openai.NotFoundError: Error code: 404 - No assistant found">E</failure>
</testcase>
<testcase classname="tests.api_resources.test_a.TestA" name="test_method_delete_with_all_params[loose]"/>
<testcase classname="tests.api_resources.test_a.TestA" name="test_method_other[loose]"><skipped message="suite"/></testcase>
</testsuite></testsuites>
"""


def test_failures_are_defects_unless_a_documented_kind_explains_them(tmp_path: Path) -> None:
    script = load_script()
    report = tmp_path / "report.xml"
    report.write_text(REPORT)
    outcome = script.read_report("3.3.1", report)
    assert outcome.passed == 1 and outcome.skipped == 1
    assert [name for name, _ in outcome.failed] == [
        "tests.api_resources.test_a.TestA::test_method_retrieve[strict]"
    ]
    assert sorted(outcome.apart) == [
        (
            "OpenAI refuses",
            "the suite sends limit=0; OpenAI refuses values below 1 (documented, "
            "not in the spec's schema)",
        ),
        (
            "SDK strict mode",
            "strict validation refuses the base64 embedding the SDK asked for "
            "before decoding it (as against OpenAI)",
        ),
        ("newer spec", "the SDK sends an argument the pinned spec does not define: geography"),
    ]
    assert outcome.all_params == [False, True]


def test_an_embedding_refused_for_another_reason_stays_a_failure() -> None:
    script = load_script()
    text = (
        "1 validation error for CreateEmbeddingResponse\ndata.0.embedding\n  Input should be a "
        "valid list [type=list_type, input_value=None, input_type=NoneType]"
    )
    assert script.reason_apart(text) is None


def test_an_endpoint_the_pinned_spec_lacks_is_counted_as_a_newer_spec() -> None:
    script = load_script()
    for message in (
        "Error code: 404 - Invalid URL (POST /v1/live/sessions/session_id/fork)",
        "Error code: 405 - Invalid method for URL (POST /v1/organization/projects/p/api_keys/k)",
    ):
        kind, reason = script.reason_apart(message)
        assert kind == "newer spec" and "does not have" in reason
    assert script.reason_apart("Error code: 404 - No thread found with id 'thread_x'.") is None
