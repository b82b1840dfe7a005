"""The application shell: the user's structures and, for the current one, its dashboard."""
from __future__ import annotations

from datetime import timedelta

from maillage_shared.errors import MaillageError

from ..context import rpc
from .i18n import N_, today_in_paris
from .pages import Page, bp, render_page, structure_page, user_page

# (key, label, endpoint or None when it is not there yet, coordinators only)
CAPABILITIES = (
    ("directory", N_("Directory"), "web.directory", False),
    ("availability", N_("Availability"), "web.availability", False),
    ("members", N_("Members"), "web.members", True),
    ("structure", N_("Structure"), "web.structure", True),
    ("profile", N_("Profile"), "web.profile", False),
    ("projects", N_("Projects"), "web.projects", False),
    ("dashboard", N_("Dashboard"), "web.dashboard", False),
    ("meetings", N_("Meetings"), "web.meetings", False),
    ("finance", N_("ACI funding"), "web.finance", False),
    ("documents", N_("Documents"), "web.documents", False),
    ("site", N_("Public website"), None, False),
)
CAPABILITY_HINTS = {
    "directory": N_("Who is who, how to reach them"),
    "availability": N_("Leave, on-call days"),
    "members": N_("Roles, invitations"),
    "structure": N_("Address, opening hours"),
    "profile": N_("Your details and language"),
    "projects": N_("Projects and tasks of the team"),
    "dashboard": N_("Where the projects stand: late, due soon"),
    "meetings": N_("Concertation, minutes, attendance"),
    "finance": N_("The ACI file and how it is shared"),
    "documents": N_("Documents and team protocols"),
    "site": N_("The structure's website for patients"),
}


@bp.get("/app")
def home():
    page = user_page()
    if page.structure is None:
        return render_page("no_structure.html", page)
    return _dashboard(page)


@bp.get("/app/s/<sid>")
def structure_home(sid: str):
    return _dashboard(structure_page(sid))


def _dashboard(page: Page):
    today = today_in_paris()
    monday = today - timedelta(days=today.weekday())
    on_call = rpc("identity", "on_call", page.sid, {"date": today.isoformat()})
    away = rpc("identity", "list_availability", page.sid,
               {"kind": "leave", "starts_on": monday.isoformat(), "ends_on": (monday + timedelta(days=6)).isoformat()})
    capabilities = [c for c in CAPABILITIES if page.is_coordinator or not c[3]]
    return render_page("home.html", page, active="home", on_call=on_call, away=away, today=today,
                       week=(monday, monday + timedelta(days=6)), capabilities=capabilities,
                       hints=CAPABILITY_HINTS, reviews_due=_protocol_reviews_due(page))


def _protocol_reviews_due(page: Page) -> list[dict]:
    """Protocols whose review date has passed: a reminder, never a reason for the home page to fail."""
    try:
        return rpc("documents", "list_protocols", page.user_id, page.sid, {"review_due": True})
    except MaillageError:
        return []
