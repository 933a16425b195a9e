# Serves the attribution app. Build: docker build -t attribution .
# Run:   docker run -p 8501:8501 -v attribution-data:/app/workspace attribution
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ATTRIBUTION_WORKSPACE=/app/workspace/attribution.duckdb
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt \
 && useradd --create-home --uid 10001 app \
 && mkdir -p /app/workspace && chown app:app /app/workspace
COPY --chown=app:app . .
USER app
EXPOSE 8501
VOLUME ["/app/workspace"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read().strip()==b'ok' else 1)"
CMD ["streamlit", "run", "app.py", "--server.headless=true", "--server.port=8501", \
     "--server.address=0.0.0.0", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"]
