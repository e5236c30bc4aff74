"""Settings from the environment.

Everything a deployment can change is read here once, so the rest of the code asks
``get_settings()`` instead of ``os.environ``.  Development needs no settings at all:
the database is an embedded PostgreSQL in the data folder and a secret key is made
and kept there too.  Production refuses to start without an explicit secret key.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class ConfigurationError(RuntimeError):
    """The settings cannot work together (for example production without a secret key)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    secret_key: str | None = Field(default=None, alias="SECRET_KEY")
    env: Environment = Field(default=Environment.DEVELOPMENT, alias="PROCUREMENT_ENV")
    data_dir: Path = Field(default=Path(".procurement"), alias="PROCUREMENT_DATA_DIR")
    host: str = Field(default="127.0.0.1", alias="PROCUREMENT_HOST")
    port: int = Field(default=8000, alias="PROCUREMENT_PORT")
    db_pool_size: int = Field(default=10, alias="PROCUREMENT_DB_POOL_SIZE")
    access_token_minutes: int = Field(default=15, alias="PROCUREMENT_ACCESS_TOKEN_MINUTES")
    refresh_token_days: int = Field(default=14, alias="PROCUREMENT_REFRESH_TOKEN_DAYS")
    graphiql: bool | None = Field(default=None, alias="PROCUREMENT_GRAPHIQL")
    introspection: bool | None = Field(default=None, alias="PROCUREMENT_INTROSPECTION")
    max_query_depth: int = Field(default=12, alias="PROCUREMENT_MAX_QUERY_DEPTH")
    max_aliases: int = Field(default=30, alias="PROCUREMENT_MAX_ALIASES")
    max_tokens: int = Field(default=3000, alias="PROCUREMENT_MAX_TOKENS")
    max_query_cost: int = Field(default=50_000, alias="PROCUREMENT_MAX_QUERY_COST")
    max_selections: int = Field(default=10_000, alias="PROCUREMENT_MAX_SELECTIONS")
    max_merge_pairs: int = Field(default=2_000, alias="PROCUREMENT_MAX_MERGE_PAIRS")
    max_string_length: int = Field(default=10_000, alias="PROCUREMENT_MAX_STRING_LENGTH")
    max_query_length: int = Field(default=100_000, alias="PROCUREMENT_MAX_QUERY_LENGTH")
    max_body_bytes: int = Field(default=1_000_000, alias="PROCUREMENT_MAX_BODY_BYTES")
    login_max_failures: int = Field(default=5, alias="PROCUREMENT_LOGIN_MAX_FAILURES")
    login_window_minutes: int = Field(default=15, alias="PROCUREMENT_LOGIN_WINDOW_MINUTES")
    #: self-service registrations per client address and window (the address is the
    #: ASGI client: run uvicorn with --proxy-headers behind a trusted proxy)
    register_max_per_window: int = Field(default=10, alias="PROCUREMENT_REGISTER_MAX")
    register_window_minutes: int = Field(default=60, alias="PROCUREMENT_REGISTER_WINDOW_MINUTES")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        """Accept the usual ``postgresql://`` URL and use asyncpg under it."""
        if not value:
            return None
        for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix) :]
        return value

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else not self.is_production

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else not self.is_production

    def resolved_secret_key(self) -> str:
        """The signing key: explicit, or (development only) one kept in the data folder."""
        if self.secret_key:
            return self.secret_key
        if self.is_production:
            raise ConfigurationError("SECRET_KEY must be set when PROCUREMENT_ENV=production")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
