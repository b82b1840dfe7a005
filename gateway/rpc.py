"""A bounded pool of started Nameko RPC proxies, one borrowed per call.

One standalone proxy shared by several threads hangs, and creating one per request is
about three times slower (STACK-NOTES), hence the pool. A proxy whose connection broke
(broker restart, timeout) is thrown away and a new one is made on the next call, so the
gateway recovers by itself once the broker or the service is back.
"""
from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from contextlib import contextmanager

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from maillage_shared import errors, metrics
from maillage_shared.errors import MaillageError, ServiceUnavailable
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

log = logging.getLogger(__name__)
errors.register_with_nameko()

TRANSPORT_ERRORS = (OSError, socket.error, AmqpConnectionError, OperationalError, ConnectionError, RpcTimeout,
                    UnknownService, EOFError)


class RpcPool:
    def __init__(self, nameko_config: dict, size: int, timeout: float):
        self.config = nameko_config
        self.size = size
        self.timeout = timeout
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._created = 0
        self._lock = threading.Lock()

    def _new_proxy(self):
        standalone = ClusterRpcProxy(self.config, timeout=self.timeout)
        cluster = standalone.start()
        return standalone, cluster

    @contextmanager
    def _borrow(self):
        item = None
        try:
            item = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                may_create = self._created < self.size
                if may_create:
                    self._created += 1
            if may_create:
                try:
                    item = self._new_proxy()
                except Exception:
                    with self._lock:
                        self._created -= 1
                    raise
            else:
                try:
                    item = self._idle.get(timeout=self.timeout)
                except queue.Empty:
                    raise ServiceUnavailable("The platform is busy; please try again in a moment.") from None
        healthy = True
        try:
            yield item[1]
        except TRANSPORT_ERRORS:
            healthy = False
            raise
        finally:
            if healthy:
                self._idle.put(item)
            else:
                self._discard(item)

    def _discard(self, item) -> None:
        with self._lock:
            self._created -= 1
        try:
            item[0].stop()
        except Exception:  # a broken proxy may fail to stop; it is dropped either way
            log.debug("discarding a broken RPC proxy", exc_info=True)

    def call(self, service: str, method: str, *args, correlation_id: str | None = None, **kwargs):
        started = time.perf_counter()
        try:
            with self._borrow() as cluster:
                cluster._worker_ctx.data["correlation_id"] = correlation_id
                return getattr(getattr(cluster, service), method)(*args, **kwargs)
        except MaillageError:
            raise
        except TRANSPORT_ERRORS as exc:
            log.warning("RPC %s.%s failed: %r", service, method, exc)
            raise ServiceUnavailable(
                f"The {service} service is temporarily unavailable; please try again in a moment.") from None
        finally:
            metrics.GATEWAY_RPC_DURATION.labels(service, method).observe(time.perf_counter() - started)

    def close(self) -> None:
        while True:
            try:
                item = self._idle.get_nowait()
            except queue.Empty:
                break
            self._discard(item)
