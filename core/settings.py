"""Every setting Kembar reads, in one place: environment variables prefixed KEMBAR_, or .env."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, IPvAnyNetwork, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Kembar's configuration. Nothing connects anywhere when this is read."""

    model_config = SettingsConfigDict(env_prefix="KEMBAR_", env_file=".env", extra="ignore")

    mode: Literal["development", "production"] = "development"
    database_url: str = Field(
        default="sqlite://kembar.sqlite3",
        description="sqlite://PATH (embedded default) or postgres://user@host:port/db",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:port/db; unset means workers run in-process (embedded default)",
    )
    secret_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    page_size_max: int = 100
    demo_data: bool = Field(default=True, description="seed the demo partnerships into an empty db")
    outbox_retention_days: int = 7
    db_pool_max: int = 10
    # events: relay and workers (workers/)
    processed_retention_days: int = Field(
        default=30, description="keep processed-event keys this long (longer than dead letters)"
    )
    relay_batch_size: int = 100
    relay_idle_poll_seconds: float = Field(
        default=2.0, description="backstop poll when woken by LISTEN/NOTIFY (PostgreSQL)"
    )
    relay_poll_seconds: float = Field(default=0.25, description="poll interval without NOTIFY")
    relay_backoff_max_seconds: float = 30.0
    redis_heartbeat_timeout_ms: int = Field(
        default=60_000, description="a worker silent this long is dead; its messages come back"
    )
    redis_maintenance_chance: int = Field(
        default=1000, description="per million Redis commands: requeue dead workers' messages"
    )
    # live subscriptions (issue 4): the events stream they read and resume from
    events_stream: str = Field(
        default="kembar:events:stream", description="Redis stream of event envelopes"
    )
    events_stream_retention_seconds: int = Field(
        default=7 * 24 * 3600, description="a cursor older than this is expired"
    )
    events_stream_max_entries: int = Field(
        default=1_000_000, description="the stream is trimmed to about this many entries"
    )
    live_subscriptions_max: int = Field(
        default=5_000, description="live subscriptions one API process holds; more are refused"
    )
    live_queue_size: int = Field(
        default=1_000, description="notices queued per subscription; a slower client is closed"
    )
    live_subscriptions_per_connection: int = Field(
        default=10, ge=1, description="operations one websocket connection may run at once"
    )
    live_reauth_seconds: float = Field(
        default=60.0, ge=0, description="a live connection's token is checked again this often"
    )
    # the dormancy and expiry watch (issue 7), run by the active relay
    dormancy_months: int = Field(
        default=12, ge=1, description="an active partnership without activity this long is dormant"
    )
    watch_interval_seconds: float = Field(
        default=3600.0, ge=0, description="how often the relay runs the watch; 0: never"
    )
    timezone: str = Field(
        default="Asia/Jakarta",
        description="IANA zone whose date is 'today' (agreement end dates are local dates)",
    )
    # accounts and limits (issue 5)
    introspection: bool | None = Field(
        default=None, description="GraphQL introspection; unset: on, except in production"
    )
    query_cost_limit: int = Field(
        default=10_000, description="objects one query may ask for, counted from its page sizes"
    )
    rate_limit_per_minute: int = Field(default=600, description="requests per token; 0: no limit")
    rate_limit_ip_per_minute: int = Field(default=1200, description="requests per IP; 0: no limit")
    max_body_bytes: int = Field(default=262_144, description="larger request bodies get HTTP 413")
    # e-mail (issue 4): SMTP; unset host = the e-mail channel is off
    smtp_host: str | None = Field(default=None, description="SMTP server; unset: no e-mail")
    smtp_port: int = 1025
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 15.0
    smtp_ca_file: str | None = Field(
        default=None, description="CA bundle (PEM) to verify the SMTP server; unset: system CAs"
    )
    mail_from: str = "Kembar <kembar@localhost>"
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="base of the links in notifications"
    )
    mail_link_path: str = Field(
        default="/partnerships/{id}",
        description="a partnership's page under public_url ({id}: its id), linked from e-mail",
    )
    # notifications (issue 4): deliveries and webhooks
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, description="per webhook attempt")
    webhook_retry_schedule_seconds: list[float] = Field(
        default=[5, 300, 1800, 7200, 18000, 36000, 36000],
        description="waits after each failed attempt (JSON list); used up: the delivery fails",
    )
    webhook_retry_jitter: float = Field(default=0.1, ge=0, le=1, description="± share of a wait")
    webhook_disable_after_seconds: float = Field(
        default=5 * 86400, gt=0, description="an endpoint failing this long is disabled"
    )
    webhook_ca_file: str | None = Field(
        default=None, description="CA bundle (PEM) to verify https webhooks; unset: certifi's"
    )
    webhook_allowed_networks: list[IPvAnyNetwork] = Field(
        default=[], description='CIDRs webhooks may reach although private (JSON: ["10.0.0.0/8"])'
    )
    delivery_sweep_seconds: float = Field(
        default=5.0, ge=0, description="how often the relay re-sends due deliveries; 0: never"
    )
    delivery_sweep_grace_seconds: float = Field(
        default=60.0, ge=0, description="a delivery overdue this long lost its message"
    )
    delivery_retention_days: int = Field(
        default=90,
        ge=1,
        description="finished deliveries (and attempts) created longer ago are pruned",
    )

    # operations (issue 6): logs and worker metrics
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto", description="auto: JSON lines in production, readable text otherwise"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    worker_metrics_port: int = Field(
        default=9191, description="Dramatiq's Prometheus metrics on each worker host; 0: off"
    )
    # partner suggestions (issue 7)
    twinning_file: str | None = Field(
        default=None,
        description="the worldwide twinning list (CSV) for the suggestions' network factor; "
        "unset: only recorded partnerships count",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else self.mode != "production"

    @model_validator(mode="after")
    def _production_needs_real_values(self) -> Settings:
        if self.mode == "production":
            missing = []
            if self.database_url.startswith("sqlite"):
                missing.append("KEMBAR_DATABASE_URL (a PostgreSQL URL)")
            if not self.secret_key:
                missing.append("KEMBAR_SECRET_KEY")
            if missing:
                raise ValueError("production mode needs " + ", ".join(missing))
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
