"""Where a request's time goes, from the platform's own Prometheus histograms.

Scraped before and after a measurement, the ``_sum`` and ``_count`` of three histograms
split the mean latency the client sees into: time inside Flask (``HTTP_DURATION``, which
starts when a gunicorn thread picks the request up), RPC round trips as the gateway sees
them (``GATEWAY_RPC_DURATION``), and time inside the identity service's workers
(``RPC_DURATION``). What is left is queueing and transport on each side.
"""
from __future__ import annotations

from dataclasses import dataclass

import requests
from prometheus_client.parser import text_string_to_metric_families

HTTP = "maillage_http_request_duration_seconds"
GATEWAY_RPC = "maillage_gateway_rpc_duration_seconds"
SERVICE_RPC = "maillage_rpc_duration_seconds"

Key = tuple[str, frozenset]


def scrape(url: str) -> dict[Key, float]:
    """Every ``*_sum`` and ``*_count`` sample of ``url`` (empty if it does not answer)."""
    try:
        response = requests.get(url, timeout=10)
        response.raise_for_status()
    except requests.RequestException:
        return {}
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name.endswith(("_sum", "_count")):
                samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def _total(samples: dict[Key, float], name: str, labels: dict[str, str]) -> float:
    wanted = set(labels.items())
    return sum(value for (sample_name, sample_labels), value in samples.items()
               if sample_name == name and wanted <= sample_labels)


@dataclass(frozen=True)
class Histogram:
    name: str
    labels: dict[str, str]

    def delta(self, before: dict[Key, float], after: dict[Key, float]) -> tuple[float, float]:
        """(seconds, observations) recorded between the two scrapes."""
        return (_total(after, self.name + "_sum", self.labels) - _total(before, self.name + "_sum", self.labels),
                _total(after, self.name + "_count", self.labels) - _total(before, self.name + "_count", self.labels))


@dataclass
class Breakdown:
    """Mean milliseconds per request (or per call), by where they were spent. Each part is
    a mean of its own observations (sum / count), so requests still in flight when the
    window opens or closes do not skew one part against another."""
    in_flask_ms: float | None = None          # HTTP_DURATION: routing, auth, RPCs, JSON
    gateway_rpc_ms: float | None = None       # the request's RPC round trips, seen from the gateway
    in_service_ms: float | None = None        # in identity's workers: handler + publishing the reply


class MetricsProbe:
    """Scrapes the gateway's and the services' /metrics around a measurement."""

    def __init__(self, gateway_url: str, service_urls: dict[str, str]):
        self.urls = {"gateway": gateway_url, **service_urls}

    def snapshot(self) -> dict[str, dict[Key, float]]:
        return {name: scrape(url) for name, url in self.urls.items()}

    def breakdown(self, before: dict, after: dict, http_endpoint: str | None, rpc_methods: list[str],
                  service: str = "identity") -> Breakdown:
        """Means between two snapshots: per HTTP request of ``http_endpoint`` (a Flask rule)
        that calls each of ``rpc_methods`` once, or, when it is None, per direct call of the
        one method in ``rpc_methods``."""

        def mean_ms(source: str, name: str, labels: dict[str, str]) -> float | None:
            seconds, count = Histogram(name, labels).delta(before.get(source, {}), after.get(source, {}))
            return seconds / count * 1000 if count > 0 else None

        def per_request(source: str, name: str) -> float | None:
            means = [mean_ms(source, name, {"service": service, "method": method}) for method in rpc_methods]
            return sum(means) if means and None not in means else None

        if http_endpoint is None:
            return Breakdown(in_service_ms=per_request(service, SERVICE_RPC))
        return Breakdown(in_flask_ms=mean_ms("gateway", HTTP, {"endpoint": http_endpoint, "method": "GET"}),
                         gateway_rpc_ms=per_request("gateway", GATEWAY_RPC),
                         in_service_ms=per_request(service, SERVICE_RPC))
