"""In-memory stand-ins for the documents domain's ports (repositories, content store, locks,
member directory, project teams, clock).

They keep the rules the domain relies on: a document is saved only at the revision it was
read, events are kept next to the state they describe, a copy from a missing object fails,
a lock cannot be taken twice.
"""
from __future__ import annotations

import copy
import hashlib
from contextlib import contextmanager
from datetime import datetime, timedelta

from maillage_shared.errors import ServiceUnavailable

from services.documents.domain.context import DocumentsContext, Policy
from services.documents.domain.model import Member, ProjectTeam
from services.documents.domain.ports import AlreadyExists, ContentMissing, StoredContent
from services.documents.domain.text import document_search_text


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 11, 23, 9, 0, 0)):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += timedelta(**delta)


class FakeDocuments:
    def __init__(self):
        self.rows: dict[str, object] = {}
        self.outbox: list = []

    def add(self, document, events=()):
        if document.id in self.rows:
            raise AlreadyExists(document.id)
        self.rows[document.id] = copy.deepcopy(document)
        self.outbox.extend(events)

    def get(self, document_id):
        return copy.deepcopy(self.rows.get(document_id))

    def save(self, document, events=()):
        stored = self.rows.get(document.id)
        if stored is None or stored.revision != document.revision:
            return False
        document.revision += 1
        self.rows[document.id] = copy.deepcopy(document)
        self.outbox.extend(events)
        return True

    def in_structure(self, structure_id, state="active", words=()):
        found = []
        for d in self.rows.values():
            text = document_search_text(d.title, d.folder, d.tags, d.current.filename)
            if d.structure_id == structure_id and d.state == state and all(w in text for w in words):
                found.append(copy.deepcopy(d))
        return found

    def trashed_before(self, cutoff):
        return [copy.deepcopy(d) for d in self.rows.values() if d.state == "trashed" and d.trashed_at <= cutoff]

    def remove(self, document_id):
        self.rows.pop(document_id, None)

    def count_referencing(self, structure_id, object_key):
        return sum(1 for d in self.rows.values() if d.structure_id == structure_id and object_key in d.object_keys)

    def everything(self):
        return [copy.deepcopy(d) for d in self.rows.values()]

    def mark_missing(self, document_id, object_key):
        for version in self.rows[document_id].versions:
            if version.object_key == object_key:
                version.missing = True

    def events(self, event_type=None):
        return [e for e in self.outbox if event_type is None or e.type == event_type]


class FakeUploads:
    def __init__(self):
        self.rows: dict[str, object] = {}

    def add(self, upload):
        self.rows[upload.id] = copy.deepcopy(upload)

    def get(self, upload_id):
        return copy.deepcopy(self.rows.get(upload_id))

    def finish(self, upload_id, state, at, reason=None):
        upload = self.rows.get(upload_id)
        if upload is None or upload.state != "pending":
            return False
        upload.state, upload.finished_at, upload.reason = state, at, reason
        return True

    def pending_before(self, cutoff):
        return [copy.deepcopy(u) for u in self.rows.values() if u.state == "pending" and u.created_at < cutoff]

    def pending(self):
        return [copy.deepcopy(u) for u in self.rows.values() if u.state == "pending"]


class FakeLibrary:
    def __init__(self):
        self.rows: dict[str, object] = {}

    def upsert(self, entry):
        self.rows[entry.id] = copy.deepcopy(entry)

    def get(self, entry_id):
        return copy.deepcopy(self.rows.get(entry_id))

    def for_document(self, document_id):
        return copy.deepcopy(next((e for e in self.rows.values() if e.origin_document_id == document_id), None))

    def search(self, words, theme, profession):
        found = [e for e in self.rows.values() if e.state == "published" and all(w in e.search_key for w in words)
                 and (not theme or e.protocol.get("aci_theme") == theme)
                 and (not profession or profession in e.protocol.get("professions", []))]
        return [copy.deepcopy(e) for e in sorted(found, key=lambda e: e.published_at, reverse=True)]

    def count_referencing(self, object_key):
        return sum(1 for e in self.rows.values() if e.object_key == object_key and e.state == "published")

    def everything(self):
        return [copy.deepcopy(e) for e in self.rows.values()]


class FakeAudit:
    def __init__(self):
        self.entries: list = []

    def record(self, entry):
        self.entries.append(entry)

    def for_structure(self, structure_id, limit):
        return [e for e in reversed(self.entries) if e.structure_id == structure_id][:limit]

    def actions(self):
        return [e.action for e in self.entries]


class FakeContents:
    """The documents bucket: key -> (bytes, last modified)."""

    bucket = "maillage-documents"

    def __init__(self, clock):
        self.clock = clock
        self.objects: dict[str, tuple[bytes, datetime]] = {}
        self.copies = 0
        self.down = False

    def _check(self):
        if self.down:
            raise ServiceUnavailable("The document storage is temporarily unavailable; please try again in a moment.")

    def stage(self, key: str, data: bytes) -> dict:
        """What the gateway does: stream the bytes, count them and hash them."""
        self.objects[key] = (data, self.clock())
        return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    def stat(self, key):
        self._check()
        found = self.objects.get(key)
        return None if found is None else StoredContent(key, len(found[0]), found[1])

    def store(self, key, data, content_type):
        self._check()
        self.objects[key] = (data, self.clock())

    def head(self, key, length=8192):
        self._check()
        if key not in self.objects:
            raise ContentMissing(key)
        return self.objects[key][0][:length]

    def copy(self, source_key, target_key, size):
        self._check()
        if source_key not in self.objects:
            raise ContentMissing(source_key)
        self.objects[target_key] = (self.objects[source_key][0], self.clock())
        self.copies += 1

    def discard(self, key):
        self._check()
        self.objects.pop(key, None)

    def listing(self, prefix=""):
        self._check()
        return [StoredContent(k, len(v[0]), v[1]) for k, v in sorted(self.objects.items()) if k.startswith(prefix)]

    def digest(self, key):
        data = self.objects[key][0]
        return len(data), hashlib.sha256(data).hexdigest()

    def keys(self, prefix=""):
        return sorted(k for k in self.objects if k.startswith(prefix))


class FakeLocks:
    def __init__(self):
        self.held: set[str] = set()
        self.taken: list[str] = []

    @contextmanager
    def holding(self, key):
        assert key not in self.held, f"lock {key} taken twice"
        self.held.add(key)
        self.taken.append(key)
        try:
            yield
        finally:
            self.held.discard(key)


class FakeDirectory:
    def __init__(self):
        self.roles: dict[str, dict[str, str]] = {}
        self.names: dict[str, str] = {}

    def add(self, structure_id, user_id, role="member", name="MSP"):
        self.roles.setdefault(structure_id, {})[user_id] = role
        self.names.setdefault(structure_id, name)

    def membership(self, structure_id, user_id):
        role = self.roles.get(structure_id, {}).get(user_id)
        return Member(user_id, role) if role else None

    def member_ids(self, structure_id):
        return set(self.roles.get(structure_id, {}))

    def structure_name(self, structure_id):
        return self.names.get(structure_id)


class FakeProjects:
    """project id -> (structure id, team); the visibility rule is the projects service's own."""

    def __init__(self):
        self.projects: dict[str, tuple[str, set[str]]] = {}
        self.hidden_from: dict[str, set[str]] = {}
        self.down = False
        self.calls = 0

    def add(self, project_id, structure_id, team, hidden_from=()):
        self.projects[project_id] = (structure_id, set(team))
        self.hidden_from[project_id] = set(hidden_from)

    def team(self, actor_id, project_id):
        self.calls += 1
        if self.down:
            raise ServiceUnavailable("The projects service is temporarily unavailable.")
        if project_id not in self.projects or actor_id in self.hidden_from.get(project_id, set()):
            return None
        structure_id, team = self.projects[project_id]
        return ProjectTeam(project_id, structure_id, frozenset(team))


def fake_context(clock=None, policy=None, **overrides) -> DocumentsContext:
    clock = clock or FakeClock()
    parts = dict(documents=FakeDocuments(), uploads=FakeUploads(), library=FakeLibrary(), audit_entries=FakeAudit(),
                 contents=FakeContents(clock), locks=FakeLocks(), directory=FakeDirectory(), projects=FakeProjects(),
                 policy=policy or Policy(max_bytes=1024 * 1024, trash_days=30), clock=clock)
    parts.update(overrides)
    return DocumentsContext(**parts)
