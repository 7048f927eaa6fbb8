"""Service settings, read from `APP_*` environment variables (never at import time)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgresql+asyncpg://jobmap:jobmap@127.0.0.1:5439/jobmap"
# Development only: production refuses to start with it (see _real_secrets).
DEV_PERSON_REF_SECRET = "development-only-person-ref-secret-change-me"  # noqa: S105


def _asyncpg_url(value: str) -> str:
    # Accept the plain libpq form users copy from elsewhere; the service speaks asyncpg.
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+asyncpg://" + value[len(prefix) :]
    return value


class Settings(BaseSettings):
    """Everything configurable about one running service."""

    model_config = SettingsConfigDict(env_prefix="APP_", env_file=None, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    # Streaming replicas of database_url that reads may use (docs/scaling.md): comma-separated
    # or a JSON list. Empty: the primary answers everything.
    database_replica_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Replicas further behind than this are skipped; anonymous readers may see data this old.
    replica_max_lag_s: float = Field(default=30, gt=0, le=3600)
    # How often each worker checks every replica's position and lag.
    replica_check_interval_s: float = Field(default=1.0, gt=0, le=60)
    # Short, interactive queries only: a runaway statement must not hold a pooled connection.
    # This is the connection's default (reads, search, map); the classes below differ from it.
    db_statement_timeout_ms: int = Field(default=5_000, ge=100)
    # Per request class (app/request_classes.py), set for the request's transaction.
    statement_timeouts_ms: dict[str, int] = Field(
        default_factory=lambda: {"report": 30_000, "write": 15_000, "bulk": 120_000}
    )
    # Requests per client (key, or address without one) per window and request class; a class
    # not listed (or 0) is not limited. Counted in Redis when APP_REDIS_URL is set (shared by
    # every worker and replica), else in each worker process.
    rate_limits_enabled: bool = True
    rate_limits: dict[str, int] = Field(
        default_factory=lambda: {
            "write": 120,
            "bulk": 10,
            "search": 300,
            # A burst: a dashboard load asks for 7 reports, and a person changing its
            # filters makes a burst of loads, then reads (docs/operations.md, "Reports").
            "report": 120,
            # Single records (a vacancy's contact details among them): plenty for a person
            # opening cards, a brake on copying them all.
            "read": 600,
        }
    )
    rate_limit_window_s: int = Field(default=60, ge=1, le=3600)
    # The sustained rate, per client and class, over a longer window: bursts up to
    # rate_limits, but no more than this on average (reports: 60 a minute over ten minutes).
    rate_limits_sustained: dict[str, int] = Field(default_factory=lambda: {"report": 600})
    rate_limit_sustained_window_s: int = Field(default=600, ge=1, le=86400)
    redis_url: str | None = None
    db_connect_timeout_s: float = Field(default=5.0, gt=0)
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=5, ge=0)
    # The database URL is a transaction pooler (PgBouncer, pool_mode = transaction): each
    # transaction may run on another server connection, so no statement is kept prepared and
    # the session settings are set in every transaction (app/db.py; docs/operations.md).
    db_transaction_pooler: bool = False
    # The calendar "today" of the service's users (default date of area queries and so on).
    timezone: str = "Asia/Ho_Chi_Minh"
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Bulk endpoints take many items in one body.
    max_bulk_body_bytes: int = Field(default=20_971_520, ge=1024)
    log_level: str = "INFO"
    vacancy_default_days: int = Field(default=30, ge=1)
    vacancy_max_days: int = Field(default=90, ge=1)
    # How often each worker records expired vacancies (the rule itself applies at query time);
    # 0 turns the in-process sweep off (e.g. when `jobmap vacancies sweep` runs from cron).
    expiry_sweep_interval_s: float = Field(default=300, ge=0)
    # How often each worker takes sites past their valid_through off the map (the indexes and
    # kept cells map reads walk; one cheap UPDATE). 0 turns it off: reads stay correct but
    # pay for every expired site still listed.
    map_expiry_interval_s: float = Field(default=60, ge=0)
    data_dir: Path = PROJECT_ROOT / "data"
    alembic_ini: Path = PROJECT_ROOT / "alembic.ini"
    cors_origins: list[str] = Field(default_factory=list)
    # Vector tiles show single work sites from this zoom on, clusters below it.
    tile_sites_from_zoom: int = Field(default=16, ge=1, le=22)
    # The plain nearest search (anonymous, only near, radius_m, limit) answered before
    # routing (app/search/fast_path.py); false: every search through the route.
    search_fast_path: bool = True
    # Its statements at once per worker and server, each on a connection of the worker's own:
    # one at a time caps the throughput at the statement's latency (bench/README.md).
    search_fast_path_connections: int = Field(default=4, ge=1, le=32)
    # Memory each worker may keep tiles in (0: none); see app/tiles/cache.py.
    tile_cache_mb: float = Field(default=64, ge=0)
    # Past years' people counts the year-end projection keeps per worker (0: none, recount on
    # every request); see app/stats/reached_cache.py.
    projection_cache_entries: int = Field(default=256, ge=0)
    # Metrics (docs/operations.md, "Metrics"): on a port of their own, bound by every worker;
    # unset, no metrics port. On the service's port only when metrics_public says so.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    metrics_public: bool = False
    # The HMAC key under which personal references (national ID numbers) are hashed: the same
    # person gives the same hash, and without the key the hash cannot be tested against guesses.
    # Changing it makes people recorded before and after look like different people.
    person_ref_secret: SecretStr = SecretStr(DEV_PERSON_REF_SECRET)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone name
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return _asyncpg_url(value)

    @field_validator("database_replica_urls", mode="before")
    @classmethod
    def _replica_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = json.loads(value) if value.strip().startswith("[") else value.split(",")
        if isinstance(value, list):
            return [_asyncpg_url(str(url).strip()) for url in value if str(url).strip()]
        return value

    @model_validator(mode="after")
    def _real_secrets(self) -> Settings:
        secret = self.person_ref_secret.get_secret_value()
        if self.environment == "production" and (
            secret == DEV_PERSON_REF_SECRET or len(secret) < 32
        ):
            raise ValueError(
                "APP_PERSON_REF_SECRET must be set to a random value of at least 32 characters "
                "in production: e.g. the output of `openssl rand -base64 48`."
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, built on first use."""
    return Settings()
