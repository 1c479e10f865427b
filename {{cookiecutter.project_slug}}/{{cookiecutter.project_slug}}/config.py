{% from "variant.jinja" import is_async, is_pg, slug, driver, has_auth with context %}
"""Settings, read from environment variables and from a ``.env`` file."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, {{ "SecretStr, " if has_auth }}field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

{% if is_pg %}
# Any postgresql:// (or postgres://) URL is accepted; this driver is used.
DRIVER = "{{ driver }}"
DEFAULT_DATABASE_URL = "postgresql://postgres@localhost/{{ slug }}"
{% else %}
# Any sqlite:// URL is accepted; this driver is used.
DRIVER = "{{ driver }}"
DEFAULT_DATABASE_URL = "sqlite:///./{{ slug }}.db"
{% endif %}


class Settings(BaseSettings):
    """Application settings; each field is read from the upper-case variable of its name."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)
    db_echo: bool = False
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=0, ge=0)
    db_pool_timeout: float = Field(default=10.0, gt=0)
    db_pool_recycle: int = Field(default=1800, ge=-1)
{% if is_pg %}
    # Closed connections are replaced without it (see db.py); true also catches silent failures.
    db_pool_pre_ping: bool = False
    db_connect_timeout: int = Field(default=5, ge=1)
    # Behind PgBouncer in transaction pooling mode (see README.md):
    db_pgbouncer: bool = False
    db_null_pool: bool = False
    # A streaming replica for the requests that only read (see "Read replica" in README.md):
    database_replica_url: str | None = Field(default=None, repr=False)
    # Skipped while it has not replayed what the primary had written this many seconds ago.
    db_replica_max_lag: float = Field(default=5.0, gt=0)
    # How often each process looks at how far the replica has replayed, in milliseconds.
    db_replica_check_ms: float = Field(default=100, gt=0)
{% endif %}
{% if not is_async %}
    # Worker threads for sync handlers; keep it well above the pool size (see README).
    thread_pool_size: int = Field(default=200, ge=1)
{% endif %}
    # Statements that take longer are logged at WARNING (see observability.py).
    db_slow_query_ms: float = Field(default=200, ge=0)
    # Where `python -m` this package serves, and how many worker processes it starts.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    web_concurrency: int = Field(default=1, ge=1)
    # The proxies (addresses, networks, or "*") whose X-Forwarded-For and X-Forwarded-Proto
    # `python -m` trusts: the client's address and scheme behind a load balancer.
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # /health/ready answers 503 when the database has not answered within this many seconds.
    health_timeout: float = Field(default=1.0, gt=0)
    # On SIGTERM: seconds the app goes on serving while /health/ready answers 503, then seconds
    # the requests in flight get to finish (`python -m`) before they are cancelled (see shutdown.py).
    shutdown_delay: float = Field(default=0, ge=0)
    shutdown_timeout: int = Field(default=20, ge=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    max_body_size: int = Field(default=1_048_576, ge=1)
    cors_origins: list[str] = []
    debug: bool = False
{% if has_auth %}
    # Signs the access tokens (HS256). Required: the app does not start without it.
    secret_key: SecretStr = Field(default=SecretStr(""), validate_default=True, repr=False)
    access_token_minutes: int = Field(default=15, ge=1)
    refresh_token_days: int = Field(default=30, ge=1)
    # The access tokens' "iss" claim: a token of another issuer is refused.
    jwt_issuer: str = "{{ slug }}"
    # POST /auth/register answers only when true; else create users with the users command (README).
    auth_open_registration: bool = False
    # Failed logins allowed per account, and per client address, within the window (seconds); then 429.
    login_max_failures: int = Field(default=5, ge=1)
    login_failure_window: int = Field(default=900, ge=1)

    @field_validator("secret_key")
    @classmethod
    def long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value().encode()) < 32:
            raise ValueError(
                "set SECRET_KEY to a random value of at least 32 bytes, "
                """e.g. the output of `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"""
            )
        return value
{% endif %}

{% if is_pg %}
    @field_validator("database_url", "database_replica_url")
    @classmethod
    def use_project_driver(cls, value: str | None) -> str | None:
        if value is None:
            return None  # no replica
        url = make_url(value)
{% else %}
    @field_validator("database_url")
    @classmethod
    def use_project_driver(cls, value: str) -> str:
        url = make_url(value)
{% endif %}
{% if is_pg %}
        if url.get_backend_name() not in {"postgresql", "postgres"}:
            raise ValueError("this project uses PostgreSQL: use a postgresql:// URL")
{% else %}
        if url.get_backend_name() != "sqlite":
            raise ValueError("this project uses SQLite: use a sqlite:// URL")
{% endif %}
        return url.set(drivername=DRIVER).render_as_string(hide_password=False)


@lru_cache
def get_settings() -> Settings:
    return Settings()
