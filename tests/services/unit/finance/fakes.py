"""In-memory repositories with the same semantics as the Mongo ones (revision-guarded
evidence, version-conditional ledger writes with an outbox), a fake directory and clock."""
from __future__ import annotations

import copy
import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from maillage_shared.events import make_event

from services.finance.domain.catalogue import CatalogueSet
from services.finance.domain.context import FinanceContext, Policy
from services.finance.domain.model import CLOSED, WITHDRAWN, MeetingFigures

CATALOGUE_DIR = Path(__file__).resolve().parents[4] / "services" / "finance" / "catalogues"


def load_catalogues() -> CatalogueSet:
    return CatalogueSet.from_documents((p.name, yaml.safe_load(p.read_text(encoding="utf-8")))
                                       for p in sorted(CATALOGUE_DIR.glob("*.yaml")))


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 11, 23, 8, 0)):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += timedelta(**delta)


class FakeEvidence:
    def __init__(self):
        self.meetings: dict[str, MeetingFigures] = {}
        self.times: dict[str, object] = {}
        self.protocols: dict[str, object] = {}

    def meeting_closed(self, figures):
        known = self.meetings.get(figures.meeting_id)
        if known is not None and known.revision >= figures.revision:
            return False, None
        self.meetings[figures.meeting_id] = copy.deepcopy(figures)
        return True, known

    def meeting_reopened(self, structure_id, meeting_id, revision):
        known = self.meetings.get(meeting_id)
        if known is None:
            self.meetings[meeting_id] = MeetingFigures(meeting_id, structure_id, revision, WITHDRAWN)
            return None
        if known.revision > revision or (known.revision == revision and known.status == WITHDRAWN):
            return None
        withdrawn = copy.deepcopy(known)
        self.meetings[meeting_id] = dataclasses.replace(known, revision=revision, status=WITHDRAWN, participants=[],
                                                        case_counts={})
        return withdrawn if known.status == CLOSED else None

    def time_recorded(self, record):
        if record.time_id in self.times:
            return False
        self.times[record.time_id] = copy.deepcopy(record)
        return True

    def time_deleted(self, structure_id, time_id):
        known = self.times.get(time_id)
        if known is None:
            from services.finance.domain.model import CoordinationTime
            self.times[time_id] = CoordinationTime(time_id, structure_id, "", deleted=True)
            return None
        if known.deleted:
            return None
        known.deleted = True
        return known

    def protocol_validated(self, protocol):
        known = self.protocols.get(protocol.document_id)
        if known is not None and known.version >= protocol.version:
            return False
        self.protocols[protocol.document_id] = copy.deepcopy(protocol)
        return True

    def year(self, structure_id, year):
        meetings = [copy.deepcopy(m) for m in self.meetings.values()
                    if m.structure_id == structure_id and m.status == CLOSED and m.date and m.date.year == year]
        times = [copy.deepcopy(t) for t in self.times.values()
                 if t.structure_id == structure_id and not t.deleted and t.date and t.date.year == year]
        protocols = [copy.deepcopy(p) for p in self.protocols.values()
                     if p.structure_id == structure_id and p.validated_on.year <= year]
        return meetings, times, protocols


class _Versioned:
    field = ""

    def __init__(self):
        self.docs: dict[tuple, dict] = {}
        self.change_log: dict[tuple, list] = {}

    def get(self, structure_id, year):
        return copy.deepcopy(self.docs.get((structure_id, year)))

    def years(self, structure_id):
        return sorted(y for s, y in self.docs if s == structure_id)


class FakeDeclarations(_Versioned):
    def save(self, structure_id, year, kind, declaration, by, at):
        version = (self.docs.get((structure_id, year)) or {}).get("version", 0) + 1
        self.docs[(structure_id, year)] = {"declaration": copy.deepcopy(declaration), "version": version,
                                           "structure_kind": kind, "updated_at": at, "updated_by": by}
        return version


class FakePolicies(_Versioned):
    def save(self, structure_id, year, kind, policy, by, at, change):
        version = (self.docs.get((structure_id, year)) or {}).get("version", 0) + 1
        self.docs[(structure_id, year)] = {"policy": copy.deepcopy(policy), "version": version,
                                           "structure_kind": kind, "updated_at": at, "updated_by": by}
        self.change_log.setdefault((structure_id, year), []).append({**change, "version": version})
        return version

    def changes(self, structure_id, year, limit):
        return list(reversed(self.change_log.get((structure_id, year), [])))[:limit]


class FakeLedgers:
    def __init__(self):
        self.docs: dict[tuple, object] = {}
        self.outbox: list[dict] = []
        self.kept: dict[tuple, dict] = {}
        self.before_write = None  # a hook to simulate a concurrent recomputation
        self.generations: dict[tuple, int] = {}

    def bump(self, structure_id, year):
        self.generations[(structure_id, year)] = self.generations.get((structure_id, year), 0) + 1
        return self.generations[(structure_id, year)]

    def generation(self, structure_id, year):
        return self.generations.get((structure_id, year), 0)

    def mark_generation(self, structure_id, year, version, generation):
        current = self.docs.get((structure_id, year))
        if current is not None and current.version == version and current.generation < generation:
            current.generation = generation

    def get(self, structure_id, year):
        return copy.deepcopy(self.docs.get((structure_id, year)))

    def write(self, ledger, expected_version, events):
        if self.before_write is not None:
            hook, self.before_write = self.before_write, None
            hook()
        current = self.docs.get((ledger.structure_id, ledger.year))
        if (current.version if current else 0) != expected_version:
            return False
        self.docs[(ledger.structure_id, ledger.year)] = copy.deepcopy(ledger)
        self.outbox.extend(events)
        return True

    def keep_history(self, ledger):
        self.kept.setdefault((ledger.structure_id, ledger.year, ledger.version), {
            "version": ledger.version, "at": ledger.computed_at, "cause": ledger.cause,
            "amount_cents": ledger.state["amount_cents"], "distributed_cents": ledger.state["distributed_cents"],
            "changes": ledger.cause.get("changes", [])})

    def history(self, structure_id, year, limit):
        found = [h for (s, y, _), h in self.kept.items() if s == structure_id and y == year]
        return sorted(found, key=lambda h: -h["version"])[:limit]

    def years(self, structure_id):
        return sorted(y for s, y in self.docs if s == structure_id)

    def all_keys(self):
        return sorted(self.docs)


class FakePayments:
    def __init__(self):
        self.items: dict[str, object] = {}

    def add(self, payment):
        if payment.id in self.items:
            return copy.deepcopy(self.items[payment.id]), False
        self.items[payment.id] = copy.deepcopy(payment)
        return payment, True

    def for_year(self, structure_id, year):
        return [copy.deepcopy(p) for p in self.items.values() if p.structure_id == structure_id and p.year == year]


class FakeOverrides:
    def __init__(self):
        self.values: dict[str, dict] = {}
        self.log: list[dict] = []

    def all(self):
        return copy.deepcopy(self.values)

    def set(self, catalogue_id, path, value, previous, by, reason, at):
        self.values.setdefault(catalogue_id, {})[path] = value
        self.log.append({"catalogue_id": catalogue_id, "path": path, "before": previous, "after": value,
                         "cleared": False, "reason": reason, "by": by, "at": at})

    def clear(self, catalogue_id, path, previous, by, reason, at):
        self.values.get(catalogue_id, {}).pop(path, None)
        self.log.append({"catalogue_id": catalogue_id, "path": path, "before": previous, "after": None,
                         "cleared": True, "reason": reason, "by": by, "at": at})

    def history(self, limit):
        return list(reversed(self.log))[:limit]


class FakeAudit:
    def __init__(self):
        self.entries = []

    def record(self, entry):
        self.entries.append(entry)

    def for_structure(self, structure_id, year, limit):
        found = [e for e in self.entries if e.structure_id == structure_id and (year is None or e.year == year)]
        return list(reversed(found))[:limit]


class FakeProcessed:
    def __init__(self):
        self.ids: set[str] = set()

    def seen(self, event_id):
        return event_id in self.ids

    def mark(self, event):
        if event["event_id"] in self.ids:
            return False
        self.ids.add(event["event_id"])
        return True


class FakeDirectory:
    def __init__(self):
        self.structures: dict[str, dict] = {}
        self.people: dict[str, dict[str, dict]] = {}
        self.emails: dict[str, str] = {}

    def add_structure(self, structure_id, kind="msp", name="MSP des Tilleuls"):
        self.structures[structure_id] = {"id": structure_id, "name": name, "kind": kind, "finess": "350012345",
                                         "address": {"line1": "3 rue des Tilleuls", "postcode": "35000",
                                                     "city": "Rennes"}}
        self.people.setdefault(structure_id, {})

    def add(self, structure_id, user_id, role="member", first_name="Paul", last_name="Leroy",
            profession="medecin_generaliste", email=None):
        self.people[structure_id][user_id] = {"user_id": user_id, "role": role, "first_name": first_name,
                                              "last_name": last_name, "profession": profession}
        self.emails[user_id] = email or f"{user_id}@example.org"

    def role(self, structure_id, user_id):
        person = self.people.get(structure_id, {}).get(user_id)
        return person["role"] if person else None

    def members(self, structure_id):
        return list(self.people.get(structure_id, {}).values())

    def structure(self, structure_id):
        return self.structures[structure_id]

    def email(self, user_id):
        return self.emails.get(user_id)


def fake_context(directory=None, clock=None, admins=frozenset(), catalogues=None) -> FinanceContext:
    return FinanceContext(
        evidence=FakeEvidence(), declarations=FakeDeclarations(), policies=FakePolicies(), ledgers=FakeLedgers(),
        payments=FakePayments(), overrides=FakeOverrides(), audit_entries=FakeAudit(), processed=FakeProcessed(),
        catalogues=catalogues or load_catalogues(), directory=directory or FakeDirectory(),
        make_event=lambda event_type, structure_id, payload: make_event(event_type, structure_id, payload),
        policy=Policy(instance_admins=frozenset(admins)), clock=clock or FakeClock())
