"""Documents and protocols in headless Chromium against the real platform.

A coordinator uploads a document (with the progress bar of documents-upload.js), sends a new
version, restores the first one, declares the document a protocol, validates it and
publishes it to the library; the coordinator of another structure finds it in the library
and imports a copy, which remembers where it comes from. A screenshot of the document page
is kept in var/screenshots/.
"""
from __future__ import annotations

import re
import uuid

import pytest

from services.documents.demo import simple_pdf
from tests.platform.helpers import signup

from .test_onboarding_browser import CHROMIUM, LAUNCH_ARGS, SCREENSHOTS, new_context

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield chromium
        chromium.close()


def logged_in_page(browser, base_url: str, account: dict):
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.get_by_label("Adresse e-mail").fill(account["email"])
    page.get_by_label("Mot de passe").fill(account["password"])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/app"))
    return context, page


def pdf_file(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": simple_pdf(text, ["Suivi de l'INR"])}


def main(page):
    return page.locator("main")


def test_upload_version_restore_protocol_publish_and_import(platform, browser):
    base_url = platform.base_url
    suffix = uuid.uuid4().hex[:6]
    a = signup(base_url, structure={"name": f"MSP des Tilleuls {suffix}"})
    b = signup(base_url, structure={"name": f"MSP des Chênes {suffix}"})
    title = f"Suivi des patients sous AVK {suffix}"

    context, page = logged_in_page(browser, base_url, a)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Documents").click()
    page.get_by_role("link", name="Ajouter un document").click()
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Dossier").fill("Protocoles")
    page.get_by_label("Étiquettes").fill("avk, inr")
    page.get_by_label("Fichier", exact=True).set_input_files(pdf_file("protocole-avk.pdf", title))
    page.get_by_role("button", name="Envoyer le document").click()
    page.wait_for_url(re.compile(r"/app/documents/[^/]+$"))
    assert f"« {title} » est enregistré (version 1)" in main(page).inner_text()
    assert page.locator("iframe.doc-preview").get_attribute("src").endswith("/versions/1/content?inline=1")
    preview = page.request.get(base_url + page.locator("iframe.doc-preview").get_attribute("src"))
    assert preview.ok and preview.headers["content-type"] == "application/pdf"

    new_version = page.locator("#new-version")
    new_version.get_by_label("Nom de la version").fill("v2")
    new_version.get_by_label("Fichier", exact=True).set_input_files(pdf_file("protocole-avk-v2.pdf", title + " v2"))
    new_version.get_by_role("button", name="Envoyer la nouvelle version").click()
    main(page).get_by_text(f"« {title} » est enregistré (version 2)").wait_for()
    assert "Version 2" in page.locator("#versions").inner_text()

    page.get_by_role("button", name="Restaurer la version 1 comme la plus récente").click()
    assert "La version 1 est à nouveau la plus récente (version 3)" in main(page).inner_text()
    assert "restaurée depuis la version 1" in page.locator("#versions").inner_text()

    page.get_by_role("link", name="Le déclarer comme protocole").click()
    page.get_by_label("Besoin auquel il répond").fill("Des accidents hémorragiques chez des patients sous AVK.")
    page.get_by_label("Thème ACI (annexe 3)").select_option("iatrogenic_risk")
    page.get_by_label("Pharmacien·ne").check()
    page.get_by_label("Qui, étape 1").select_option(["infirmier"])
    page.get_by_label("Quoi, étape 1").fill("Mesurer l'INR au domicile")
    page.get_by_label("Quand, étape 1").fill("Chaque semaine")
    page.get_by_label("Qui, étape 2").select_option(["medecin_generaliste"])
    page.get_by_label("Quoi, étape 2").fill("Adapter la dose")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "protocol-editor.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer le protocole").click()
    assert "Le protocole est enregistré." in main(page).inner_text()
    assert "protocole en brouillon" in page.locator("#protocol").inner_text()

    page.get_by_role("button", name="Valider le protocole").click()
    assert "Le protocole est validé : il compte désormais pour l’ACI." in main(page).inner_text()
    assert "protocole validé" in page.locator("#protocol").inner_text()
    page.get_by_role("button", name="Publier dans la bibliothèque").click()
    assert "Le protocole est dans la bibliothèque" in main(page).inner_text()
    page.screenshot(path=str(SCREENSHOTS / "document-protocol.png"), full_page=True)

    other, other_page = logged_in_page(browser, base_url, b)
    other_page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Documents").click()
    other_page.get_by_role("link", name="Bibliothèque de protocoles").click()
    other_page.get_by_label("Mots").fill(f"inr domicile {suffix}")
    other_page.get_by_role("button", name="Rechercher").click()
    other_page.get_by_role("link", name=title).click()
    assert f"Partagé par {a['structure']['name']} · version 3" in main(other_page).inner_text()
    other_page.get_by_role("button", name=re.compile(r"^Importer dans")).click()
    other_page.wait_for_url(re.compile(r"/app/documents/[^/]+$"))
    text = main(other_page).inner_text()
    assert f"« {title} » est importé comme brouillon" in text
    assert f"Importé de la bibliothèque : protocole de {a['structure']['name']}, version 3." in text
    assert "protocole en brouillon" in other_page.locator("#protocol").inner_text()

    other_page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Documents").click()
    assert title in main(other_page).inner_text()
    other_page.screenshot(path=str(SCREENSHOTS / "documents.png"), full_page=True)
    for each in (context, other):
        each.close()


def test_a_file_over_the_limit_is_refused_before_sending(platform, browser, monkeypatch):
    account = signup(platform.base_url)
    context, page = logged_in_page(browser, platform.base_url, account)
    page.goto(f"{platform.base_url}/app/s/{account['structure']['id']}/documents/new")
    page.locator("form[data-upload]").evaluate("form => form.setAttribute('data-max-bytes', '100')")
    page.get_by_label("Fichier", exact=True).set_input_files(pdf_file("gros.pdf", "Gros"))

    page.get_by_role("button", name="Envoyer le document").click()

    alert = page.locator(".doc-upload-error")
    alert.wait_for()
    assert "Le fichier est trop volumineux" in alert.inner_text()
    assert page.url.endswith("/documents/new")
    context.close()
