"""storyline: scraped news pages in, clean articles, copies and stories out.

The public names are imported when first used, not with the package: the `storyline` command
(command.py) starts its worker processes' fork server before it loads the pipeline, so that the
two load side by side.
"""
from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType

__all__ = ["Storyline", "extract", "Config", "load_config"]
__version__ = "0.1.0"

_HOME = {"Storyline": ".api", "Config": ".config", "load_config": ".config"}


def __getattr__(name: str):
    if name in _HOME:
        value = getattr(import_module(_HOME[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(ModuleType):
    """`storyline.extract` is the function (api.extract), though the extraction subpackage has the
    same name: the import system sets a subpackage as an attribute of its package when it loads it,
    and this property keeps the function in that place whenever the subpackage loads."""

    @property
    def extract(self):
        return import_module(".api", __name__).extract

    @extract.setter
    def extract(self, _subpackage) -> None:
        pass


sys.modules[__name__].__class__ = _Package
