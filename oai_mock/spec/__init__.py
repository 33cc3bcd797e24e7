"""OpenAI's API description, normalized: operations, schemas and validators.

The bundle (``bundle.json`` beside this file) is written by the project's generator from
OpenAI's official OpenAPI document; everything else in oai-mock reads it through this package.

>>> from oai_mock.spec import load_bundle
>>> op = load_bundle().operation("createChatCompletion")
>>> (op.method, op.path, op.streaming.kind if op.streaming else None)
('POST', '/chat/completions', 'chat')
"""

from oai_mock.spec.bundle import Bundle, load_bundle
from oai_mock.spec.model import Operation, Parameter, RequestBody, Schema, Streaming
from oai_mock.spec.validation import Problem, Profile, Report, SchemaChecker

__all__ = [
    "Bundle",
    "Operation",
    "Parameter",
    "Problem",
    "Profile",
    "Report",
    "RequestBody",
    "Schema",
    "SchemaChecker",
    "Streaming",
    "load_bundle",
]
