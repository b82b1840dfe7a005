"""The meetings pages in headless Chromium: a coordinator proposes dates, answers, closes the
poll (→ the meeting), writes minutes with two pseudonymous cases (an identifier is refused
first), records attendance, closes the meeting and finds it in the yearly report. The
meeting page is also checked on a phone-sized screen."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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


def in_days(days: int) -> str:
    return (datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=days)).isoformat()


def test_poll_to_closed_meeting_with_two_cases(platform, browser):  # noqa: F811 - the imported fixture
    context = new_context(browser)
    page = context.new_page()
    sid = sign_up(page, platform.base_url, f"MSP des Lilas {uuid.uuid4().hex[:6]}", unique_email("coord"))

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Réunions").click()
    page.get_by_role("link", name="Trouver une date (sondage)").click()
    page.get_by_label("Titre").fill("Concertation de printemps")
    page.get_by_label("Type de réunion").select_option("concertation")
    page.get_by_label("Date, créneau 1").fill(in_days(7))
    page.get_by_label("Date, créneau 2").fill(in_days(8))
    page.get_by_role("button", name="Interroger l’équipe").click()
    assert "Sondage créé" in page.locator("main").inner_text()

    answers = page.locator("section[aria-labelledby=vote-title] fieldset")
    answers.nth(0).get_by_label("Si besoin").check()
    answers.nth(1).get_by_label("Oui").check()
    page.get_by_role("button", name="Enregistrer mes réponses").click()
    assert "Vos réponses sont enregistrées" in page.locator("main").inner_text()
    assert "le mieux placé" in page.locator("section[aria-labelledby=tally-title]").inner_text()

    page.get_by_role("button", name="Clôturer et planifier la réunion").click()
    page.wait_for_url(re.compile(rf"/app/s/{sid}/meetings/[^/]+$"))
    assert "Sondage clôturé" in page.locator("main").inner_text()
    assert "Ni nom de patient ni détail clinique ici." in page.locator("#pseudonymity").inner_text()

    page.get_by_label("Code, situation 1").fill("C-01")
    page.get_by_label("Critère, situation 1").select_option("ald")
    page.get_by_label("Question posée, situation 1").fill("Mme Dupont, retour à domicile")
    page.get_by_label("Code, situation 2").fill("C-02")
    page.get_by_label("Critère, situation 2").select_option("age_75")
    page.get_by_label("Question posée, situation 2").fill("Chutes répétées")
    page.get_by_label("Consignée dans le dossier du patient, situation 2").check()
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    question = page.locator("#minutes div.field", has=page.get_by_label("Question posée, situation 1"))
    assert "Cela ressemble au nom d’une personne" in question.inner_text()

    page.get_by_label("Question posée, situation 1").fill("Retour à domicile après hospitalisation")
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    assert "Compte rendu enregistré." in page.locator("main").inner_text()

    attendance = page.locator("#attendance")
    attendance.get_by_label("Claire Martin", exact=True).select_option("present")
    attendance.get_by_role("button", name="Enregistrer les présences").click()
    assert "Présences enregistrées." in page.locator("main").inner_text()

    page.get_by_role("button", name="Clôturer la réunion").first.click()
    main = page.locator("main").inner_text()
    assert "Réunion clôturée" in main and "C-01" in main and "C-02" in main

    phone = new_context(browser, viewport={"width": 375, "height": 812}, storage_state=context.storage_state())
    phone_page = phone.new_page()
    phone_page.goto(page.url)
    assert phone_page.evaluate("document.scrollingElement.scrollWidth") <= 375 + 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone_page.screenshot(path=str(SCREENSHOTS / "meeting-phone.png"), full_page=True)

    page.goto(f"{platform.base_url}/app/s/{sid}/meetings/report?year={in_days(8)[:4]}")
    report = page.locator("section[aria-labelledby=concertation-title]").inner_text()
    assert "1 sur les 6 réunions attendues par l’ACI" in report
    for context_ in (context, phone):
        context_.close()
