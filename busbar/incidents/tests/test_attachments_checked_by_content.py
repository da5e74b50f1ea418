"""An attachment is checked by its content, not its name: a text file named ``.pdf`` is refused with a 422
naming the file (web and API, nothing written); real PDFs, images, Office files and text are accepted and
stored with the type their content shows."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import raise_for
from busbar.records.models import Attachment

pytestmark = pytest.mark.django_db

BODY = {"service": "css", "summary": "Switches failing", "description": "E0001 on every switch"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


def api_raise(world, files: list):
    return world.client(world.user_a).post("/api/v1/incidents", {**BODY, "attachments": files})


@pytest.mark.parametrize(
    ("name", "declared", "content", "says"),
    [
        ("report.pdf", "application/pdf", b"Just some text, not a PDF at all.\n", "its content is text"),
        ("report.pdf", "text/plain", b"Text sent as text but named .pdf\n", "named or sent as a PDF"),
        ("shot.pdf", "application/pdf", PNG, "its content is a PNG image"),
        ("notes.txt", "text/plain", b"MZ" + b"\x00" * 64, "application/x-msdownload"),
        ("blob.bin", "application/octet-stream", b"\x00\x01\x02\x03binary", "not of an accepted type"),
    ],
)
def test_content_that_is_not_what_it_claims_is_refused_naming_the_file(
    world,
    catalogue,
    name: str,
    declared: str,
    content: bytes,
    says: str,
) -> None:
    ok = SimpleUploadedFile("error.log", b"fine\n", content_type="text/plain")
    bad = SimpleUploadedFile(name, content, content_type=declared)
    response = api_raise(world, [ok, bad])
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "attachments[1]" and name in error["message"] and says in error["message"]
    assert not Incident.objects.exists() and not Attachment.objects.exists()


def test_genuine_files_are_accepted_with_the_type_their_content_shows(world, catalogue) -> None:
    files = [
        SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("screen.png", PNG, content_type="image/png"),
        SimpleUploadedFile("figures.xlsx", xlsx(), content_type="application/octet-stream"),
        SimpleUploadedFile("run.log", b"E0001 at 09:00\n", content_type="application/octet-stream"),
        SimpleUploadedFile("export.csv", "mpan;name\n1;Zoë Café\n".encode("cp1252"), content_type="text/csv"),
    ]
    response = api_raise(world, files)
    assert response.status_code == 201, response.content
    assert [(a["filename"], a["content_type"]) for a in response.json()["attachments"]] == [
        ("report.pdf", "application/pdf"),
        ("screen.png", "image/png"),
        ("figures.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("run.log", "text/plain"),
        ("export.csv", "text/csv"),
    ]


def test_a_reply_on_the_page_with_a_fake_pdf_is_refused_on_the_field(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    fake = SimpleUploadedFile("invoice.pdf", b"plain words\n", content_type="application/pdf")
    response = world.client(world.user_a).post(
        f"/incidents/{incident.reference}/reply/", {"reply-body": "See attached", "reply-attachments": [fake]}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "invoice.pdf is named or sent as a PDF but its content is text" in page
    assert not incident.record.entries.exists() and not Attachment.objects.exists()


def test_another_participant_cannot_attach_to_the_incident(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    real = SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")
    response = world.client(world.user_b).post(
        f"/api/v1/incidents/{incident.reference}/updates", {"body": "Mine", "attachments": [real]}
    )
    assert response.status_code == 404 and not Attachment.objects.exists()
