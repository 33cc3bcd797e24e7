"""The generator: OpenAI's OpenAPI document in, the spec bundle (and generated code) out."""
