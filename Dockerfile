# syntax=docker/dockerfile:1
#
# One image for every Maillage Python process. The command picks the process:
#   gateway (default):  gunicorn --config gateway/gunicorn.conf.py "gateway.app:create_app()"
#   a service:          python -m maillage_shared.runner services.identity.service:IdentityService
#
# Build:  docker build -t maillage:dev .
ARG PYTHON_IMAGE=python:3.11.12-slim-bookworm

FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# tini as PID 1: forwards SIGTERM to gunicorn / the Nameko runner and reaps zombies.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends tini; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 maillage; \
    useradd --system --uid 10001 --gid maillage --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin maillage

WORKDIR /app

# Dependencies first, so code changes do not invalidate this layer.
COPY requirements.lock /tmp/requirements.lock
RUN pip install -r /tmp/requirements.lock && rm /tmp/requirements.lock

COPY shared/ /tmp/shared/
RUN pip install /tmp/shared && rm -rf /tmp/shared && pip check

COPY services/ /app/services/
COPY gateway/ /app/gateway/
COPY infra/ /app/infra/

# Compile the gateway's message catalogues now (*.mo are not in git), so the read-only
# container does not recompile them into /tmp at every start.
RUN if [ -d gateway/translations ]; then pybabel compile --directory gateway/translations --statistics; fi

# Numeric USER so Kubernetes can verify runAsNonRoot.
USER 10001:10001

# 8080: gateway HTTP (/healthz, /readyz, /metrics); 9101: a service's metrics + /healthz.
EXPOSE 8080 9101

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["gunicorn", "--config", "gateway/gunicorn.conf.py", "gateway.app:create_app()"]
