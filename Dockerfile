# TechMatch: the web app and JSON API (`techmatch serve`), also used for one-shot commands
# (`techmatch seed`, `techmatch index`). Build: docker build -t techmatch .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TECHMATCH_HOME=/data \
    HF_HOME=/models/huggingface

WORKDIR /app

# torch first, pinned and from the CPU index: an unpinned torch pulls gigabytes of CUDA packages.
# Its own layer, so code changes do not reinstall it.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

COPY pyproject.toml README.md ./
COPY service ./service
COPY indexer ./indexer
COPY web ./web
COPY seed_data ./seed_data
RUN pip install ".[postgres]"

# An unprivileged user owning the data directory and the Hugging Face model cache; named
# volumes mounted there start with this ownership.
RUN useradd --create-home --uid 10001 techmatch \
    && mkdir -p /data /models/huggingface \
    && chown -R techmatch:techmatch /data /models
USER techmatch

# /data: TECHMATCH_HOME (SQLite catalog and embedded index when used, embedding cache).
# /models: the Hugging Face cache; put BAAI/bge-small-zh-v1.5 there, or set
# TECHMATCH_EMBEDDING_ALLOW_DOWNLOAD=true once, so start-up never waits on a download.
VOLUME ["/data", "/models"]

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4)"]

CMD ["techmatch", "serve", "--host", "0.0.0.0"]
