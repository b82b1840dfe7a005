"""gunicorn settings for the gateway (production and `make run`).

gthread workers, no eventlet: the Nameko RPC pool is thread-safe by construction (one
proxy per concurrent request). With several worker processes Prometheus needs a shared
directory for its metrics, created here before the workers fork.
"""
import os
import tempfile

bind = f"{os.environ.get('MAILLAGE_GATEWAY_HOST', '127.0.0.1')}:{os.environ.get('MAILLAGE_GATEWAY_PORT', '8080')}"
workers = int(os.environ.get("MAILLAGE_GATEWAY_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("MAILLAGE_GATEWAY_THREADS", "8"))
timeout = 60
graceful_timeout = 20
accesslog = None
errorlog = "-"
loglevel = os.environ.get("MAILLAGE_LOG_LEVEL", "info").lower()

if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="maillage-prom-")


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
