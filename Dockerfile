# syntax=docker/dockerfile:1
# Multi-stage: dependencies are built in a throwaway stage; the runtime image has no compilers
# and runs as an unprivileged user.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml constraints.txt README.md ./
COPY app ./app
RUN pip install -c constraints.txt . \
    && python -m compileall -q /opt/venv

FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_ENVIRONMENT=production \
    APP_DATA_DIR=/app/data \
    APP_ALEMBIC_INI=/app/alembic.ini \
    APP_METRICS_PORT=9464 \
    APP_METRICS_HOST=0.0.0.0 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/jobmap-metrics
# `jobmap osm load` runs osm2pgsql and osmium (Debian's packages).
RUN apt-get update && apt-get install -y --no-install-recommends osm2pgsql osmium-tool \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system jobmap && useradd --system --gid jobmap --home-dir /app jobmap
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# Migrations and area files are read at run time from /app.
COPY alembic.ini ./
COPY migrations ./migrations
COPY data ./data
USER jobmap
# 9464: metrics, for a Prometheus on the containers' network; publish it to no one else.
EXPOSE 8000 9464
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# `jobmap serve` runs uvicorn (proxy headers on, its access log off: the app logs each request)
# and empties the workers' metrics folder first (docs/operations.md, "Metrics").
CMD ["jobmap", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
