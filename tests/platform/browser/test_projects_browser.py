"""Projects in headless Chromium against the real platform.

A coordinator creates a project with three tasks and assigns them to a nurse; the nurse
finds them in « Mes tâches » (the late one first) and completes one; the coordinator's
dashboard then shows the progress and the nurse's change. « Mes tâches » is also checked
on a phone-sized screen (no horizontal scrolling) and a screenshot kept in var/screenshots/.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.platform.e2e.steps import Api, accept_as_newcomer, expect, invite, login
from tests.platform.helpers import unique_email

from .test_onboarding_browser import CHROMIUM, PASSWORD, SCREENSHOTS, browser, new_context, sign_up  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium "
                                                     "(Debian package `chromium`; `make install` adds it)"),
]


def paris_day(offset: int) -> str:
    return (datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=offset)).isoformat()


def add_task(page, title: str, assignee: str, due_on: str | None = None, waits_for: str | None = None) -> None:
    form = page.locator("form", has=page.get_by_role("button", name="Ajouter la tâche"))
    form.get_by_label("Titre", exact=True).fill(title)
    form.get_by_label(assignee).check()
    if due_on:
        form.get_by_label("Échéance").fill(due_on)
    if waits_for:
        form.get_by_label(waits_for).check()
    form.get_by_role("button", name="Ajouter la tâche").click()
    assert f"Tâche ajoutée : {title}." in page.locator("main").inner_text()


def test_a_coordinator_plans_a_project_and_a_nurse_completes_her_task(platform, browser):  # noqa: F811
    base_url = platform.base_url
    coordinator_email = unique_email("coord")
    structure_name = f"MSP des Tilleuls {uuid.uuid4().hex[:6]}"

    coordinator = new_context(browser)
    page = coordinator.new_page()
    sid = sign_up(page, base_url, structure_name, coordinator_email)

    # The nurse joins through the API (the invitation pages have their own browser test).
    tokens = login(base_url, coordinator_email, PASSWORD)
    nurse_email = unique_email("infirmiere")
    _, token = invite(Api(base_url, tokens["access_token"]), sid, platform.mail_dir, nurse_email, "member",
                      "infirmier")
    nurse = accept_as_newcomer(base_url, token, nurse_email, first_name="Anne")
    nurse_name = f"Anne {nurse.last_name}"

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Projets").click()
    page.get_by_role("link", name="Nouveau projet").click()
    page.get_by_label("Titre", exact=True).fill("Protocole AVK")
    page.get_by_label("Description").fill("Circuit de l'**INR** entre le laboratoire, les infirmières et "
                                          "les médecins.\n\n<script>alert(1)</script>")
    page.get_by_label("Thème", exact=True).select_option("pathways")
    page.get_by_label("Statut").select_option("active")
    page.get_by_label("Compte comme").select_option("protocol")
    page.get_by_label("Thème du protocole (annexe 3)").select_option("iatrogenic_risk")
    page.get_by_label(nurse_name).check()
    page.get_by_role("button", name="Créer le projet").click()
    page.wait_for_url(re.compile(rf"/app/s/{sid}/projects/[^/]+$"))
    main = page.locator("main")
    assert "Projet créé : Protocole AVK." in main.inner_text()
    assert page.locator(".prose strong", has_text="INR").count() == 1
    assert "<script>alert(1)</script>" in main.inner_text()  # shown as text, never run
    assert "Protocole pluriprofessionnel" in main.inner_text()

    add_task(page, "Relire les recommandations HAS", nurse_name, due_on=paris_day(-2))
    add_task(page, "Rédiger le circuit de l'INR", nurse_name, due_on=paris_day(3),
             waits_for="Relire les recommandations HAS")
    add_task(page, "Préparer la réunion de validation", nurse_name)
    assert "0 / 3 tâches" in page.locator("section[aria-labelledby=about-title]").inner_text()

    professional = new_context(browser)
    pro_page = professional.new_page()
    pro_page.goto(f"{base_url}/login")
    pro_page.get_by_label("Adresse e-mail").fill(nurse_email)
    pro_page.get_by_label("Mot de passe").fill(nurse.password)
    pro_page.get_by_role("button", name="Se connecter").click()
    pro_page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mes tâches").click()
    items = pro_page.locator("section[aria-labelledby=mine-title] li.task-item")
    assert [items.nth(i).locator(".task-title").inner_text() for i in range(items.count())] == [
        "Relire les recommandations HAS", "Rédiger le circuit de l'INR", "Préparer la réunion de validation"]
    assert "en retard" in items.nth(0).inner_text()
    assert "En attente de : « Relire les recommandations HAS »" in items.nth(1).inner_text()

    pro_page.get_by_role("button", name="Marquer comme fait : Relire les recommandations HAS").click()
    assert "Bravo : « Relire les recommandations HAS » est fait." in pro_page.locator("main").inner_text()
    remaining = pro_page.locator("section[aria-labelledby=mine-title] .task-title")
    assert remaining.all_inner_texts() == ["Rédiger le circuit de l'INR", "Préparer la réunion de validation"]

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Projets").click()
    page.get_by_role("link", name="Tableau de bord").first.click()
    active = page.locator("section[aria-labelledby=active-title]")
    assert "Protocole AVK" in active.inner_text() and "1 / 3 tâches" in active.inner_text()
    assert "Rien n’est en retard. Bravo !" in page.locator("section[aria-labelledby=late-title]").inner_text()
    recent = page.locator("section[aria-labelledby=recent-title]").inner_text()
    assert f"{nurse_name} a passé « Relire les recommandations HAS » à « Fait »." in recent
    assert "Protocole pluriprofessionnel" in page.locator("section[aria-labelledby=aci-title]").inner_text()

    phone = new_context(browser, viewport={"width": 375, "height": 812}, storage_state=professional.storage_state())
    phone_page = phone.new_page()
    phone_page.goto(f"{base_url}/app/me/tasks")
    assert "Rédiger le circuit de l'INR" in phone_page.locator("main").inner_text()
    assert phone_page.evaluate("document.scrollingElement.scrollWidth") <= 375 + 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone_page.screenshot(path=str(SCREENSHOTS / "my-tasks-phone.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    for context in (coordinator, professional, phone):
        context.close()


def test_the_demo_like_project_list_filters_by_aci_tag(platform, browser):  # noqa: F811
    signed_up = expect(Api(platform.base_url).post("/signup", json=__import__(
        "tests.platform.helpers", fromlist=["signup_payload"]).signup_payload()), 201)
    api = Api(platform.base_url, signed_up["tokens"]["access_token"])
    sid = signed_up["structure"]["id"]
    for title, aci in (("Protocole AVK", {"kind": "protocol", "theme": "iatrogenic_risk"}),
                       ("Vaccination antigrippale", {"kind": "public_health_mission", "topic": "vaccination"})):
        expect(api.post(f"/structures/{sid}/projects", json={"title": title, "aci": aci, "status": "active"}), 201)
    context = new_context(browser)
    context.add_cookies([{"name": "maillage_access", "value": signed_up["tokens"]["access_token"],
                          "url": platform.base_url}])
    page = context.new_page()

    page.goto(f"{platform.base_url}/app/s/{sid}/projects")
    page.get_by_label("Repère ACI").select_option("public_health_mission")
    page.get_by_role("button", name="Filtrer").click()

    assert page.locator(".project-card .project-title").all_inner_texts() == ["Vaccination antigrippale"]
    assert "1 projet" in page.locator("main").inner_text()
    context.close()
