# The bot's one image: `web` (the default command) and `worker` (docker-compose.yml runs both).
# Slim Debian with Python, Tesseract and its Vietnamese model (reading photos of papers), DejaVu fonts
# (posters), tini as PID 1 (passes SIGTERM on, reaps rq's scheduler process); runs as an unprivileged user.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PROMETHEUS_MULTIPROC_DIR=/run/xabot-metrics

RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-vie fonts-dejavu-core tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin xabot \
 && mkdir -p /run/xabot-metrics /app/var && chown xabot:xabot /run/xabot-metrics /app/var

WORKDIR /app
COPY . .
# Editable: the code finds data/ beside bot/ (bot.config.ROOT), as in a checkout.
RUN pip install -e . && python -m compileall -q bot handlers sandbox

USER xabot
EXPOSE 8000
ENTRYPOINT ["/usr/bin/tini", "--"]
# WEB_CONCURRENCY (gunicorn reads it) sets the number of web workers; see README "Production".
CMD ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app", "--bind", "0.0.0.0:8000", "--threads", "4", \
     "--access-logfile", "-"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
