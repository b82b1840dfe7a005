"""What a file really is, and the text helpers (folders, tags, titles)."""
from __future__ import annotations

import pytest
from maillage_shared.errors import UnsupportedMediaType

from services.documents.demo import simple_pdf
from services.documents.domain.content import kind_of, recognise
from services.documents.domain.text import in_folder, normalise_folder, normalise_tags, title_from_filename

PNG = b"\x89PNG\r\n\x1a\n\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
DOCX = b"PK\x03\x04\x14\x00\x06\x00"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00"


@pytest.mark.parametrize("head, kind", [
    (simple_pdf("t", []), "pdf"), (PNG, "png"), (JPEG, "jpeg"), (b"GIF89a\x01", "gif"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp"), (DOCX, "zip"), (OLE, "ole"), (b"{\\rtf1\\ansi", "rtf"),
    ("Nom;Prénom\nLeroy;Paul\n".encode(), "text"), ("Résumé".encode("latin-1"), "text"),
    (b"\x00\x01\x02\x03", None), (b"caf\xc3", "text"),
])
def test_kinds_are_recognised_by_their_first_bytes(head, kind):
    assert kind_of(head) == kind


@pytest.mark.parametrize("filename, declared, head, stored", [
    ("protocole.pdf", "application/pdf", b"%PDF-1.7", "application/pdf"),
    ("photo.JPG", "image/jpeg", JPEG, "image/jpeg"),
    ("compte-rendu.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", DOCX,
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("ancien.doc", "application/msword", OLE, "application/msword"),
    ("liste.csv", "text/csv", b"a;b\n1;2\n", "text/csv; charset=utf-8"),
    ("sans-extension", "application/octet-stream", b"%PDF-1.4", "application/pdf"),
    ("donnees.bin", "application/octet-stream", b"\x00\x01", "application/octet-stream"),
    ("page.html", "text/html", b"<html><script>", "text/html; charset=utf-8"),
])
def test_the_stored_type_comes_from_the_content(filename, declared, head, stored):
    assert recognise(filename, declared, head).content_type == stored


@pytest.mark.parametrize("filename, declared, head", [
    ("protocole.pdf", "application/pdf", PNG),                   # type and extension both lie
    ("image.png", "application/octet-stream", b"%PDF-1.4"),      # the extension lies
    ("fichier", "application/pdf", b"MZ\x90\x00\x03"),            # the declared type lies (an executable)
    ("tableau.xlsx", "application/octet-stream", b"Nom;Age\n"),  # an .xlsx is a ZIP container
])
def test_content_that_contradicts_its_type_or_name_is_refused(filename, declared, head):
    with pytest.raises(UnsupportedMediaType) as refused:
        recognise(filename, declared, head)

    assert "file" in refused.value.fields


def test_folders_tags_and_titles_are_tidied():
    assert normalise_folder(" Protocoles / Cardio/ ") == "Protocoles/Cardio"
    assert normalise_folder(None) == ""
    assert in_folder("Protocoles/Cardio", "Protocoles") and not in_folder("Protocoles2", "Protocoles")
    assert normalise_tags(["AVK", " avk ", "INR  suivi", ""]) == ["AVK", "INR suivi"]
    assert title_from_filename("cr_RCP-novembre.pdf") == "cr RCP-novembre"
    assert title_from_filename(".bashrc") == ".bashrc"
