"""The ACI funding pages in headless Chromium: a coordinator opens « Finances ACI » from the
menu, sees that nothing will be paid until the prerequisites are declared, declares them (a
negative patientèle is refused next to its field first), sets the distribution rules, finds
her share, and downloads the annual report as PDF and CSV."""
from __future__ import annotations

import uuid

import pytest

from tests.platform.helpers import unique_email

from .test_onboarding_browser import (
    CHROMIUM,
    SCREENSHOTS,
    browser,  # noqa: F401 - the Chromium fixture, shared
    new_context,
    sign_up,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


def test_the_aci_page_declaration_shares_and_report_download(platform, browser):  # noqa: F811
    context = new_context(browser)
    page = context.new_page()
    sign_up(page, platform.base_url, f"MSP des Saules {uuid.uuid4().hex[:6]}", unique_email("coord"))

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Finances ACI").click()
    main = page.locator("main")
    assert "Finances ACI" in main.locator("h1").inner_text()
    assert "Prérequis non atteints : rien ne sera versé pour cette année." in page.locator("#not-paid").inner_text()

    opening = page.get_by_label("Amplitude d’ouverture en semaine (heures) : Horaires d'ouverture et soins non programmés")
    opening.fill("30")
    page.get_by_role("button", name="Enregistrer la déclaration").click()
    field = page.locator("#declaration div.field", has=opening)
    assert "Entre 0 et 24 heures." in field.inner_text()

    page.get_by_label("Patientèle médecin traitant des médecins associés").fill("2410")
    page.get_by_label("Professionnels associés ou salariés").fill("9")
    page.get_by_label("Patients de 75 ans ou plus ou en ALD").fill("2410")
    page.get_by_label("Amplitude d’ouverture en semaine (heures) : Horaires d'ouverture et soins non programmés").fill("12")
    page.get_by_label("Déclaré atteint : Horaires d'ouverture et soins non programmés").check()
    page.get_by_label("Déclaré atteint : Fonction de coordination").check()
    page.get_by_label("Niveau atteint : Système d'information labellisé e-santé (niveau standard)").fill("1")
    page.get_by_role("button", name="Enregistrer la déclaration").click()
    assert "Déclaration enregistrée" in main.inner_text()
    assert page.locator("#not-paid").count() == 0
    total = page.locator("#aci-total").inner_text()
    assert "€" in total and "points" in total
    assert "atteint" in page.locator("#indicator-coordination").inner_text()

    page.get_by_role("link", name="Répartition", exact=True).click()
    page.get_by_label("Montant à répartir").select_option("fixed")
    page.get_by_label("Montant fixé par les associés (€)").fill("12 000")
    page.get_by_label("Pourcentage de la réserve").fill("150")
    page.get_by_label("Réserve pour les frais de la structure").select_option("percent")
    page.get_by_label("Poids : Une part égale par associé").fill("1")
    page.locator("#policy input[type=checkbox]").first.check()
    page.get_by_role("button", name="Enregistrer les règles").click()
    assert "Un pourcentage est compris entre 0 et 100." in page.locator("#policy").inner_text()
    page.get_by_label("Pourcentage de la réserve").fill("25")
    page.get_by_role("button", name="Enregistrer les règles").click()
    assert "Règles de répartition enregistrées" in main.inner_text()
    assert "9\u00a0000,00\u00a0€" in page.locator("#my-share").inner_text()

    page.get_by_role("link", name="Dossier ACI").click()
    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    with open(pdf.value.path(), "rb") as downloaded:
        assert downloaded.read(5) == b"%PDF-"
    with page.expect_download() as csv:
        page.get_by_role("link", name="CSV").click()
    assert csv.value.suggested_filename.endswith(".csv")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "finance-aci.png"), full_page=True)
    phone = new_context(browser, viewport={"width": 375, "height": 812}, storage_state=context.storage_state())
    phone_page = phone.new_page()
    phone_page.goto(page.url)
    assert phone_page.evaluate("document.scrollingElement.scrollWidth") <= 375 + 1
