"""gunicorn's settings for the `web` process (Procfile, Dockerfile, systemd unit); the command line adds
the bind address and the worker count.

SIGTERM (a deploy, `docker stop`, `systemctl stop`) is a graceful stop: gunicorn stops accepting, lets
each worker finish the requests it has for up to `graceful_timeout` seconds, then exits. Webhook
requests take milliseconds; the longest requests are console pages and CSV exports.
"""

import os
import socket

graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Behind Caddy (or another proxy) on the same host or network: keep-alive a little longer than its idle time.
keepalive = 5


def child_exit(server, worker):  # gunicorn calls its hooks with both
    """Prometheus multiprocess mode: a dead worker's live gauges must not be added up any more."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        # The same identifier bot.ops.metrics gives each process's files.
        multiprocess.mark_process_dead(f"{socket.gethostname()}_{worker.pid}")
