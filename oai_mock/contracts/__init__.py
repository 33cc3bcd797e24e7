"""oai_mock.contracts: property-based contract checks for OpenAI-compatible backends (the
`contracts` extra: Hypothesis; its check catalogue says so in one line when it is missing)."""
