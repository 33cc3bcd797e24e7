"""The check catalogue, one module per API area; importing this package registers every
check in :data:`oai_mock.contracts.core.CATALOGUE`."""

from oai_mock.contracts.catalogue import (  # noqa: F401 - imported to register their checks
    chat,
    embeddings,
    endpoints,
    errors,
    flows,
    models,
    responses,
    streams,
)
