"""Demo documents of the fictional « MSP des Tilleuls »: a few documents in folders and one
validated protocol, « Suivi des patients sous AVK » (ACI annexe 3: iatrogenic risk),
published to the instance's library.

Idempotent (``make run`` calls it at every start): each document is created only when no
document of the structure has its title, the protocol is declared, validated and published
only when it is not yet. Refused in production.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from maillage_shared.clock import new_id
from maillage_shared.errors import Forbidden

from .domain import library, protocols
from .domain.context import DocumentsContext
from .domain.model import ACTIVE, TRASHED, VALIDATED, Document, Version
from .domain.storage import content_key

PROTOCOL_TITLE = "Suivi des patients sous AVK"
DOCUMENTS = [
    # title, folder, tags, file name, lines of the PDF, uploader's profession
    ("Règlement intérieur de la SISA", "Fonctionnement", ["sisa", "règlement"], "reglement-interieur-sisa.pdf",
     ["Article 1 - Objet de la société", "Article 2 - Répartition des rémunérations de l'ACI",
      "Article 3 - Réunions de concertation pluriprofessionnelle"], "coordinateur"),
    ("Projet de santé 2026-2030", "Projet de santé", ["projet de santé", "ARS"], "projet-de-sante-2026-2030.pdf",
     ["Diagnostic du territoire", "Axes prioritaires : accès aux soins, prévention, parcours",
      "Organisation de la coordination"], "coordinateur"),
    ("Compte rendu de la réunion d'équipe de novembre", "Réunions/2026", ["compte rendu"], "cr-reunion-novembre.pdf",
     ["Présents : 8 professionnels", "Points abordés : protocoles, permanence des soins",
      "Aucune donnée patient nominative dans ce compte rendu"], "coordinateur"),
    (PROTOCOL_TITLE, "Protocoles", ["avk", "inr", "anticoagulants"], "protocole-suivi-avk.pdf",
     ["Objectif : éviter les accidents hémorragiques et thrombotiques sous AVK",
      "Infirmier·e : INR au domicile ; médecin : adaptation de dose ; pharmacien : conseil et vigilance",
      "Carnet de suivi AVK remis au patient"], "medecin_generaliste"),
]
PROTOCOL = {
    "need": "Des patients sous AVK mal équilibrés et deux accidents hémorragiques dans l'année : l'équipe veut "
            "un suivi de l'INR partagé entre médecins, infirmiers et pharmaciens.",
    "population": "Adultes sous antivitamine K (warfarine, fluindione) suivis par un médecin de la MSP",
    "professions": ["medecin_generaliste", "infirmier", "pharmacien"],
    "steps": [
        {"who": ["medecin_generaliste"], "what": "Prescrire l'AVK, fixer la cible d'INR et inclure le patient",
         "when": "À l'instauration du traitement", "how": "Ordonnance et fiche d'inclusion dans le dossier partagé"},
        {"who": ["infirmier"], "what": "Mesurer l'INR et le noter dans le carnet de suivi",
         "when": "Chaque semaine pendant l'équilibrage, puis chaque mois",
         "how": "Prélèvement au domicile ou au cabinet ; résultat transmis au médecin le jour même"},
        {"who": ["medecin_generaliste"], "what": "Adapter la dose selon l'INR",
         "when": "Le jour du résultat", "how": "Appel ou messagerie sécurisée ; nouvelle dose notée dans le carnet"},
        {"who": ["pharmacien"], "what": "Vérifier les interactions et rappeler les signes d'alerte",
         "when": "À chaque délivrance", "how": "Entretien pharmaceutique AVK ; alerte du médecin si besoin"},
    ],
    "references": [
        {"citation": "HAS. Comment élaborer et mettre en œuvre des protocoles pluriprofessionnels ? 2015.",
         "url": "https://www.has-sante.fr/jcms/c_2033014"},
        {"citation": "ANSM. Bon usage des médicaments antivitamine K (AVK). Fiche patient et carnet de suivi.",
         "url": None},
    ],
    "aci_theme": "iatrogenic_risk",
}


def simple_pdf(title: str, lines: list[str]) -> bytes:
    """A valid one-page PDF with a title and a few lines (Helvetica, Windows-1252 text)."""
    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    operations = ["BT", "/F1 18 Tf", "56 780 Td", f"({escaped(title)}) Tj", "/F1 11 Tf", "0 -30 Td"]
    for line in lines:
        operations += [f"({escaped(line)}) Tj", "0 -18 Td"]
    operations.append("ET")
    stream = "\n".join(operations).encode("cp1252", errors="replace")
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def ensure_demo_data(ctx: DocumentsContext, identity_demo: dict) -> dict:
    if ctx.policy.is_production:
        raise Forbidden("Demo data is never created in production.")
    structure_id = identity_demo["structure_id"]
    members = identity_demo["members"]
    coordinator = next(m for m in members if m["role"] == "coordinator")
    by_profession = {m["profession"]: m for m in reversed(members)}
    existing = {d.title: d for state in (ACTIVE, TRASHED) for d in ctx.documents.in_structure(structure_id, state)}
    created = []
    for title, folder, tags, filename, lines, profession in DOCUMENTS:
        if title not in existing:
            uploader = by_profession.get(profession, coordinator)["user_id"]
            existing[title] = _add_document(ctx, structure_id, uploader, title, folder, tags, filename,
                                            simple_pdf(title, lines))
            created.append(title)
    protocol_document = existing[PROTOCOL_TITLE]
    if protocol_document.state == ACTIVE:
        _ensure_protocol(ctx, coordinator["user_id"], protocol_document)
    return {"structure_id": structure_id, "created": created, "protocol_document_id": protocol_document.id}


def _add_document(ctx: DocumentsContext, structure_id: str, uploader: str, title: str, folder: str,
                  tags: list[str], filename: str, data: bytes) -> Document:
    digest = hashlib.sha256(data).hexdigest()
    key = content_key(structure_id, digest)
    now = ctx.now()
    version = Version(number=1, filename=filename, content_type="application/pdf", size=len(data), sha256=digest,
                      object_key=key, uploaded_by=uploader, uploaded_at=now, name="v1")
    document = Document(id=new_id(), structure_id=structure_id, title=title, created_at=now, created_by=uploader,
                        updated_at=now, versions=[version], current_version=1, folder=folder, tags=list(tags))
    with ctx.locks.holding(key):
        if ctx.contents.stat(key) is None:
            ctx.contents.store(key, data, "application/pdf")
        ctx.documents.add(document)
    return document


def _ensure_protocol(ctx: DocumentsContext, coordinator_id: str, document: Document) -> None:
    protocol = document.protocol
    if protocol is None:
        protocols.declare_protocol(ctx, coordinator_id, document.id, {**PROTOCOL, "review_on": None})
    if protocol is None or protocol.status != VALIDATED:
        validated_on = ctx.today() - timedelta(days=45)
        protocols.validate_protocol(ctx, coordinator_id, document.id, {
            "validated_on": validated_on, "review_on": validated_on + timedelta(days=2 * 365)})
    if ctx.library.for_document(document.id) is None:
        library.publish_protocol(ctx, coordinator_id, document.id)
