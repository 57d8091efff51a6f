"""The graph room: the schema (as data) and the two backends behind one seam.

Backends are chosen by name and imported lazily, so that using one never loads the other's engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policykg.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from policykg.graph.base import Backend
    from policykg.settings import Settings

#: backend name -> (module, class, the settings it needs)
REGISTRY: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "embedded": ("policykg.graph.embedded", "EmbeddedBackend", ("POLICYKG_DATA_DIR", "POLICYKG_BUFFER_POOL_MB")),
    "neo4j": ("policykg.graph.neo4j", "Neo4jBackend", ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE")),
}


def open_backend(settings: Settings | None = None, *, apply_schema: bool = True, **kwargs: Any) -> Backend:
    """Open the backend named by ``settings.backend`` (``POLICYKG_BACKEND``)."""
    import importlib

    from policykg.settings import get_settings

    settings = settings or get_settings()
    try:
        module, cls, _ = REGISTRY[settings.backend]
    except KeyError:
        raise ConfigError(
            f"unknown backend {settings.backend!r}: set POLICYKG_BACKEND to one of {', '.join(REGISTRY)}"
        ) from None
    backend = getattr(importlib.import_module(module), cls)(settings, **kwargs)
    if apply_schema:
        backend.apply_schema()
    return backend
