"""Prometheus metric definitions shared by the services and the gateway."""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

RPC_DURATION = Histogram(
    "maillage_rpc_duration_seconds", "Time spent handling an RPC or event entrypoint in a service.",
    ["service", "method"], buckets=LATENCY_BUCKETS)
RPC_ERRORS = Counter(
    "maillage_rpc_errors_total", "Entrypoint calls that ended in an error.", ["service", "method", "error"])
OUTBOX_PENDING = Gauge(
    "maillage_outbox_pending_events", "Events written to an outbox and not yet published.", ["service"])
EVENTS_PUBLISHED = Counter(
    "maillage_events_published_total", "Events published by outbox relays.", ["service", "type"])
EVENT_LAG = Histogram(
    "maillage_event_lag_seconds", "Delay between an event occurring and its consumption.",
    ["service", "type"], buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300))
HTTP_DURATION = Histogram(
    "maillage_http_request_duration_seconds", "Gateway HTTP request latency.",
    ["method", "endpoint", "status"], buckets=LATENCY_BUCKETS)
GATEWAY_RPC_DURATION = Histogram(
    "maillage_gateway_rpc_duration_seconds", "RPC round trip seen from the gateway.",
    ["service", "method"], buckets=LATENCY_BUCKETS)
