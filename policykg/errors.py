"""One exception hierarchy for policykg.

Every error a user can cause or meet carries a message that names what to check (a setting, a
file, a line, a field), so the CLI and the API can show it without a stack trace. Each class carries
the HTTP status the API answers it with (``http_status``, inherited by its subclasses).
"""

from __future__ import annotations


class PolicyKGError(Exception):
    """Base class. ``code`` is the machine-readable code used in the API's error shape."""

    code = "error"
    http_status = 500

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = {k: v for k, v in details.items() if v is not None}

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class ConfigError(PolicyKGError):
    """A setting is missing or has a wrong value."""

    code = "config_error"


class SchemaError(PolicyKGError):
    """Something refers to a label, type or property the schema does not declare."""

    code = "schema_error"


class ValidationError(PolicyKGError):
    """A row does not fit the schema."""

    code = "validation_error"
    http_status = 422

    def __init__(self, message: str, *, field: str | None = None, **details: object) -> None:
        super().__init__(message, field=field, **details)
        self.field = field


class BackendError(PolicyKGError):
    """The database failed in a way the user must act on."""

    code = "backend_error"


class BackendUnavailable(BackendError):
    """The database cannot be reached, refused the credentials, or is locked."""

    code = "backend_unavailable"
    http_status = 503


class QueryError(PolicyKGError):
    """A query is unknown, has wrong parameters, or failed in the engine."""

    code = "query_error"
    http_status = 400


class QueryTimeout(QueryError):
    """A query ran past the time limit and was stopped."""

    code = "query_timeout"
    http_status = 408


class QueryOutOfMemory(QueryError):
    """A query needed more memory than the database may use (the embedded buffer pool, Neo4j's
    transaction memory): the server is fine, the query is too large for its settings."""

    code = "query_out_of_memory"
    http_status = 503


class ReadOnlyViolation(QueryError):
    """A query given as read-only would write or escape the database."""

    code = "read_only"
    http_status = 403


class NotFound(PolicyKGError):
    """What a request names (an enterprise, a clause, a document, a node) is not in the graph."""

    code = "not_found"
    http_status = 404


class CypherDisabled(PolicyKGError):
    """Ad-hoc Cypher was asked for while POLICYKG_ALLOW_CYPHER is off."""

    code = "cypher_disabled"
    http_status = 403


class ParseError(PolicyKGError):
    """A document cannot be read or has no structure we can find."""

    code = "parse_error"

    def __init__(self, message: str, *, file: str | None = None, reason: str | None = None, **details: object):
        super().__init__(message, file=file, reason=reason or message, **details)
        self.file = file
        self.reason = reason or message
