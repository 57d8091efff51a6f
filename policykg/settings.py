"""Settings, read from the environment (and a ``.env`` file in the working directory).

| setting | environment variable | default |
|---|---|---|
| backend | ``POLICYKG_BACKEND`` | ``embedded`` |
| data directory | ``POLICYKG_DATA_DIR`` | ``./.policykg`` |
| derived index on disk | ``POLICYKG_DERIVED_DIR`` | ``<data directory>/derived`` |
| embedded buffer pool | ``POLICYKG_BUFFER_POOL_MB`` | 1024 |
| query time limit (s) | ``POLICYKG_QUERY_TIMEOUT`` | 10 |
| row cap for ad-hoc Cypher | ``POLICYKG_MAX_ROWS`` | 1000 |
| allow ``POST /api/cypher`` | ``POLICYKG_ALLOW_CYPHER`` | false |
| largest document file read (MB) | ``POLICYKG_MAX_DOCUMENT_MB`` | 100 |
| longest document text parsed (characters) | ``POLICYKG_MAX_DOCUMENT_CHARS`` | 2,000,000 |
| ZIP-based files (XLSX, DOCX): total uncompressed size (MB) | ``POLICYKG_MAX_ZIP_MB`` | 200 |
| ZIP-based files: compression ratio of a member | ``POLICYKG_MAX_ZIP_RATIO`` | 100 |
| ZIP-based files: members | ``POLICYKG_MAX_ZIP_MEMBERS`` | 10,000 |
| Neo4j | ``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE`` | ``bolt://127.0.0.1:7687``, ``neo4j``, none, ``neo4j`` |
| Neo4j connection time limit (s) | ``NEO4J_CONNECTION_TIMEOUT`` | 3 |
| longest text cell ``policykg load`` accepts (characters) | ``POLICYKG_MAX_CELL_CHARS`` | 2000 |
| most records per loaded table | ``POLICYKG_MAX_FILE_ROWS`` | 20,000,000 |
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from policykg.errors import ConfigError

BACKENDS = ("embedded", "neo4j")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYKG_", env_file=".env", extra="ignore")

    backend: Literal["embedded", "neo4j"] = Field("embedded", description="graph backend")
    data_dir: Path = Field(Path(".policykg"), description="where the embedded database lives")
    derived_dir: Path | None = Field(
        None, description="where the derived (matching / gaps) index is kept, shared by serving processes; "
        "default <data_dir>/derived")
    buffer_pool_mb: int = Field(1024, ge=64, description="Ladybug buffer pool size in MiB")
    embedded_threads: int = Field(1, ge=1, description="threads per Ladybug connection")
    query_timeout: float = Field(10.0, gt=0, description="time limit for one query, in seconds")
    max_rows: int = Field(1000, ge=1, description="row cap for ad-hoc read-only Cypher")
    allow_cypher: bool = Field(False, description="enable POST /api/cypher")
    cors_origins: list[str] = Field(default_factory=list, description="allowed CORS origins")

    # guards on what a file may cost to read (policykg.ingest.archive, policykg.ingest.parse)
    max_document_mb: float = Field(
        100, gt=0, description="largest policy document file (any format) that ingest and parse read, in MB; "
        "a larger file is refused before it is read")
    max_document_chars: int = Field(
        2_000_000, ge=1000, description="longest document text (characters, after the format reader) that is "
        "parsed; parsing costs time and memory in proportion, and real policies are far shorter")
    max_zip_mb: float = Field(
        200, gt=0, description="total uncompressed size, in MB, of the members of a ZIP-based file (XLSX, "
        "DOCX), read from its directory before anything is decompressed")
    max_zip_ratio: float = Field(
        100, gt=1, description="largest compression ratio (uncompressed / compressed size) of one member of "
        "a ZIP-based file: well above what office XML reaches, far below a bomb of repeated bytes")
    max_zip_members: int = Field(
        10_000, ge=10, description="most members (parts) in a ZIP-based file (XLSX, DOCX)")

    neo4j_uri: str = Field("bolt://127.0.0.1:7687", validation_alias=AliasChoices("NEO4J_URI", "POLICYKG_NEO4J_URI"))
    neo4j_user: str = Field("neo4j", validation_alias=AliasChoices("NEO4J_USER", "NEO4J_USERNAME", "POLICYKG_NEO4J_USER"))
    neo4j_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("NEO4J_PASSWORD", "POLICYKG_NEO4J_PASSWORD")
    )
    neo4j_database: str = Field("neo4j", validation_alias=AliasChoices("NEO4J_DATABASE", "POLICYKG_NEO4J_DATABASE"))
    neo4j_connection_timeout: float = Field(
        3.0, gt=0, validation_alias=AliasChoices("NEO4J_CONNECTION_TIMEOUT", "POLICYKG_NEO4J_CONNECTION_TIMEOUT"),
        description="seconds to open a connection to Neo4j or take one from the pool, and the most a read "
        "is retried for: with the server down, a request answers 503 within about this time")

    # A text longer than this is a reject: Neo4j's range index keeps at most about 8 KB per key, and an
    # indexed property (a name, a key) of 2,000 characters of up to 4 UTF-8 bytes each stays below it.
    max_cell_chars: int = Field(2000, ge=1, description="longest text cell `policykg load` accepts")
    max_file_rows: int = Field(20_000_000, ge=1, description="most records read from one table by `policykg load`")

    @field_validator("backend", mode="before")
    @classmethod
    def _backend_name(cls, v: object) -> object:
        return v.strip().lower() if isinstance(v, str) else v

    @property
    def embedded_path(self) -> Path:
        return self.data_dir / "graph.lbdb"

    @property
    def derived_path(self) -> Path:
        return self.derived_dir or self.data_dir / "derived"


def get_settings(**overrides: object) -> Settings:
    """Read the settings, turning a bad value into a ConfigError that names the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err.get("loc") else "?"
            var = name.upper() if name.upper().startswith("NEO4J_") else f"POLICYKG_{name.upper()}"
            if name == "backend":
                problems.append(f"{var} must be one of {', '.join(BACKENDS)} (got {err.get('input')!r})")
            else:
                problems.append(f"{var}: {err['msg']} (got {err.get('input')!r})")
        raise ConfigError("bad setting: " + "; ".join(problems)) from None
