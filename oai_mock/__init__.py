"""oai-mock: a fake OpenAI server generated from OpenAI's OpenAPI spec, a reference client,
pytest fixtures and property-based contract tests for OpenAI-compatible backends."""

__version__ = "0.1.0"
