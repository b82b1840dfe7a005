"""The annual report as a PDF a coordinator hands to the CPAM and the SISA partners: French,
dated, paginated (« page 2 / 5 »), tables that break across pages with their header repeated.

ReportLab draws it (pure Python, no system library). The font is ReportLab's own Bitstream
Vera, a TrueType font with the accents, « », € and œ of French, embedded in the file: nothing
is read from the system's font directories. MAILLAGE_PDF_FONT_DIR may name a directory with
DejaVuSans.ttf and DejaVuSans-Bold.ttf to use those instead (wider Unicode coverage).
"""
from __future__ import annotations

import io
import os
from datetime import datetime
from functools import cache
from pathlib import Path

import reportlab
from maillage_shared.clock import PARIS, as_utc
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import KeepTogether, LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from ..domain.messages import in_french
from ..domain.money import euros, points_text
from ..domain.report import (
    CLASS_LABELS,
    MEETING_KIND_LABELS,
    PAYMENT_KIND_LABELS,
    PROFESSION_LABELS,
    STATUS_LABELS,
    share_name,
)

FONT, BOLD = "MaillageSans", "MaillageSans-Bold"
INK, MUTED, LINE, SHADE = colors.HexColor("#1d2b36"), colors.HexColor("#5b6770"), colors.HexColor("#c9d1d6"), \
    colors.HexColor("#eef2f4")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


@cache
def register_fonts(font_dir: str = "") -> None:
    if font_dir and (Path(font_dir) / "DejaVuSans.ttf").exists():
        regular, bold = Path(font_dir) / "DejaVuSans.ttf", Path(font_dir) / "DejaVuSans-Bold.ttf"
    else:
        bundled = Path(reportlab.__file__).resolve().parent / "fonts"
        regular, bold = bundled / "Vera.ttf", bundled / "VeraBd.ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(regular)))
    pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _style(name: str, **kwargs) -> ParagraphStyle:
    base = {"fontName": FONT, "fontSize": 9, "leading": 11.5, "textColor": INK}
    base.update(kwargs)
    return ParagraphStyle(name, **base)


STYLES = {
    "title": _style("title", fontName=BOLD, fontSize=17, leading=21, spaceAfter=4),
    "subtitle": _style("subtitle", fontSize=10.5, leading=14, textColor=MUTED),
    "h2": _style("h2", fontName=BOLD, fontSize=12.5, leading=16, spaceBefore=10, spaceAfter=4),
    "h3": _style("h3", fontName=BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=2),
    "body": _style("body"),
    "small": _style("small", fontSize=7.5, leading=9.5, textColor=MUTED),
    "cell": _style("cell", fontSize=8, leading=10),
    "cell_bold": _style("cell_bold", fontName=BOLD, fontSize=8, leading=10),
    "num": _style("num", fontSize=8, leading=10, alignment=TA_RIGHT),
    "num_bold": _style("num_bold", fontName=BOLD, fontSize=8, leading=10, alignment=TA_RIGHT),
}


def _escape(text) -> str:
    return (str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _p(text, style: str = "cell") -> Paragraph:
    return Paragraph(_escape(text), STYLES[style])


def french_date(moment) -> str:
    local = as_utc(moment).replace(tzinfo=__import__("datetime").timezone.utc).astimezone(PARIS) \
        if isinstance(moment, datetime) else moment
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def _day(text: str | None) -> str:
    if not text:
        return "—"
    year, month, day = str(text)[:10].split("-")
    return f"{day}/{month}/{year}"


def _hours(minutes: int) -> str:
    hours, rest = divmod(int(minutes or 0), 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


class _NumberedCanvas(canvas.Canvas):
    """Draws « page n / total » once every page is known (two passes over the saved states)."""

    header = ""
    footer = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        width, height = A4
        self.setFont(FONT, 7.5)
        self.setFillColor(MUTED)
        self.drawString(18 * mm, height - 11 * mm, self.header)
        self.setStrokeColor(LINE)
        self.line(18 * mm, height - 12.5 * mm, width - 18 * mm, height - 12.5 * mm)
        self.drawString(18 * mm, 10 * mm, self.footer)
        self.drawRightString(width - 18 * mm, 10 * mm, f"page {self._pageNumber} / {total}")


def _table(rows: list[list], widths: list[float], numeric: set[int] = frozenset(), total_row: bool = False) -> LongTable:
    body = []
    for index, row in enumerate(rows):
        cells = []
        for column, value in enumerate(row):
            if isinstance(value, Paragraph):
                cells.append(value)
                continue
            header = index == 0
            bold = header or (total_row and index == len(rows) - 1)
            style = ("num_bold" if bold else "num") if column in numeric else ("cell_bold" if bold else "cell")
            cells.append(_p(value, style))
        body.append(cells)
    table = LongTable(body, colWidths=widths, repeatRows=1)
    commands = [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]
    if total_row:
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 0.6, INK))
    table.setStyle(TableStyle(commands))
    return table


def render_report_pdf(report: dict, font_dir: str | None = None) -> bytes:
    register_fonts(font_dir if font_dir is not None else os.environ.get("MAILLAGE_PDF_FONT_DIR", ""))
    structure, remuneration = report["structure"], report["remuneration"]
    year, generated = report["year"], report["generated_at"]
    generated_local = as_utc(generated).replace(tzinfo=__import__("datetime").timezone.utc).astimezone(PARIS)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=17 * mm, title=f"Rapport annuel ACI {year} — {structure['name']}",
                            author="Maillage", subject="Accord conventionnel interprofessionnel", lang="fr-FR")
    width = A4[0] - 36 * mm
    story: list = []
    story += [_p(f"Rapport annuel ACI {year}", "title"), _p(structure["name"], "subtitle")]
    address = structure.get("address") or {}
    where = ", ".join(part for part in (address.get("line1"), f"{address.get('postcode', '')} {address.get('city', '')}".strip())
                      if part)
    facts = [structure.get("kind_label", ""), f"FINESS {structure['finess']}" if structure.get("finess") else "", where]
    story.append(_p(" · ".join(f for f in facts if f), "subtitle"))
    story.append(_p(f"Établi le {french_date(generated)} à {generated_local:%H:%M} (heure de Paris), "
                    f"à partir des données de la plateforme Maillage.", "small"))
    story.append(Spacer(1, 6))

    # Summary ------------------------------------------------------------------------------------
    totals = remuneration["totals"]
    story.append(_p("Synthèse", "h2"))
    summary = [["", "Montant"],
               ["Rémunération calculée pour l'année", euros(totals["amount_cents"])]]
    if remuneration["unit"] == "points":
        summary.insert(1, ["Points", points_text(totals["points"])])
    schedule = report["schedule"]
    if schedule["advance_cents"] is not None:
        summary += [[f"Avance attendue ({schedule['advance_percent']} %), échéance {_day(schedule['advance_due_on'])}",
                     euros(schedule["advance_cents"])],
                    [f"Solde attendu, échéance {_day(schedule['balance_due_on'])}", euros(schedule["balance_cents"])]]
    comparison = report["payments"]["comparison"]
    summary += [["Versements reçus", euros(comparison["received_cents"])],
                ["Écart (reçu − attendu)", euros(comparison["difference_cents"])]]
    story.append(_table(summary, [width * 0.72, width * 0.28], numeric={1}))
    story.append(Spacer(1, 4))
    story.append(_p(f"Référentiel : {remuneration['catalogue']['title']}. {remuneration['catalogue']['legal_text']}.",
                    "small"))
    if remuneration["unit"] == "points":
        story.append(_p(f"Valeur du point : {euros(remuneration['point_value_cents'])}. Les points variables sont "
                        "proratisés à la patientèle (référence 4 000 patients).", "small"))
    for reason in remuneration["not_paid_reasons"] + remuneration["notes"] + remuneration["warnings"]:
        story.append(_p("• " + in_french(reason), "body"))
    unverified = remuneration["catalogue"]["unverified_values"]
    if unverified:
        story.append(_p(f"{unverified} valeurs du référentiel sont des reconstructions non vérifiées (niveau C) : "
                        "elles doivent être confirmées par le texte officiel.", "small"))

    # Indicators or missions -------------------------------------------------------------------------
    if remuneration["indicators"]:
        story.append(_p("Indicateurs", "h2"))
        rows = [["Indicateur", "Classe", "Statut", "Fixes", "Var.", "Points", "Montant"]]
        for line in remuneration["indicators"]:
            rows.append([line["label"], CLASS_LABELS.get(line["class"], line["class"]),
                         STATUS_LABELS.get(line["status"], line["status"]), points_text(line["fixed_points"]),
                         points_text(line["variable_points"]), points_text(line["points"]),
                         euros(line["amount_cents"])])
        rows.append(["Total", "", "", "", "", points_text(totals["points"]), euros(totals["amount_cents"])])
        story.append(_table(rows, [w * width for w in (0.3, 0.13, 0.13, 0.09, 0.09, 0.1, 0.16)],
                            numeric={3, 4, 5, 6}, total_row=True))
        missing = [(line["label"], in_french(m)) for line in remuneration["indicators"] for m in line["missing"]
                   if line["status"] != "met"]
        if missing:
            story.append(_p("Ce qui manque", "h3"))
            for label, text in missing:
                story.append(_p(f"• {label} : {text}", "body"))
    if remuneration["missions"]:
        story.append(_p(f"Missions (taille {remuneration.get('size_tier') or '—'})", "h2"))
        rows = [["Mission", "Engagée", "Part fixe", "Part variable", "Montant"]]
        for line in remuneration["missions"]:
            rows.append([line["label"], "oui" if line["started"] else "non", euros(line["fixed_cents"]),
                         euros(line["variable_cents"]), euros(line["amount_cents"])])
        rows.append(["Total", "", "", "", euros(totals["amount_cents"])])
        story.append(_table(rows, [w * width for w in (0.46, 0.1, 0.15, 0.15, 0.14)], numeric={2, 3, 4},
                            total_row=True))
        for line in remuneration["missions"]:
            for action in line["actions"]:
                deliverables = ", ".join(action.get("deliverables") or []) or "—"
                story.append(_p(f"• {line['label']} — {action['label']} : {euros(action['amount_cents'])}, "
                                f"{'atteint' if action.get('achieved') else 'non atteint'} ; livrables : {deliverables}",
                                "body"))

    # Evidence ---------------------------------------------------------------------------------------
    evidence = report["evidence"]
    story.append(_p("Réunions", "h2"))
    concertation = evidence["concertation"]
    story.append(_p(f"{concertation['meetings']} réunions de concertation, {concertation['cases']} situations "
                    f"discutées (références pseudonymes seulement ; le détail est dans le dossier des patients).",
                    "body"))
    if evidence["meetings"]:
        rows = [["Date", "Type", "Titre", "Durée", "Participants", "Cas"]]
        for meeting in evidence["meetings"]:
            professions = ", ".join(PROFESSION_LABELS.get(p, p) for p in meeting["professions"])
            rows.append([_day(meeting["date"]), MEETING_KIND_LABELS.get(meeting["kind"], meeting["kind"]),
                         meeting["title"], _hours(meeting["duration_minutes"]),
                         f"{meeting['participants']} : {professions}" if professions else str(meeting["participants"]),
                         str(meeting["cases"])])
        story.append(_table(rows, [w * width for w in (0.11, 0.12, 0.25, 0.08, 0.37, 0.07)], numeric={3, 5}))
    else:
        story.append(_p("Aucune réunion clôturée cette année.", "body"))
    story.append(_p("Protocoles pluriprofessionnels", "h2"))
    if evidence["protocols"]:
        rows = [["Validé le", "Protocole", "Thème ACI", "IPA"]]
        for protocol in evidence["protocols"]:
            rows.append([_day(protocol["validated_on"]), protocol["title"], protocol["aci_theme"] or "sans thème",
                         "oui" if protocol["ipa_involved"] else "non"])
        story.append(_table(rows, [w * width for w in (0.13, 0.47, 0.3, 0.1)]))
    else:
        story.append(_p("Aucun protocole validé sur la plateforme.", "body"))
    if evidence["missions"]:
        story.append(_p("Missions de santé publique", "h2"))
        for mission in evidence["missions"]:
            lead = f", pilotée par {mission['lead']}" if mission.get("lead") else ""
            story.append(_p(f"• {mission['title']}{lead} — {'réalisée' if mission.get('done') else 'en cours'}", "body"))
    if evidence["coordination"]:
        story.append(_p("Temps de coordination enregistré", "h2"))
        rows = [["Membre", "Temps"]] + [[c["name"] or "(ancien membre)", _hours(c["minutes"])]
                                        for c in evidence["coordination"]]
        story.append(_table(rows, [width * 0.7, width * 0.3], numeric={1}))

    # Payments ----------------------------------------------------------------------------------------
    story.append(_p("Échéancier et versements", "h2"))
    rows = [["Versement", "Attendu", "Échéance", "Reçu", "Écart"]]
    for line in comparison["lines"]:
        rows.append([PAYMENT_KIND_LABELS[line["kind"]], euros(line["expected_cents"]), _day(line["due_on"]),
                     euros(line["received_cents"]), euros(line["difference_cents"])])
    rows.append(["Total", euros(comparison["expected_cents"]), "", euros(comparison["received_cents"]),
                 euros(comparison["difference_cents"])])
    story.append(_table(rows, [w * width for w in (0.24, 0.19, 0.16, 0.19, 0.22)], numeric={1, 3, 4}, total_row=True))
    payments = report["payments"]["payments"]
    if payments:
        story.append(_p("Versements enregistrés", "h3"))
        rows = [["Reçu le", "Nature", "Référence", "Montant"]]
        for payment in payments:
            sign = -1 if payment["kind"] == "repayment" else 1
            rows.append([_day(str(payment["received_on"])), PAYMENT_KIND_LABELS[payment["kind"]],
                         payment["reference"] or "—", euros(sign * payment["amount_cents"])])
        story.append(_table(rows, [w * width for w in (0.15, 0.2, 0.45, 0.2)], numeric={3}))

    # Distribution ------------------------------------------------------------------------------------
    distribution = report["distribution"]
    story.append(_p("Répartition entre les membres", "h2"))
    policy = report.get("policy")
    basis = {"expected": "la rémunération calculée", "received": "les versements reçus",
             "fixed": "un montant fixé par les associés"}[distribution["basis"]]
    story.append(_p(f"Montant réparti sur la base de {basis} : {euros(distribution['amount_cents'])}.", "body"))
    if policy and policy.get("note"):
        story.append(_p(f"Règle appliquée : {policy['note']}", "body"))
    for key in distribution["keys"]:
        label = {"meeting_minutes": "Minutes de réunion" + (" (concertation)" if key["scope"] == "concertation" else ""),
                 "coordination_time": "Temps de coordination", "equal_share": "Part égale par associé"}[key["kind"]]
        story.append(_p(f"• Clé « {label} », poids {key['weight']} : {euros(key['pot_cents'])}", "body"))
    rows = [["Membre", "Profession", "Part"]]
    rows.append([f"Réserve de la structure{' — ' + distribution['reserve_label'] if distribution['reserve_label'] else ''}",
                 "", euros(distribution["reserve_cents"])])
    for share in distribution["shares"]:
        note = " (plafond PASS atteint)" if share["capped"] else ""
        rows.append([share_name(share) + note, PROFESSION_LABELS.get(share.get("profession") or "", ""),
                     euros(share["amount_cents"])])
    if distribution["undistributed_cents"]:
        rows.append(["Non réparti", "", euros(distribution["undistributed_cents"])])
    rows.append(["Total", "", euros(distribution["amount_cents"])])
    story.append(_table(rows, [width * 0.5, width * 0.28, width * 0.22], numeric={2}, total_row=True))
    if distribution.get("pass_cap_cents"):
        story.append(_p(f"Plafond par professionnel : 1 PASS = {euros(distribution['pass_cap_cents'])} "
                        f"({distribution.get('pass_year')}).", "small"))
    story.append(Spacer(1, 10))
    story.append(KeepTogether([_p("Document établi par la coordination de la structure à partir des données de "
                                  "Maillage. Les montants définitifs sont ceux calculés par la CPAM.", "small")]))

    _NumberedCanvas.header = f"{structure['name']} — Rapport annuel ACI {year}"
    _NumberedCanvas.footer = f"Établi le {generated_local:%d/%m/%Y} avec Maillage"
    try:
        doc.build(story, canvasmaker=_NumberedCanvas)
    except LayoutError as exc:  # a cell too tall for a page: never a 500 without saying why
        raise ValueError(f"the report could not be laid out: {exc}") from None
    return buffer.getvalue()
