# The attribution app, its HTTP API and its CLI in one small image: non-root, pinned base, health check.
#   docker build -t attribution .
#   docker run -p 8501:8501 -v attribution-data:/app/workspace attribution                  # the dashboard
#   docker run -p 8000:8000 -e ATTRIBUTION_API_KEYS_FILE=/run/secrets/api_keys \
#       -v "$PWD/secrets/api-keys":/run/secrets/api_keys:ro attribution \
#       python -m attribution serve --host 0.0.0.0 --port 8000                              # the HTTP API
# compose.yaml runs both. Dashboard sign-in: mount a secrets.toml with an [auth] table at
# /app/.streamlit/secrets.toml (never build it into the image: .dockerignore keeps it out).
# PNG chart export needs Chromium (about 300 MB more): docker build --build-arg WITH_CHROMIUM=1 -t attribution .
# Pin the base further with its digest (python:3.11.7-slim-bookworm@sha256:...) for bit-for-bit rebuilds.

# --- build stage: install the dependencies into a virtual environment ---------------------------
FROM python:3.11.7-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
# requirements-api.txt includes requirements.txt: the app, the HTTP API and dashboard sign-in (Authlib)
COPY requirements.txt requirements-api.txt /tmp/
RUN /opt/venv/bin/pip install -r /tmp/requirements-api.txt

# --- runtime stage: the venv and the app, nothing else ------------------------------------------
FROM python:3.11.7-slim-bookworm
ARG WITH_CHROMIUM=0
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH \
    ATTRIBUTION_WORKSPACE=/app/workspace/attribution.duckdb
RUN if [ "$WITH_CHROMIUM" = "1" ]; then \
        apt-get update && apt-get install -y --no-install-recommends chromium \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
 && useradd --create-home --uid 10001 --user-group app \
 && mkdir -p /app/workspace && chown app:app /app/workspace
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# code only (.dockerignore keeps tests, caches, .git and any local workspace out); root-owned, read-only to the app
COPY app.py README.md ./
COPY .streamlit .streamlit
COPY attribution attribution
COPY ui ui
COPY app_pages app_pages
COPY data data
USER app
# 8501: the dashboard (the default command); 8000: the HTTP API (python -m attribution serve)
EXPOSE 8501 8000
# the workspace (DuckDB file with every uploaded dataset) lives here: mount a volume to keep it
VOLUME ["/app/workspace"]
# healthy when the dashboard (8501) or the API (8000) answers its health URL, so both commands of the image
# pass (urlopen raises, and python exits 1, on a refused connection or an error status)
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
  CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2)" 2>/dev/null \
   || python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" 2>/dev/null
# production flags on the command line (.streamlit/config.toml keeps friendly defaults for dev and tests):
# no file watcher, no usage stats, viewer-only toolbar, no exception details in the browser (they are logged)
CMD ["streamlit", "run", "app.py", "--server.headless=true", "--server.port=8501", "--server.address=0.0.0.0", \
     "--server.fileWatcherType=none", "--server.runOnSave=false", "--browser.gatherUsageStats=false", \
     "--client.toolbarMode=viewer", "--client.showErrorDetails=none"]
