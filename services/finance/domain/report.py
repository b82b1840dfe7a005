"""The annual report of a structure's year: one document (JSON) that the CSV and the PDF are
drawn from — structure, indicators with values, points, euros and evidence (meetings with
dates, durations, participants' professions and case counts; protocols with their themes;
missions), the schedule and payments, the distribution per member."""
from __future__ import annotations

import csv
import io

from . import access, files, sharing
from .context import FinanceContext
from .messages import in_french
from .money import euros

PROFESSION_LABELS = {
    "medecin_generaliste": "Médecin généraliste", "medecin_specialiste": "Médecin spécialiste",
    "infirmier": "Infirmier·e", "ipa": "IPA", "pharmacien": "Pharmacien·ne", "kinesitherapeute": "Kinésithérapeute",
    "sage_femme": "Sage-femme", "chirurgien_dentiste": "Chirurgien·ne-dentiste", "orthophoniste": "Orthophoniste",
    "orthoptiste": "Orthoptiste", "pedicure_podologue": "Pédicure-podologue", "dieteticien": "Diététicien·ne",
    "psychologue": "Psychologue", "ergotherapeute": "Ergothérapeute", "assistant_medical": "Assistant·e médical·e",
    "coordinateur": "Coordinateur·rice", "secretaire": "Secrétaire médical·e", "autre": "Autre",
}
KIND_LABELS = {"msp": "Maison de santé pluriprofessionnelle", "cpts": "CPTS", "cds": "Centre de santé"}
CLASS_LABELS = {"prerequisite": "Prérequis", "core": "Socle", "optional": "Optionnel", "operating": "Fonctionnement"}
STATUS_LABELS = {"met": "atteint", "partial": "partiel", "not_met": "non atteint", "not_declared": "non déclaré"}
MEETING_KIND_LABELS = {"concertation": "Concertation", "project": "Projet", "governance": "Gouvernance",
                       "training": "Formation", "other": "Autre"}
PAYMENT_KIND_LABELS = {"advance": "Avance", "balance": "Solde", "other": "Autre", "repayment": "Remboursement"}


def build_report(ctx: FinanceContext, actor_id: str, structure_id: str, year: int) -> dict:
    access.require_coordinator(ctx, structure_id, actor_id)
    files.check_year(year)
    structure = ctx.directory.structure(structure_id)
    kind = structure["kind"]
    year_data = files.compute_year(ctx, structure_id, year, kind)
    evidence = year_data["evidence"]
    people = {m["user_id"]: m for m in ctx.directory.members(structure_id)}
    meetings = []
    for meeting in sorted(evidence.meetings, key=lambda m: (m.date, m.meeting_id)):
        present = [p for p in meeting.participants if p["status"] == "present"]
        meetings.append({"meeting_id": meeting.meeting_id, "date": meeting.date.isoformat(), "kind": meeting.kind,
                         "title": meeting.title, "duration_minutes": meeting.duration_minutes,
                         "participants": len(present),
                         "professions": sorted({p["profession"] for p in present}),
                         "cases": meeting.cases, "case_counts": dict(meeting.case_counts)})
    coordination: dict[str, int] = {}
    for record in evidence.coordination:
        coordination[record.user_id] = coordination.get(record.user_id, 0) + record.minutes
    declaration = year_data["declaration"]
    missions = [{**m, "lead": _name(people, m.get("lead_id"))} for m in declaration.get("missions") or []]
    policy, stored_policy = sharing.policy_of(ctx, structure_id, year)
    return {
        "title": f"Rapport annuel ACI {year}", "generated_at": ctx.now(), "year": year,
        "structure": {"id": structure_id, "name": structure["name"], "kind": kind,
                      "kind_label": KIND_LABELS.get(kind, kind), "finess": structure.get("finess"),
                      "address": structure.get("address") or {}},
        "remuneration": year_data["remuneration"], "schedule": year_data["schedule"],
        "payments": files.payments_view(ctx, actor_id, structure_id, year),
        "distribution": sharing.distribution_view(ctx, actor_id, structure_id, year),
        "policy": sharing.policy_view(policy, stored_policy, year, kind) if stored_policy else None,
        "declaration": files.declaration_view(declaration, year_data["stored"], year, kind),
        "evidence": {
            "meetings": meetings,
            "concertation": {"meetings": sum(1 for m in meetings if m["kind"] == "concertation"),
                             "cases": sum(m["cases"] for m in meetings if m["kind"] == "concertation")},
            "protocols": [{"document_id": p.document_id, "title": p.title, "aci_theme": p.aci_theme,
                           "validated_on": p.validated_on.isoformat(), "ipa_involved": p.ipa_involved,
                           "professions": p.professions}
                          for p in sorted(evidence.protocols, key=lambda p: (p.validated_on, p.title))],
            "missions": missions,
            "cpts_missions": [m for m in year_data["remuneration"]["missions"] if m["class"] != "operating"],
            "coordination": [{"user_id": u, "name": _name(people, u), "minutes": minutes}
                             for u, minutes in sorted(coordination.items(), key=lambda i: (-i[1], i[0]))],
        },
    }


def _name(people: dict, user_id: str | None) -> str | None:
    if not user_id:
        return None
    person = people.get(user_id)
    return f"{person['first_name']} {person['last_name']}" if person else None


def share_name(share: dict) -> str:
    name = f"{share.get('first_name') or ''} {share.get('last_name') or ''}".strip()
    return name or "(ancien membre)"


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def report_csv(report: dict) -> str:
    """The report as one `;`-separated UTF-8 CSV (with a byte-order mark, so spreadsheet
    software reads the accents), one section after the other; amounts in euros with a comma."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    structure, remuneration = report["structure"], report["remuneration"]

    def money(cents):
        return "" if cents is None else _csv_money(cents)

    writer.writerow([report["title"], structure["name"], structure["kind_label"], f"FINESS {structure.get('finess') or '—'}"])
    writer.writerow(["Catalogue", remuneration["catalogue"]["title"]])
    writer.writerow(["Généré le", report["generated_at"].strftime("%d/%m/%Y %H:%M") + " UTC"])
    writer.writerow([])
    writer.writerow(["Section", "Code", "Libellé", "Classe", "Statut", "Points fixes", "Points variables", "Points",
                     "Montant (€)", "Manque"])
    for line in remuneration["indicators"]:
        writer.writerow(["indicateur", line["code"], line["label"], CLASS_LABELS.get(line["class"], line["class"]),
                         STATUS_LABELS.get(line["status"], line["status"]), _csv_num(line["fixed_points"]),
                         _csv_num(line["variable_points"]), _csv_num(line["points"]), money(line["amount_cents"]),
                         " | ".join(in_french(m) for m in line["missing"])])
    for line in remuneration["missions"]:
        writer.writerow(["mission", line["code"], line["label"], CLASS_LABELS.get(line["class"], line["class"]),
                         "engagée" if line["started"] else "non engagée", money(line["fixed_cents"]),
                         money(line["variable_cents"]), "", money(line["amount_cents"]),
                         " | ".join(in_french(m) for m in line["missing"])])
    writer.writerow(["total", "", "Total de l'année", "", "", "", "", _csv_num(remuneration["totals"]["points"]),
                     money(remuneration["totals"]["amount_cents"]), ""])
    writer.writerow([])
    writer.writerow(["Section", "Date", "Type", "Titre", "Durée (min)", "Participants", "Professions", "Cas"])
    for meeting in report["evidence"]["meetings"]:
        writer.writerow(["réunion", meeting["date"], MEETING_KIND_LABELS.get(meeting["kind"], meeting["kind"]),
                         meeting["title"], meeting["duration_minutes"], meeting["participants"],
                         ", ".join(PROFESSION_LABELS.get(p, p) for p in meeting["professions"]), meeting["cases"]])
    writer.writerow([])
    writer.writerow(["Section", "Validé le", "Titre", "Thème ACI", "IPA"])
    for protocol in report["evidence"]["protocols"]:
        writer.writerow(["protocole", protocol["validated_on"], protocol["title"], protocol["aci_theme"] or "",
                         "oui" if protocol["ipa_involved"] else "non"])
    writer.writerow([])
    writer.writerow(["Section", "Versement", "Attendu (€)", "Échéance", "Reçu (€)", "Écart (€)"])
    for line in report["payments"]["comparison"]["lines"]:
        writer.writerow(["échéancier", PAYMENT_KIND_LABELS[line["kind"]], money(line["expected_cents"]),
                         line["due_on"] or "", money(line["received_cents"]), money(line["difference_cents"])])
    for payment in report["payments"]["payments"]:
        writer.writerow(["versement", PAYMENT_KIND_LABELS[payment["kind"]], "", payment["received_on"].isoformat(),
                         money(payment["amount_cents"] * (-1 if payment["kind"] == "repayment" else 1)),
                         payment["reference"]])
    writer.writerow([])
    distribution = report["distribution"]
    writer.writerow(["Section", "Membre", "Profession", "Part (€)", "Plafond PASS atteint"])
    writer.writerow(["répartition", "Réserve de la structure", distribution["reserve_label"],
                     money(distribution["reserve_cents"]), ""])
    for share in distribution["shares"]:
        writer.writerow(["répartition", share_name(share), PROFESSION_LABELS.get(share["profession"] or "", ""),
                         money(share["amount_cents"]), "oui" if share["capped"] else ""])
    if distribution["undistributed_cents"]:
        writer.writerow(["répartition", "Non réparti", "", money(distribution["undistributed_cents"]), ""])
    writer.writerow(["répartition", "Total", "", money(distribution["amount_cents"]), ""])
    return out.getvalue()


def _csv_money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole},{rest:02d}"


def _csv_num(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


__all__ = ["build_report", "report_csv", "euros", "share_name"]
