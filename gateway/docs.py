"""Serve the OpenAPI document and a browsable description of it (no external assets)."""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, jsonify, render_template_string

bp = Blueprint("api_docs", __name__)


@lru_cache(maxsize=1)
def _spec() -> dict:
    from .openapi import build_spec

    return build_spec()


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(_spec())


DOCS_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Maillage API</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;color:#1d2733}
h2{border-bottom:1px solid #ccd;margin-top:2rem} details{margin:.4rem 0;border:1px solid #dde;border-radius:6px;padding:.4rem .7rem}
summary{cursor:pointer} .m{display:inline-block;min-width:4.2rem;font-weight:bold;font-family:monospace}
.get{color:#1565c0}.post{color:#2e7d32}.put,.patch{color:#ef6c00}.delete{color:#c62828} pre{background:#f4f6f8;padding:.6rem;overflow:auto}
</style></head><body>
<h1>Maillage API <small>v{{ spec.info.version }}</small></h1>
<p>{{ spec.info.description }} Machine-readable: <a href="openapi.json">openapi.json</a>.</p>
{% for tag, ops in groups %}<h2>{{ tag }}</h2>
{% for path, method, op in ops %}<details><summary><span class="m {{ method }}">{{ method|upper }}</span>
<code>{{ path }}</code> — {{ op.summary }}</summary>
{% if op.description %}<p>{{ op.description }}</p>{% endif %}
{% if op.requestBody %}{% for media, body in op.requestBody.content.items() %}<p>Body ({{ media }}):</p><pre>{{ body.schema | tojson(indent=1) }}</pre>{% endfor %}{% endif %}
<p>Responses: {% for code, r in op.responses.items() %}<code>{{ code }}</code> {{ r.description }}{% if not loop.last %}, {% endif %}{% endfor %}</p>
</details>{% endfor %}{% endfor %}
<h2>Schemas</h2>{% for name, schema in spec.components.schemas.items() %}<details><summary>{{ name }}</summary>
<pre>{{ schema | tojson(indent=1) }}</pre></details>{% endfor %}
</body></html>"""


@bp.get("/docs")
def browsable_docs():
    spec = _spec()
    groups: dict[str, list] = {}
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            groups.setdefault((op.get("tags") or ["other"])[0], []).append((path, method, op))
    return render_template_string(DOCS_TEMPLATE, spec=spec, groups=sorted(groups.items()))
