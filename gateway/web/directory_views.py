"""The directory: who is in the structure, how to reach them, who is away or on call today."""
from __future__ import annotations

from flask import request
from maillage_shared.contracts.identity import PROFESSIONS
from maillage_shared.errors import Invalid

from ..context import rpc
from .forms import Form
from .pages import bp, render_page, structure_page


@bp.get("/app/s/<sid>/directory")
def directory(sid: str):
    page = structure_page(sid)
    form = Form({"q": request.args.get("q", "").strip(), "profession": request.args.get("profession", "")})
    query = {"q": form.get("q")}
    if form.get("profession") in PROFESSIONS:
        query["profession"] = form.get("profession")
    try:
        entries = rpc("identity", "directory", sid, query)
        status = 200
    except Invalid as exc:
        form.fail(exc)
        entries, status = [], 400
    searching = bool(form.get("q") or query.get("profession"))
    return render_page("directory.html", page, active="directory", status=status, form=form, entries=entries,
                       professions=list(PROFESSIONS), searching=searching)
