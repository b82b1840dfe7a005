"""Finance: the annual report of a structure with 300 closed meetings and 60 members (JSON,
CSV and PDF, through the service and the gateway), and the lag from a ``meetings.meeting_closed``
event to the updated shares while 50 meetings close in a burst. Writes (or replaces) its own
section of BENCHMARKS.md.

Run: ``python -m benchmarks.finance_bench`` (``--quick`` for a small try of the harness).
The lag is measured from the moment the event is published on the broker to the moment a
``finance.distribution_updated.v1`` event whose shares include that meeting's marker
participant arrives (consumed straight from RabbitMQ): publish → finance handler → evidence
write → recomputation → ledger + outbox write → relay (a 0.5 s timer) → broker → here.
"""
from __future__ import annotations

import argparse
import random
import re
import signal
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests
from kombu import Connection, Exchange, Queue
from maillage_shared.events import make_event
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcProxy

from tests.platform.helpers import signup_payload

from .report import machine_facts
from .run import invitation_links, log, wait_for_quiet
from .stack import running_platform
from .stats import percentile

ROOT = Path(__file__).resolve().parents[1]
API = "/api/v1"
START, END = "<!-- section: finance -->", "<!-- /section: finance -->"
PROFESSIONS = ("medecin_generaliste", "infirmier", "pharmacien", "kinesitherapeute", "sage_femme", "orthophoniste",
               "dieteticien", "psychologue", "pedicure_podologue", "ipa")
PASSWORD = "un mot de passe solide"


@dataclass(frozen=True)
class BenchSettings:
    members: int = 60
    meetings: int = 300
    burst: int = 50
    report_calls: int = 5
    quiet_patience_s: float = 60

    @classmethod
    def quick(cls) -> BenchSettings:
        return cls(members=8, meetings=30, burst=10, report_calls=2, quiet_patience_s=0)


def populate(stack, cluster, settings: BenchSettings) -> dict:
    payload = signup_payload()
    signed = requests.post(f"{stack.base_url}{API}/signup", json=payload, timeout=30).json()
    sid, coordinator = signed["structure"]["id"], signed["user_id"]
    token = signed["tokens"]["access_token"]
    suffix = uuid.uuid4().hex[:6]
    addresses = [f"fin.{i}.{suffix}@example.org" for i in range(settings.members - 1)]
    for index, address in enumerate(addresses):
        cluster.identity.invite(coordinator, sid, {"email": address, "role": "member",
                                                   "profession": PROFESSIONS[index % len(PROFESSIONS)]})
    links = invitation_links(stack.mail_dir, addresses, timeout=120)

    def accept(item) -> None:
        index, address = item
        link = links[address].rstrip("/").rsplit("/", 1)[-1]
        response = requests.post(f"{stack.base_url}{API}/invitations/{link}/accept", timeout=60, json={
            "first_name": f"Membre{index}", "last_name": f"Équipe{index}", "password": PASSWORD})
        response.raise_for_status()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(accept, enumerate(addresses)))
    members = [m["user_id"] for m in cluster.identity.list_members(sid)]
    return {"sid": sid, "coordinator": coordinator, "token": token, "members": members,
            "structure_name": payload["structure"]["name"]}


def meeting_event(sid: str, year: int, index: int, people: list[str], rng: random.Random, marker: str | None = None):
    present = rng.sample(people, k=min(len(people), rng.randint(4, 10)))
    participants = [{"user_id": u, "profession": PROFESSIONS[hash(u) % len(PROFESSIONS)], "status": "present",
                     "minutes": rng.choice((45, 60, 90))} for u in present]
    if marker:
        participants.append({"user_id": marker, "profession": "autre", "status": "present", "minutes": 60})
    day = date(year, 1, 1) + timedelta(days=index % 360)
    cases = rng.randint(0, 4)
    starts = datetime(day.year, day.month, day.day, 11, 30)
    return make_event("meetings.meeting_closed.v1", sid, {
        "meeting_id": f"bench-{uuid.uuid4().hex}", "revision": 1, "kind": "concertation",
        "title": f"Concertation {index + 1}", "project_id": None, "date": day.isoformat(),
        "starts_at": starts.isoformat() + "Z", "ends_at": (starts + timedelta(minutes=90)).isoformat() + "Z",
        "duration_minutes": 90, "case_counts": {"ald": cases, "age_75": 0, "complex": 0, "total": cases},
        "participants": participants})


class ShareWatcher:
    """Consumes ``finance.distribution_updated.v1`` from the broker and notes when each marker
    participant first appears in the shares."""

    def __init__(self, amqp_uri: str, sid: str):
        self.amqp_uri, self.sid = amqp_uri, sid
        self.seen: dict[str, float] = {}
        self.events = 0
        self.ready, self.stopping = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        exchange = Exchange("finance.events", type="topic", durable=True)
        queue = Queue(f"finance-bench-{uuid.uuid4().hex[:8]}", exchange, routing_key="distribution_updated.v1",
                      exclusive=True, auto_delete=True)
        with Connection(self.amqp_uri) as connection:
            def on_message(body, message):
                now = time.perf_counter()
                message.ack()
                if isinstance(body, dict) and body.get("structure_id") == self.sid:
                    self.events += 1
                    for share in body["payload"]["shares"]:
                        self.seen.setdefault(share["user_id"], now)

            with connection.Consumer(queue, callbacks=[on_message], accept=["json"]):
                self.ready.set()
                while not self.stopping.is_set():
                    try:
                        connection.drain_events(timeout=0.2)
                    except TimeoutError:
                        continue
                    except OSError:
                        if self.stopping.is_set():
                            return
                        raise

    def start(self) -> None:
        self.thread.start()
        if not self.ready.wait(15):
            raise RuntimeError("the share watcher could not subscribe to finance.events")

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)


def wait_until(condition, timeout: float, what: str) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"{what} not reached within {timeout} s")
        time.sleep(0.05)
    return time.perf_counter() - started


def timed(call, count: int) -> list[float]:
    values = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        values.append(time.perf_counter() - started)
    return values


def benchmark(settings: BenchSettings) -> dict:
    rng = random.Random(20261123)
    results: dict = {"settings": settings}
    with running_platform(log) as stack, ClusterRpcProxy(stack.nameko_config(), timeout=120) as cluster:
        log(f"{settings.members} members (invitations by e-mail)…")
        data = populate(stack, cluster, settings)
        sid, me, people = data["sid"], data["coordinator"], data["members"]
        year = datetime.now(UTC).year
        cluster.finance.save_declaration(me, sid, year, {
            "patientele": 4000, "partner_professionals": 13, "ald_or_75_patients": 800,
            "indicators": {"opening_hours": {"hours": 12, "met": True}, "coordination": {"met": True},
                           "si_label": {"level": 1}, "crisis_response": {"met": True}}})
        cluster.finance.set_policy(me, sid, year, {
            "basis": "expected", "reserve": {"kind": "percent", "percent": 20, "label": "Coordination"},
            "keys": [{"kind": "meeting_minutes", "weight": 3, "scope": "concertation"},
                     {"kind": "equal_share", "weight": 1, "user_ids": people}]})
        dispatch = event_dispatcher(stack.nameko_config())

        log(f"{settings.meetings} meetings closed…")
        started = time.perf_counter()
        for index in range(settings.meetings):
            dispatch("meetings", "meeting_closed.v1", meeting_event(sid, year, index, people, rng))

        def ingested() -> bool:
            aci = cluster.finance.aci_page(me, sid, year)
            line = next(i for i in aci["remuneration"]["indicators"] if i["code"] == "concertation")
            return line["evidence"]["meetings_held"] >= settings.meetings
        wait_until(ingested, 600, "all meetings ingested")
        results["ingest_s"] = time.perf_counter() - started

        log("annual report…")
        headers = {"Authorization": f"Bearer {data['token']}"}
        base = f"{stack.base_url}{API}/structures/{sid}/reports/aci/{year}"
        pdf_sizes = []

        def http_pdf():
            response = requests.get(f"{base}.pdf", headers=headers, timeout=120)
            response.raise_for_status()
            pdf_sizes.append(len(response.content))
            results["pdf_pages"] = response.content.count(b"/Type /Page\n") or response.content.count(b"/Type /Page")

        results["report"] = {
            "JSON, RPC `finance.report`": timed(lambda: cluster.finance.report(me, sid, year), settings.report_calls),
            "CSV, RPC `finance.report_csv`": timed(lambda: cluster.finance.report_csv(me, sid, year),
                                                   settings.report_calls),
            "PDF, RPC `finance.report_pdf`": timed(lambda: cluster.finance.report_pdf(me, sid, year),
                                                   settings.report_calls),
            "PDF through the gateway (HTTP)": timed(http_pdf, settings.report_calls),
        }
        results["pdf_bytes"] = pdf_sizes[-1] if pdf_sizes else 0

        log(f"burst of {settings.burst} meetings closing…")
        watcher = ShareWatcher(stack.settings.amqp_uri, sid)
        watcher.start()
        markers = [f"marker-{i}-{uuid.uuid4().hex[:6]}" for i in range(settings.burst)]
        sent: dict[str, float] = {}
        burst_started = time.perf_counter()
        for index, marker in enumerate(markers):
            event = meeting_event(sid, year, settings.meetings + index, people, rng, marker=marker)
            sent[marker] = time.perf_counter()
            dispatch("meetings", "meeting_closed.v1", event)
        results["burst_publish_s"] = time.perf_counter() - burst_started
        wait_until(lambda: all(m in watcher.seen for m in markers), 600, "every burst meeting in the shares")
        results["burst_drain_s"] = max(watcher.seen[m] for m in markers) - burst_started
        watcher.stop()
        results["lags"] = sorted(watcher.seen[m] - sent[m] for m in markers)
        results["burst_updates"] = watcher.events
        distribution = cluster.finance.distribution(me, sid, year)
        results["shares"] = len(distribution["shares"])
        results["version"] = distribution["version"]
    return results


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}" if seconds >= 0.1 else f"{seconds * 1000:.1f}"


def render_section(results: dict, started: datetime, busy: float, facts: dict) -> str:
    settings: BenchSettings = results["settings"]
    lags = results["lags"]
    lines = [START, "## Finance — annual report and live shares", "",
             f"`python -m benchmarks.finance_bench` on {started:%Y-%m-%d %H:%M} UTC, {facts.get('CPU', '?')}; "
             f"CPU busy before the run: {busy:.0%}. The platform as in the end-to-end tests (every service, the "
             "gateway with 2 gunicorn workers, nx-27017, RabbitMQ on this machine).", "",
             f"Data: one MSP with {settings.members} members (invited and accepted through identity), a declaration "
             f"and a policy (20 % reserve; minutes in concertation ×3, equal share ×1), then {settings.meetings} "
             f"`meetings.meeting_closed.v1` events (4–10 participants each) published on the broker: ingested and "
             f"recomputed in {results['ingest_s']:.1f} s ({settings.meetings / results['ingest_s']:.1f} meetings/s, "
             "each recomputation reads the whole year).", "",
             f"### Report generation ({settings.meetings} meetings, {settings.members} members, "
             f"{settings.report_calls} calls each)", "",
             "| report | p50 ms | max ms |", "|---|---:|---:|"]
    for name, values in results["report"].items():
        ordered = sorted(values)
        lines.append(f"| {name} | {ms(percentile(ordered, 0.5))} | {ms(ordered[-1])} |")
    lines += ["", f"The PDF is {results['pdf_bytes'] / 1024:.0f} KiB, about {results.get('pdf_pages') or '?'} pages "
              "(ReportLab, drawn in a real thread of the finance service).", "",
              f"### Event → updated share, {settings.burst} meetings closing in a burst", "",
              "| lag | ms |", "|---|---:|",
              f"| p50 | {ms(percentile(lags, 0.5))} |", f"| p99 | {ms(percentile(lags, 0.99))} |",
              f"| max | {ms(lags[-1])} |", f"| mean | {ms(statistics.fmean(lags))} |", "",
              f"Published in {results['burst_publish_s'] * 1000:.0f} ms; the last marker reached the shares "
              f"{results['burst_drain_s']:.2f} s after the first publish; {results['burst_updates']} "
              f"`finance.distribution_updated.v1` events were seen (a recomputation that finds the ledger already "
              f"up to date writes nothing). The outbox relay runs every 0.5 s, which bounds the lag from below "
              f"for a lone event (≈ 0–0.5 s).", END]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace our section (kept by `make bench`, which carries `<!-- section: … -->` blocks)."""
    text = path.read_text() if path.exists() else "# Maillage benchmarks\n"
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    elif "\n## History" in text:
        text = text.replace("\n## History", f"\n{section}\n\n## History", 1)
    else:
        text = text.rstrip() + f"\n\n{section}\n"
    path.write_text(text)


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.finance_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, for trying the harness (not for numbers)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    settings = BenchSettings.quick() if args.quick else BenchSettings()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    started = datetime.now(UTC)
    busy = wait_for_quiet(settings.quiet_patience_s)
    results = benchmark(settings)
    facts = machine_facts()
    write_section(args.output, render_section(results, started, busy, facts))
    log(f"wrote the finance section of {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
