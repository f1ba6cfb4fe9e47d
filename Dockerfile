# The façade as a container image (docs/deployment.md): slim, non-root, no build tools inside.
#   docker build -t klantinteracties-facade .
#   docker run -p 8000:8000 -v ./config.yaml:/etc/facade/config.yaml:ro -e FACADE_IDENTITY_SECRET=... klantinteracties-facade
# Configuration and secrets are mounted, never built in: /etc/facade/config.yaml (FACADE_CONFIG),
# secrets as environment variables or files under /run/secrets.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtual environment with the façade and its dependencies (wheels only) ----------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/facade
COPY pyproject.toml README.md ./
COPY facade ./facade
COPY adapters ./adapters
COPY mapping ./mapping
# dependencies as wheels only (no compiler needed or present); their ranges are in pyproject.toml
# hadolint ignore=DL3013
RUN /opt/facade/bin/pip install --only-binary=:all: ".[otel]" \
    && /opt/facade/bin/python -m compileall -q /opt/facade/lib \
    && /opt/facade/bin/pip uninstall -y pip

# --- run: the Python runtime and that environment, nothing else -------------------------------
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="klantinteracties-facade" \
      org.opencontainers.image.description="A Klantinteracties API (Open Klant 2 contract) answered live from existing applications" \
      org.opencontainers.image.licenses="EUPL-1.2"
RUN groupadd --system --gid 10001 facade \
    && useradd --system --uid 10001 --gid facade --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin facade
COPY --from=build /opt/facade /opt/facade
ENV PATH=/opt/facade/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FACADE_CONFIG=/etc/facade/config.yaml
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["klantinteracties-facade"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
