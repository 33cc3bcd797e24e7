"""The check catalogue, one module per API area; importing this package registers every
check in :data:`oai_mock.contracts.core.CATALOGUE`."""

from oai_mock.extras import require

# The checks generate with Hypothesis: without the extra, one line saying so.
require("hypothesis", "contracts", "the contract checks")

from oai_mock.contracts.catalogue import (  # noqa: E402, F401 - imported to register their checks
    chat,
    embeddings,
    endpoints,
    errors,
    flows,
    models,
    responses,
    streams,
)
