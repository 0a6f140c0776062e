"""Deploying the Elasticsearch backend: credentials and CA, the analyzer, docker-compose.yml."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.backends.elasticsearch import ElasticsearchIndex
from tests.support.es_fake import URL


# ---- client settings ---------------------------------------------------------------------------
def test_credentials_and_ca_reach_the_client(tmp_path: Path) -> None:
    import certifi

    from service.composition import build_components
    from service.config import Settings

    ca = tmp_path / "http_ca.crt"
    ca.write_bytes(Path(certifi.where()).read_bytes())
    settings = Settings(
        home=tmp_path,
        embedding_model="",
        search_backend="elasticsearch",
        elasticsearch_url="https://es.test:9200",
        elasticsearch_ca_certs=ca,
        elasticsearch_username="techmatch",
        elasticsearch_password="s3cret",
    )
    parts = build_components(settings)
    try:
        idx = parts.index
        assert isinstance(idx, ElasticsearchIndex)
        options = idx.client_options()
        assert options["ca_certs"] == str(ca) and options["basic_auth"] == ("techmatch", "s3cret")
        client = idx._es()  # the real client accepts them (no request is made)
        assert client.transport.node_pool.get().config.ca_certs == str(ca)
    finally:
        parts.close()
    keyed = ElasticsearchIndex(URL, "tm", 1.0, 0, api_key="a2V5", username="ignored")
    assert (
        keyed.client_options()["api_key"] == "a2V5" and "basic_auth" not in keyed.client_options()
    )


def test_the_es_tokenizer_splits_tokens_as_fts5_unicode61() -> None:
    """The ``techmatch`` tokenizer's pattern (run by ``regex``, which reads ``\\p{..}`` and
    ``\\uXXXX`` as java.util.regex does) cuts where SQLite's unicode61 cuts, for every
    assigned character from Latin to the CJK symbols, in the ideographs and the full-width
    forms; and the parity bench models the same cut."""
    regex = pytest.importorskip("regex")
    import sqlite3
    import unicodedata

    from bench.es_parity import split_unicode61
    from indexer.backends.es_filters import ANALYSIS

    pattern = ANALYSIS["tokenizer"]["techmatch_unicode61"]["pattern"]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 0')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')")

    def fts5_terms(text: str) -> list[str]:
        db.execute("DELETE FROM t")
        db.execute("INSERT INTO t VALUES (?)", (text,))
        return sorted(r[0] for r in db.execute("SELECT term FROM v"))

    for token in ["c++", "3.5", "98%", "α-β", "玻璃棉", "pm2.5", "co₂", "x光", "ⅱ型", "a_b"]:
        es = [p for p in regex.split(pattern, token) if p]
        assert es == split_unicode61(token) and sorted(set(es)) == fts5_terms(token), token
    points = [*range(0x20, 0x3400), *range(0x4E00, 0x4F00), *range(0xFE00, 0x10000)]
    differ = []
    for point in points:
        if unicodedata.category(chr(point)) in ("Cn", "Cs", "Cc"):
            continue
        text = f"q{chr(point)}q"
        es = [p for p in regex.split(pattern, text) if p]
        if len(set(es)) != len(fts5_terms(text)) or es != split_unicode61(text):
            differ.append(hex(point))
    assert differ == []


# ---- docker-compose.yml: its security section, checked statically ---------------------------
def test_compose_security_is_wired_through_the_settings() -> None:
    """No Docker engine here: check that what the compose file says fits together."""
    import yaml

    from service.config import Settings

    compose = yaml.safe_load((Path(__file__).parents[1] / "docker-compose.yml").read_text())
    services = compose["services"]
    es_env = services["elasticsearch"]["environment"]
    assert es_env["xpack.security.enabled"] == "true"
    assert es_env["xpack.security.http.ssl.enabled"] == "true"
    env = services["service"]["environment"]
    assert env == services["indexer"]["environment"]
    for name in env:  # every variable given to TechMatch is a real setting
        assert name.removeprefix("TECHMATCH_").lower() in Settings.model_fields, name
    assert env["TECHMATCH_ELASTICSEARCH_URL"] == "https://elasticsearch:9200"
    script = services["setup"]["command"][-1]
    assert "dns: [elasticsearch, localhost]" in script  # the certificate names the URL's host
    # the CA the setup job writes is the file the service is pointed at, readable by it
    mount = next(v for v in services["service"]["volumes"] if v.startswith("certs:"))
    target = mount.split(":")[1]
    assert env["TECHMATCH_ELASTICSEARCH_CA_CERTS"] == f"{target}/ca/ca.crt"
    assert "chmod 644 config/certs/ca/ca.crt" in script
    assert es_env["xpack.security.http.ssl.certificate_authorities"] == "certs/ca/ca.crt"
    # the user the service logs in as is the one the setup job creates, with the same password
    assert env["TECHMATCH_ELASTICSEARCH_USERNAME"] == "techmatch"
    assert "_security/user/techmatch" in script and "$${ES_TECHMATCH_PASSWORD}" in script
    assert env["TECHMATCH_ELASTICSEARCH_PASSWORD"].startswith("${ES_TECHMATCH_PASSWORD:?")
    # the role covers every index and alias the backend makes under the default prefix
    prefix = Settings.model_fields["elasticsearch_prefix"].default
    assert f'"names": ["{prefix}-*"]' in script
    idx = ElasticsearchIndex(URL, prefix, 1.0, 0)
    assert all(idx.alias(k).startswith(f"{prefix}-") for k in ("achievement", "need"))
    for job in ("indexer", "service"):
        assert services[job]["depends_on"]["setup"] == {
            "condition": "service_completed_successfully"
        }
    assert services["elasticsearch"]["depends_on"]["setup"] == {"condition": "service_healthy"}
