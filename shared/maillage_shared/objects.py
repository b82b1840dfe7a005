"""Object storage (the S3 API: MinIO in production, SeaweedFS in development) behind a small facade.

Only what the platform needs: buckets named ``<MAILLAGE_S3_BUCKET_PREFIX><name>``, streaming
writes of unknown length that count the bytes, compute their SHA-256 on the way and stop at a
size limit, streaming and ranged reads, server-side copies, stat, listing and removal.

Memory stays flat whatever the size: a write holds one multipart part at a time (parts are
uploaded one after the other, never queued), a read yields small chunks. No Nameko, no Flask:
services get one through ``service_kit.ObjectStorage``, the gateway keeps one per process.
Storage outages surface as ``ServiceUnavailable`` (a 503 with a clear message), a missing
object as ``None`` or ``ObjectMissing``.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import urllib3
from minio import Minio
from minio.commonconfig import ENABLED, ComposeSource, CopySource, Filter
from minio.error import S3Error
from minio.lifecycleconfig import AbortIncompleteMultipartUpload, Expiration, LifecycleConfig, Rule

from .clock import as_utc
from .errors import MaillageError, ServiceUnavailable

log = logging.getLogger(__name__)

PART_SIZE = 8 * 1024 * 1024  # S3 wants parts of at least 5 MiB (but the last)
MAX_COPY_SIZE = 5 * 1024 ** 3  # above this, a server-side copy must be a multipart "compose"
READ_CHUNK = 1024 * 1024
MISSING_CODES = {"NoSuchKey", "NoSuchBucket", "NoSuchObject", "NotFound"}
UNAVAILABLE = "The document storage is temporarily unavailable; please try again in a moment."
TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, OSError)


class ObjectTooLarge(Exception):
    """The stream went past the limit; nothing was kept."""

    def __init__(self, limit: int):
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class ObjectMissing(Exception):
    """The object does not exist (any more)."""


class StreamInterrupted(Exception):
    """Reading the source stream failed (the client went away, a truncated body): nothing was kept."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    last_modified: datetime | None = None  # naive UTC
    content_type: str | None = None


class LimitedHashingReader:
    """A file-like ``read`` over ``source`` that counts, hashes and refuses to go past ``limit``.

    Each ``read(n)`` returns ``n`` bytes unless the source ends first (MinIO builds a part from
    successive reads; short reads would make it concatenate many small strings)."""

    def __init__(self, source: BinaryIO, limit: int, chunk: int = READ_CHUNK, expected_size: int | None = None):
        self.source = source
        self.limit = limit
        self.chunk = chunk
        self.expected_size = expected_size  # a declared length: ending short of it means the sender went away
        self.size = 0
        self._hash = hashlib.sha256()
        self._eof = False

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.limit + 1 - self.size
        buffer = bytearray()
        while len(buffer) < size and not self._eof:
            try:
                piece = self.source.read(min(self.chunk, size - len(buffer)))
            except (StreamInterrupted, ObjectTooLarge, MaillageError):
                raise
            except Exception as exc:  # kept apart from storage errors: it is the sender's fault
                raise StreamInterrupted(str(exc) or type(exc).__name__) from exc
            if not piece:
                self._eof = True
                if self.expected_size is not None and self.size + len(buffer) < self.expected_size:
                    raise StreamInterrupted(f"{self.size + len(buffer)} bytes of the {self.expected_size} announced")
                break
            buffer += piece
            if self.size + len(buffer) > self.limit:
                raise ObjectTooLarge(self.limit)
        data = bytes(buffer)
        self.size += len(data)
        self._hash.update(data)
        return data


class ObjectStore:
    """One S3 endpoint and credentials; thread-safe (urllib3 pool), fine under eventlet."""

    def __init__(self, client: Minio, bucket_prefix: str = "maillage-"):
        self.client = client
        self.bucket_prefix = bucket_prefix
        self._buckets_ready: set[str] = set()

    @classmethod
    def from_settings(cls, settings, max_connections: int = 16) -> ObjectStore:
        # Few retries: during an outage the caller should get its 503 in seconds, not minutes.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=120), maxsize=max_connections,
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)))
        client = Minio(settings.s3_endpoint, access_key=settings.s3_access_key or None,
                       secret_key=settings.s3_secret_key or None, secure=settings.s3_secure, http_client=http)
        return cls(client, settings.s3_bucket_prefix)

    def bucket(self, name: str) -> str:
        return f"{self.bucket_prefix}{name}"

    # Buckets -----------------------------------------------------------------------------

    def ensure_bucket(self, bucket: str, staging_prefix: str | None = None, staging_days: int = 1) -> None:
        """Create the bucket once; objects under ``staging_prefix`` (and unfinished multipart
        uploads) expire after ``staging_days`` where the server supports lifecycle rules."""
        if bucket in self._buckets_ready:
            return
        with self._unavailable_on_transport_errors():
            if not self.client.bucket_exists(bucket):
                try:
                    self.client.make_bucket(bucket)
                except S3Error as exc:
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
            if staging_prefix:
                self._expire_staging(bucket, staging_prefix, staging_days)
        self._buckets_ready.add(bucket)

    def _expire_staging(self, bucket: str, prefix: str, days: int) -> None:
        rule = Rule(ENABLED, rule_filter=Filter(prefix=prefix), rule_id="maillage-staging",
                    expiration=Expiration(days=days),
                    abort_incomplete_multipart_upload=AbortIncompleteMultipartUpload(days_after_initiation=days))
        try:
            self.client.set_bucket_lifecycle(bucket, LifecycleConfig([rule]))
        except S3Error as exc:  # not every S3 server has lifecycle rules: the janitor still cleans up
            log.warning("no lifecycle rule on bucket %s: %s", bucket, exc)

    # Writing -----------------------------------------------------------------------------

    def put_stream(self, bucket: str, key: str, stream: BinaryIO, limit: int,
                   content_type: str = "application/octet-stream", part_size: int = PART_SIZE,
                   expected_size: int | None = None) -> StoredObject:
        """Write ``stream`` (unknown length) to ``key``; its size and SHA-256 come back.

        Raises ObjectTooLarge past ``limit`` bytes and StreamInterrupted when the source fails
        or ends short of ``expected_size`` (a client that went away: some servers just end the
        body); in both cases the multipart upload is aborted and nothing is kept."""
        reader = LimitedHashingReader(stream, limit, expected_size=expected_size)
        with self._unavailable_on_transport_errors():
            self.client.put_object(bucket, key, reader, -1, content_type=content_type, part_size=part_size,
                                   num_parallel_uploads=1)
        return StoredObject(key=key, size=reader.size, sha256=reader.sha256)

    def put_bytes(self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        import io

        with self._unavailable_on_transport_errors():
            self.client.put_object(bucket, key, io.BytesIO(data), len(data), content_type=content_type)

    def copy(self, bucket: str, source_key: str, target_key: str, size: int | None = None) -> None:
        """Server-side copy within ``bucket`` (no byte goes through us)."""
        with self._unavailable_on_transport_errors():
            try:
                if size is not None and size > MAX_COPY_SIZE:
                    self.client.compose_object(bucket, target_key, [ComposeSource(bucket, source_key)])
                else:
                    self.client.copy_object(bucket, target_key, CopySource(bucket, source_key))
            except S3Error as exc:
                if exc.code in MISSING_CODES:
                    raise ObjectMissing(source_key) from None
                raise

    def remove(self, bucket: str, key: str) -> None:
        """Idempotent: removing what is not there is not an error."""
        with self._unavailable_on_transport_errors():
            try:
                self.client.remove_object(bucket, key)
            except S3Error as exc:
                if exc.code not in MISSING_CODES:
                    raise

    # Reading -----------------------------------------------------------------------------

    def stat(self, bucket: str, key: str) -> ObjectInfo | None:
        with self._unavailable_on_transport_errors():
            try:
                found = self.client.stat_object(bucket, key)
            except S3Error as exc:
                if exc.code in MISSING_CODES:
                    return None
                raise
        return ObjectInfo(key=key, size=found.size or 0, content_type=found.content_type,
                          last_modified=as_utc(found.last_modified) if found.last_modified else None)

    def read_head(self, bucket: str, key: str, length: int = 8192) -> bytes:
        """The first ``length`` bytes (fewer for a smaller object)."""
        with self._unavailable_on_transport_errors():
            try:
                response = self.client.get_object(bucket, key, offset=0, length=length)
            except S3Error as exc:
                if exc.code in MISSING_CODES:
                    raise ObjectMissing(key) from None
                if exc.code == "InvalidRange":  # an empty object
                    return b""
                raise
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def open(self, bucket: str, key: str, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        """The object's bytes in chunks; the connection is released when the iterator ends or
        is closed. Missing → ObjectMissing (raised at once, before the first chunk)."""
        with self._unavailable_on_transport_errors():
            try:
                response = self.client.get_object(bucket, key)
            except S3Error as exc:
                if exc.code in MISSING_CODES:
                    raise ObjectMissing(key) from None
                raise
        return _chunks(response, chunk_size)

    def sha256_of(self, bucket: str, key: str) -> tuple[int, str]:
        """(size, SHA-256) of an object, read back in chunks."""
        digest, size = hashlib.sha256(), 0
        for chunk in self.open(bucket, key, READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        return size, digest.hexdigest()

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        with self._unavailable_on_transport_errors():
            try:
                for found in self.client.list_objects(bucket, prefix=prefix or None, recursive=True):
                    if found.is_dir:
                        continue
                    yield ObjectInfo(key=found.object_name, size=found.size or 0,
                                     last_modified=as_utc(found.last_modified) if found.last_modified else None)
            except S3Error as exc:
                if exc.code != "NoSuchBucket":
                    raise

    # -----------------------------------------------------------------------------------

    class _Guard:
        def __enter__(self):
            return self

        def __exit__(self, exc_type, exc, tb):
            if exc_type is not None and issubclass(exc_type, TRANSPORT_ERRORS):
                log.warning("object storage unreachable: %r", exc)
                raise ServiceUnavailable(UNAVAILABLE) from exc
            return False

    def _unavailable_on_transport_errors(self) -> ObjectStore._Guard:
        return ObjectStore._Guard()


def _chunks(response, chunk_size: int) -> Iterator[bytes]:
    try:
        yield from response.stream(chunk_size)
    except TRANSPORT_ERRORS as exc:
        log.warning("object storage read interrupted: %r", exc)
        raise ServiceUnavailable(UNAVAILABLE) from exc
    finally:
        response.close()
        response.release_conn()
