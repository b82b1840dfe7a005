"""The web client in headless Chromium against the real platform.

A coordinator signs a structure up, invites a professional; the professional opens the link
from the e-mail in another browser, creates an account, declares an on-call day for today;
the coordinator then finds them on call for today's date. The directory is also checked on a
phone-sized screen (no horizontal scrolling) and a screenshot kept in var/screenshots/.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.platform.helpers import read_invitation_link, unique_email

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
PASSWORD = "une phrase de passe solide"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium "
                                                     "(Debian package `chromium`; `make install` adds it)"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield chromium
        chromium.close()


def new_context(browser, **options):
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", **options)
    context.set_default_timeout(15_000)
    return context


def today_in_paris() -> str:
    return datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()


def sign_up(page, base_url: str, structure_name: str, email: str) -> str:
    page.goto(f"{base_url}/signup")
    page.get_by_label("Maison de santé pluriprofessionnelle (MSP)").check()
    page.get_by_label("Nom de la structure").fill(structure_name)
    page.get_by_label("Adresse", exact=True).fill("3 rue des Tilleuls")
    page.get_by_label("Code postal").fill("35000")
    page.get_by_label("Ville").fill("Rennes")
    page.get_by_label("Téléphone").fill("02 99 00 00 00")
    page.get_by_label("Heure d’ouverture, ligne 1").fill("08:00")
    page.get_by_label("Heure de fermeture, ligne 1").fill("19:30")
    page.get_by_label("Prénom").fill("Claire")
    page.get_by_label("Nom", exact=True).fill("Martin")
    page.get_by_label("Profession", exact=True).select_option("coordinateur")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer l’espace de la structure").click()
    page.wait_for_url(re.compile(r"/app/s/[^/]+$"))
    return page.url.rsplit("/", 1)[1]


def test_a_coordinator_signs_up_invites_and_sees_the_professional_on_call(platform, browser):
    base_url = platform.base_url
    structure_name = f"MSP des Tilleuls {uuid.uuid4().hex[:6]}"
    coordinator_email, pro_email = unique_email("coord"), unique_email("infirmier")
    pro_last_name = f"Leroy{uuid.uuid4().hex[:4]}"
    today = today_in_paris()

    coordinator = new_context(browser)
    page = coordinator.new_page()
    sid = sign_up(page, base_url, structure_name, coordinator_email)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Bienvenue" in page.locator("main").inner_text()
    assert structure_name in page.locator("header").inner_text()

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Membres").click()
    invite = page.locator("section[aria-labelledby=invite-title]")
    invite.get_by_label("Adresse e-mail").fill(pro_email)
    invite.get_by_label("Profession", exact=True).select_option("infirmier")
    invite.get_by_label("Rôle").select_option("member")
    invite.get_by_role("button", name="Envoyer l’invitation").click()
    assert f"Invitation envoyée à {pro_email}" in page.locator("main").inner_text()
    assert pro_email in page.locator("#invitations").inner_text()

    link = read_invitation_link(platform.mail_dir, pro_email, timeout=15)
    professional = new_context(browser)
    pro_page = professional.new_page()
    pro_page.goto(link)
    assert (f"Vous êtes invité·e à rejoindre {structure_name} comme infirmier·e"
            in pro_page.locator("main").inner_text())
    pro_page.get_by_label("Prénom").fill("Paul")
    pro_page.get_by_label("Nom", exact=True).fill(pro_last_name)
    pro_page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    pro_page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    pro_page.get_by_role("button", name="Créer mon compte et rejoindre l’équipe").click()
    pro_page.wait_for_url(f"{base_url}/app/s/{sid}")
    assert structure_name in pro_page.locator("header").inner_text()

    pro_page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Disponibilités").click()
    pro_page.get_by_label("Garde", exact=True).check()
    pro_page.get_by_label("Du", exact=True).fill(today)
    pro_page.get_by_role("button", name="Enregistrer").click()
    assert f"Garde enregistrée pour Paul {pro_last_name}" in pro_page.locator("main").inner_text()

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Disponibilités").click()
    page.get_by_label("Date", exact=True).fill(today)
    page.get_by_role("button", name="Afficher").click()
    on_call = page.locator("section[aria-labelledby=oncall-title]")
    assert f"Paul {pro_last_name}" in on_call.inner_text()
    assert "aujourd’hui" in on_call.inner_text()

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Accueil").click()
    assert f"Paul {pro_last_name}" in page.locator("section[aria-labelledby=oncall-title]").inner_text()

    phone = new_context(browser, viewport={"width": 375, "height": 812}, storage_state=coordinator.storage_state())
    phone_page = phone.new_page()
    phone_page.goto(f"{base_url}/app/s/{sid}/directory")
    row = phone_page.locator("tr", has_text=f"Paul {pro_last_name}")
    assert "de garde aujourd’hui" in row.inner_text()
    assert phone_page.evaluate("document.scrollingElement.scrollWidth") <= 375 + 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone_page.screenshot(path=str(SCREENSHOTS / "directory-phone.png"), full_page=True)

    for context in (coordinator, professional, phone):
        context.close()


def test_a_wrong_password_gets_one_plain_message_and_english_is_one_click_away(platform, browser):
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{platform.base_url}/login")

    page.get_by_label("Adresse e-mail").fill(unique_email("nobody"))
    page.get_by_label("Mot de passe").fill("not the password")
    page.get_by_role("button", name="Se connecter").click()

    assert "E-mail ou mot de passe incorrect." in page.locator("main").inner_text()
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Log in").is_visible()
    context.close()
