# Maillage — the front door. `make` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
.DEFAULT_GOAL := help

.PHONY: help install run test test-services test-platform up down lint bench openapi clean lock

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-local.txt requirements-dev.txt shared/pyproject.toml scripts/install.sh
	@bash scripts/install.sh
	@touch $(STAMP)

install: $(STAMP) ## Install everything needed (virtualenv, packages, Chromium for browser tests)

run: install ## Run the whole platform locally with embedded servers and demo data (Ctrl-C stops it)
	@$(PY) -m infra.local.run

test: install ## Run the whole test suite against real servers (RabbitMQ, Mongo-wire, S3, SMTP sink)
	@bash scripts/test.sh

test-services: install ## Only the service tiers (unit, contract, integration; eventlet)
	@bash scripts/test.sh services

test-platform: install ## Only the platform tiers (gateway unit, e2e, browser; no eventlet)
	@bash scripts/test.sh platform

up: ## Run the platform with docker compose (real MongoDB, RabbitMQ, MinIO, Prometheus, Grafana)
	docker compose up -d --build

down: ## Stop the docker compose platform
	docker compose down

lint: install ## Lint the code
	@$(VENV)/bin/ruff check shared services gateway infra tests benchmarks

bench: install ## Run every benchmark (gateway, projects, documents, finance); writes BENCHMARKS.md
	@$(PY) -m benchmarks.all

openapi: install ## Regenerate the committed OpenAPI document
	@$(PY) -m gateway.openapi > docs/openapi.json && echo "docs/openapi.json updated"

clean: ## Remove local data (var/) — the embedded servers' databases and objects
	rm -rf var

lock: ## Regenerate requirements.lock (exact runtime versions for images) from requirements.txt
	@rm -rf /tmp/maillage-lock && $(PYTHON) -m venv /tmp/maillage-lock && /tmp/maillage-lock/bin/pip install -q 'setuptools<82' -r requirements.txt \
	  && { echo "# Exact versions for production images (generated from requirements.txt: make lock)"; /tmp/maillage-lock/bin/pip freeze; } > requirements.lock
