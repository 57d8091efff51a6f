"""Settings, read from the environment (and a ``.env`` file in the working directory).

Each field's description is its documentation: ``docs/settings.md`` is generated from this class by
``scripts/gen_settings_doc.py``, and ``tests/test_docs.py`` fails when the two differ.
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

    neo4j_uri: str = Field("bolt://127.0.0.1:7687", validation_alias=AliasChoices("NEO4J_URI", "POLICYKG_NEO4J_URI"),
                           description="any Neo4j 5.26+: a server (bolt://), a cluster (neo4j://), Aura (neo4j+s://)")
    neo4j_user: str = Field("neo4j", validation_alias=AliasChoices("NEO4J_USER", "NEO4J_USERNAME", "POLICYKG_NEO4J_USER"),
                            description="Neo4j user")
    neo4j_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("NEO4J_PASSWORD", "POLICYKG_NEO4J_PASSWORD"), description="Neo4j password"
    )
    neo4j_database: str = Field("neo4j", validation_alias=AliasChoices("NEO4J_DATABASE", "POLICYKG_NEO4J_DATABASE"),
                                description="Neo4j database name")
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
