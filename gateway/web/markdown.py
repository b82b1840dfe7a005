"""A small, safe Markdown renderer for project descriptions and task notes.

Everything the user typed is HTML-escaped first; only then are a few Markdown forms turned
into tags this module writes itself: paragraphs and line breaks, headings (``#`` to
``###``, shown one level down), bullet and numbered lists, ``**bold**``, ``*italic*`` or
``_italic_``, ``code``, and links whose target is ``http(s)://`` or ``mailto:`` (anything
else, e.g. ``javascript:``, stays plain text). No raw HTML ever passes through, so no
sanitiser is needed, and no dependency either (docs/adr/0007).
"""
from __future__ import annotations

import re

from markupsafe import Markup, escape

_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^\s()<>\"']+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")
_PLACEHOLDER = "\x00{}\x00"


def render_markdown(text: str | None) -> Markup:
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    html: list[str] = []
    paragraph: list[str] = []
    list_kind: str | None = None

    def close_paragraph():
        if paragraph:
            html.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def close_list():
        nonlocal list_kind
        if list_kind:
            html.append(f"</{list_kind}>")
            list_kind = None

    for raw in lines:
        line = raw.rstrip()
        heading, bullet, numbered = _HEADING.match(line), _BULLET.match(line), _NUMBERED.match(line)
        if not line.strip():
            close_paragraph()
            close_list()
        elif heading:
            close_paragraph()
            close_list()
            level = len(heading.group(1)) + 2  # the page has its h1 and h2
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or numbered:
            close_paragraph()
            kind = "ul" if bullet else "ol"
            if list_kind != kind:
                close_list()
                html.append(f"<{kind}>")
                list_kind = kind
            html.append(f"<li>{_inline((bullet or numbered).group(1))}</li>")
        else:
            close_list()
            paragraph.append(line.strip())
    close_paragraph()
    close_list()
    return Markup("\n".join(html))


def _inline(text: str) -> str:
    """Escape, then format. Code spans and links are set aside first so that their content
    is not formatted again."""
    kept: list[str] = []

    def keep(fragment: str) -> str:
        kept.append(fragment)
        return _PLACEHOLDER.format(len(kept) - 1)

    escaped = str(escape(text.replace("\x00", "")))
    escaped = _CODE.sub(lambda m: keep(f"<code>{m.group(1)}</code>"), escaped)
    escaped = _LINK.sub(lambda m: keep(f'<a href="{m.group(2)}" rel="nofollow noopener noreferrer">'
                                       f"{_emphasis(m.group(1))}</a>"), escaped)
    escaped = _emphasis(escaped)
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], escaped)


def _emphasis(text: str) -> str:
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    return _ITALIC.sub(r"<em>\1</em>", text)
