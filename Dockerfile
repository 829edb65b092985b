FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    NUDGE_ENV=production NUDGE_HOST=0.0.0.0 NUDGE_PORT=8000 \
    NUDGE_DATABASE_URL=sqlite:////data/nudge.db

RUN useradd --create-home --uid 10001 nudge && mkdir /data && chown nudge /data
WORKDIR /srv/nudge
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY channels ./channels
COPY migrations ./migrations
RUN pip install '.[postgres]'

USER nudge
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["sh", "-c", "nudge migrate && exec nudge serve --host 0.0.0.0 --port 8000"]
