"""The documents bucket of the object store, as the domain's ``ContentStore``."""
from __future__ import annotations

from collections.abc import Iterator

from maillage_shared.objects import ObjectMissing, ObjectStore

from ..domain.ports import ContentMissing, StoredContent
from ..domain.storage import STAGING_PREFIX


class BucketContents:
    def __init__(self, objects: ObjectStore, bucket: str):
        self.objects = objects
        self.bucket = bucket

    def ready(self) -> BucketContents:
        """Create the bucket on first use; staging objects expire after a day where supported."""
        self.objects.ensure_bucket(self.bucket, staging_prefix=STAGING_PREFIX, staging_days=1)
        return self

    def stat(self, key: str) -> StoredContent | None:
        found = self.objects.stat(self.bucket, key)
        return None if found is None else StoredContent(key=key, size=found.size, last_modified=found.last_modified)

    def store(self, key: str, data: bytes, content_type: str) -> None:
        self.objects.put_bytes(self.bucket, key, data, content_type)

    def head(self, key: str, length: int = 8192) -> bytes:
        try:
            return self.objects.read_head(self.bucket, key, length)
        except ObjectMissing:
            raise ContentMissing(key) from None

    def copy(self, source_key: str, target_key: str, size: int) -> None:
        try:
            self.objects.copy(self.bucket, source_key, target_key, size)
        except ObjectMissing:
            raise ContentMissing(source_key) from None

    def discard(self, key: str) -> None:
        self.objects.remove(self.bucket, key)

    def listing(self, prefix: str = "") -> Iterator[StoredContent]:
        for found in self.objects.list(self.bucket, prefix):
            yield StoredContent(key=found.key, size=found.size, last_modified=found.last_modified)

    def digest(self, key: str) -> tuple[int, str]:
        try:
            return self.objects.sha256_of(self.bucket, key)
        except ObjectMissing:
            raise ContentMissing(key) from None
