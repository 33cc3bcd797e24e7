"""Optional dependencies, imported when a feature first needs them.

The base install (``pip install oai-mock``) holds the engine, the in-process transports, the
reference client and the pytest plugin; the live server needs the ``server`` extra, respx
routes the ``pytest`` extra and the contract checks the ``contracts`` extra. Reaching for one of
those without its extra raises :class:`MissingExtraError` with one line saying what to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtraError(ImportError):
    """A feature was used whose optional dependencies are not installed."""


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module``, or explain which extra provides it.

    >>> require("orjson", "server", "the live server").__name__
    'orjson'
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name is None or error.name.split(".")[0] != module.split(".")[0]:
            raise
        raise MissingExtraError(
            f'{feature} needs {module}, which is not installed: pip install "oai-mock[{extra}]"'
        ) from None
