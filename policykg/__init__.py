"""policykg: a knowledge graph of industrial policies, enterprises and funds."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("policykg")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
