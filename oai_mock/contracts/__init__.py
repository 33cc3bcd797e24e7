"""oai_mock.contracts: property-based contract checks for OpenAI-compatible backends."""

from oai_mock.extras import require

require("hypothesis", "contracts", "the contract checks")
