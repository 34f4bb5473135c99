"""Report attachments: the type is read from the bytes, sizes and counts are limited, the stored
name is generated, and files are only served through a view that checks who may see the report."""

from __future__ import annotations

import hashlib
import json
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from apps.accounts.models import INTAKE_SCOPES
from apps.audit.models import AuditEvent
from apps.core.errors import InvalidInput, TooLarge
from apps.reports.models import Attachment, Report
from apps.reports.services import report_attachment_add
from tests.accounts.factories import TeamFactory, access_world, member_of, token_client
from tests.registry.factories import iris_row, trained_version
from tests.reports.factories import file_report, image_bytes, upload

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
GENERATED_NAME = re.compile(r"^attachments/[0-9a-f]{32}$")


@pytest.fixture
def version():
    return trained_version()


@pytest.fixture
def report(user, version):
    return file_report(reporter=user, version=version)


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def _download_path(attachment: Attachment) -> str:
    return f"/reports/{attachment.report_id}/attachments/{attachment.pk}/"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _huge_png_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A few bytes that claim ten billion pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


# --- what is accepted ----------------------------------------------------------------------

@pytest.mark.parametrize("content, detected", [
    (image_bytes("PNG"), "image/png"),
    (image_bytes("JPEG"), "image/jpeg"),
    (image_bytes("GIF"), "image/gif"),
    (image_bytes("WEBP"), "image/webp"),
    (b"Saw it at 10:02 on the cellar page.\nAgain at 10:05.\n", "text/plain"),
    (b"alcohol,proline\n13.2,1065\n12.9,1065000\n", "text/csv"),
    (json.dumps({"proline": 1065000, "note": "µs?"}).encode(), "application/json"),
    ("\ufeffUTF-8 with a byte-order mark, and ünïcödé".encode(), "text/plain"),
])
def test_accepted_files_are_stored_with_the_type_read_from_their_content(user, report, content, detected):
    attachment = report_attachment_add(report=report, upload=upload(content, "whatever.bin", "x/unknown"),
                                       actor=user)

    assert attachment.content_type == detected
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.uploaded_by == user
    with attachment.file.open("rb") as stored:
        assert stored.read() == content
    event = AuditEvent.objects.get(action="report.attachment_add")
    assert event.target_id == str(report.pk) and event.new["sha256"] == attachment.sha256


def test_a_png_renamed_exe_is_still_a_png_and_downloads_as_one(signed_in, user, report):
    content = image_bytes("PNG")
    attachment = report_attachment_add(
        report=report, upload=upload(content, "screenshot.exe", "application/x-msdownload"), actor=user,
    )
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "screenshot.exe"  # shown as the person named it…

    response = signed_in.get(_download_path(attachment))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="screenshot.png"'  # …saved as what it is


@pytest.mark.parametrize("content", [
    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    b"  \n<html><body onload=alert(1)>",
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>',
    '\ufeff<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'.encode(),
    b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56,  # a Linux executable
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"PE\x00\x00",  # a Windows one
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00",  # a zip archive (and so .docx, .jar…)
    image_bytes("BMP"),  # a real image, but not a type we accept
    "Latin-1 text: caf\xe9".encode("latin-1"),  # not UTF-8
], ids=["html", "html-after-whitespace", "svg", "xml-svg-with-bom", "elf", "pe", "zip", "bmp", "latin-1"])
def test_anything_else_renamed_png_is_refused_saying_what_is_accepted(user, report, content):
    with pytest.raises(InvalidInput) as refused:
        report_attachment_add(report=report, upload=upload(content, "screenshot.png", "image/png"), actor=user)

    assert "PNG, JPEG, GIF or WebP images, or UTF-8 text" in refused.value.detail
    assert refused.value.errors["file"]
    assert not Attachment.objects.exists()


def test_a_damaged_image_is_refused(user, report):
    with pytest.raises(InvalidInput, match="damaged"):
        report_attachment_add(report=report, upload=upload(image_bytes("PNG")[:-30]), actor=user)


def test_an_image_claiming_billions_of_pixels_is_refused(user, report):
    with pytest.raises(InvalidInput, match="too many pixels"):
        report_attachment_add(report=report, upload=upload(_huge_png_header()), actor=user)


def test_an_empty_file_is_refused(user, report):
    with pytest.raises(InvalidInput, match="empty"):
        report_attachment_add(report=report, upload=ContentFile(b"", name="empty.txt"), actor=user)


# --- limits ----------------------------------------------------------------------------------

def test_a_file_over_the_size_limit_is_refused(settings, user, report):
    settings.ATTACHMENT_MAX_BYTES = 1000
    report_attachment_add(report=report, upload=upload(b"x" * 1000, "fits.txt"), actor=user)

    with pytest.raises(TooLarge, match="larger than 1000 bytes"):
        report_attachment_add(report=report, upload=upload(b"x" * 1001, "big.txt"), actor=user)
    assert report.attachments.count() == 1


def test_the_api_answers_413_for_an_oversized_file(settings, api_client, report):
    settings.ATTACHMENT_MAX_BYTES = 1024
    response = api_client.post(f"/api/v1/reports/{report.pk}/attachments/",
                               {"file": upload(b"x" * 1025, "big.txt")}, format="multipart")

    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"].startswith("The file is larger than 1 KiB")
    assert not Attachment.objects.exists()


def test_a_request_too_big_to_hold_an_acceptable_file_is_refused_before_it_is_read(settings, api_client, report):
    settings.ATTACHMENT_MAX_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = api_client.post(f"/api/v1/reports/{report.pk}/attachments/",
                               {"file": upload(b"x" * 4096, "big.txt")}, format="multipart")
    assert response.status_code == 413 and response["Content-Type"] == PROBLEM


def test_a_report_holds_at_most_the_configured_number_of_files(settings, api_client, report):
    settings.ATTACHMENT_MAX_PER_REPORT = 2
    url = f"/api/v1/reports/{report.pk}/attachments/"
    for index in range(2):
        assert api_client.post(url, {"file": upload(f"note {index}".encode(), "n.txt")},
                               format="multipart").status_code == 201

    response = api_client.post(url, {"file": upload(b"one too many", "n.txt")}, format="multipart")

    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["errors"]["file"] == ["A report can have at most 2 attachments."]
    assert report.attachments.count() == 2


# --- names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("client_name, shown_as", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
    ("evil\x00.png", "evil.png"),
    ("two\nlines\r.png", "twolines.png"),
    ("\u202egnp.exe", "gnp.exe"),  # a right-to-left override that would display as exe.png
    ("..", "attachment"),
    (".htaccess", "htaccess"),
    ("my screenshot (1).png", "my_screenshot_1.png"),
    ("a" * 300 + ".png", "a" * 196 + ".png"),
])
def test_the_stored_name_is_generated_and_the_client_name_only_displayed(settings, user, report, client_name,
                                                                         shown_as):
    attachment = report_attachment_add(report=report, upload=ContentFile(image_bytes("PNG"), name=client_name),
                                       actor=user)

    assert GENERATED_NAME.match(attachment.file.name), attachment.file.name
    stored = Path(attachment.file.path).resolve()
    assert stored.parent == (Path(settings.MEDIA_ROOT) / "attachments").resolve()
    assert attachment.original_name == shown_as


def test_two_uploads_with_the_same_name_get_different_stored_names(user, report):
    first = report_attachment_add(report=report, upload=upload(image_bytes("PNG")), actor=user)
    second = report_attachment_add(report=report, upload=upload(image_bytes("GIF")), actor=user)
    assert first.file.name != second.file.name


# --- the API ---------------------------------------------------------------------------------

def test_uploading_through_the_api_returns_the_attachment_and_a_working_url(api_client, report):
    content = image_bytes("PNG")
    response = api_client.post(f"/api/v1/reports/{report.pk}/attachments/",
                               {"file": upload(content, "cellar page.png")}, format="multipart")

    assert response.status_code == 201, response.content
    body = response.json()
    attachment = Attachment.objects.get()
    assert set(body) == {"id", "original_name", "content_type", "size", "sha256", "url", "created_at"}
    assert body["id"] == attachment.pk
    assert body["original_name"] == "cellar_page.png"
    assert body["content_type"] == "image/png" and body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["url"] == f"http://testserver/reports/{report.pk}/attachments/{attachment.pk}/"

    downloaded = api_client.get(body["url"])  # the same token works on the download URL
    assert downloaded.status_code == 200 and _body(downloaded) == content

    listing = api_client.get(f"/api/v1/reports/{report.pk}/attachments/").json()
    assert [item["id"] for item in listing["results"]] == [attachment.pk]
    detail = api_client.get(f"/api/v1/reports/{report.pk}/").json()
    assert [item["sha256"] for item in detail["attachments"]] == [body["sha256"]]
    assert "input_checks" in detail  # the existing fields are all still there


def test_an_intake_key_attaches_only_to_the_reports_its_bot_filed():
    world = access_world()
    bot = token_client(world.bot, scopes=INTAKE_SCOPES)
    filed = bot.post("/api/v1/reports/", {"model": world.model.name, "model_version": world.version.version,
                                          "features": iris_row(5), "output": "setosa", "title": "Odd answer"},
                     format="json")
    assert filed.status_code == 201, filed.content

    def attach(report_id: int):
        return bot.post(f"/api/v1/reports/{report_id}/attachments/", {"file": upload(image_bytes("PNG"))},
                        format="multipart")

    assert attach(filed.json()["id"]).status_code == 201
    # A report of the bot's team that someone else filed, and an id that does not exist, get
    # the same answer: the key cannot tell which report ids exist.
    colleagues, unknown = attach(world.report.pk), attach(world.report.pk + 10_000)
    assert colleagues.status_code == unknown.status_code == 404
    assert colleagues["Content-Type"] == PROBLEM
    assert (colleagues.json()["detail"].replace(str(world.report.pk), "ID")
            == unknown.json()["detail"].replace(str(world.report.pk + 10_000), "ID"))
    assert Attachment.objects.filter(report=world.report).count() == 0
    # The team's people, and a full-access key of the bot, still attach to any report they see.
    assert token_client(world.bot).post(f"/api/v1/reports/{world.report.pk}/attachments/",
                                        {"file": upload(image_bytes("PNG"))}, format="multipart").status_code == 201


def test_the_api_explains_a_missing_or_refused_file(api_client, report):
    url = f"/api/v1/reports/{report.pk}/attachments/"
    missing = api_client.post(url, {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()["errors"]

    html = api_client.post(url, {"file": upload(b"<html><script>alert(1)</script>", "x.png")}, format="multipart")
    assert html.status_code == 400 and html["Content-Type"] == PROBLEM
    assert "PNG, JPEG, GIF or WebP" in html.json()["detail"]

    as_json = api_client.post(url, {"file": "x"}, format="json")
    assert as_json.status_code == 415


def test_the_schema_documents_the_attachment_upload(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/reports/{id}/attachments/"]
    assert "multipart/form-data" in operation["post"]["requestBody"]["content"]
    assert "201" in operation["post"]["responses"] and "get" in operation


# --- downloading -----------------------------------------------------------------------------

def test_an_image_downloads_inline_with_its_bytes_and_protective_headers(signed_in, user, report):
    content = image_bytes("JPEG")
    attachment = report_attachment_add(report=report, upload=upload(content, "photo.jpeg"), actor=user)

    response = signed_in.get(_download_path(attachment))

    assert response.status_code == 200
    assert _body(response) == content
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Content-Disposition"] == 'inline; filename="photo.jpeg"'


@pytest.mark.parametrize("name, content, content_type, saved_as", [
    ("notes.txt", b"seen twice", "text/plain; charset=utf-8", "notes.txt"),
    ("page.html", b"hello <script>alert(1)</script>", "text/plain; charset=utf-8", "page.txt"),
    ("rows.csv", b"a,b\n1,2\n", "text/csv; charset=utf-8", "rows.csv"),
    ("input", b'{"a": 1}', "application/json; charset=utf-8", "input.json"),
])
def test_other_files_download_as_attachments_named_for_their_type(signed_in, user, report, name, content,
                                                                   content_type, saved_as):
    attachment = report_attachment_add(report=report, upload=upload(content, name, "text/html"), actor=user)

    response = signed_in.get(_download_path(attachment))

    assert _body(response) == content
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{saved_as}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_a_non_ascii_name_is_sent_encoded(signed_in, user, report):
    attachment = report_attachment_add(report=report, upload=upload(b"x", "Bildschirmfoto äöü.txt"), actor=user)
    disposition = signed_in.get(_download_path(attachment))["Content-Disposition"]
    assert disposition == "attachment; filename*=utf-8''Bildschirmfoto_%C3%A4%C3%B6%C3%BC.txt"


def test_nobody_downloads_without_signing_in(client, anonymous_client, user, report):
    attachment = report_attachment_add(report=report, upload=upload(image_bytes("PNG")), actor=user)

    page = client.get(_download_path(attachment))
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/?next=")

    bad_token = client.get(_download_path(attachment), HTTP_AUTHORIZATION="Token not-a-real-key")
    assert bad_token.status_code == 401 and bad_token["Content-Type"] == PROBLEM

    api = anonymous_client.get(f"/api/v1/reports/{report.pk}/attachments/")
    assert api.status_code == 401
    upload_attempt = anonymous_client.post(f"/api/v1/reports/{report.pk}/attachments/",
                                           {"file": upload(b"x", "x.txt")}, format="multipart")
    assert upload_attempt.status_code == 401 and Attachment.objects.count() == 1


def test_an_attachment_of_another_report_is_not_found(signed_in, user, version, report):
    other_report = file_report(reporter=user, version=version, index=1)
    attachment = report_attachment_add(report=other_report, upload=upload(b"x", "x.txt"), actor=user)

    assert signed_in.get(f"/reports/{report.pk}/attachments/{attachment.pk}/").status_code == 404
    assert signed_in.get(f"/reports/{report.pk}/attachments/999999/").status_code == 404


def test_a_file_missing_from_storage_is_a_404_not_a_crash(signed_in, user, report):
    attachment = report_attachment_add(report=report, upload=upload(b"x", "x.txt"), actor=user)
    attachment.file.delete(save=False)
    response = signed_in.get(_download_path(attachment))
    assert response.status_code == 404 and "missing" in response.content.decode()


def test_media_files_are_never_served_directly(signed_in, user, report):
    attachment = report_attachment_add(report=report, upload=upload(image_bytes("PNG")), actor=user)
    assert signed_in.get(f"/media/{attachment.file.name}").status_code == 404
    assert signed_in.get(f"/static/../media/{attachment.file.name}").status_code == 404


def test_someone_who_may_not_see_the_report_gets_404_for_its_files(client, api_client, user):
    owners = TeamFactory(slug="owners")
    version = trained_version("team-owned", team=owners)  # neither user nor api_client is in the team
    outsider_report = file_report(reporter=api_client.user, version=version)  # the API client's own report
    secret = file_report(reporter=member_of(owners), version=version, title="Another team's report")
    content = image_bytes("PNG")
    attachment = report_attachment_add(report=secret, upload=upload(content), actor=secret.reporter)

    client.force_login(user)
    page = client.get(_download_path(attachment))
    assert page.status_code == 404 and content not in page.content

    assert api_client.get(_download_path(attachment)).status_code == 404
    assert api_client.get(f"/api/v1/reports/{secret.pk}/attachments/").status_code == 404
    response = api_client.post(f"/api/v1/reports/{secret.pk}/attachments/", {"file": upload(b"x", "x.txt")},
                               format="multipart")
    assert response.status_code == 404 and secret.attachments.count() == 1

    client.force_login(secret.reporter)
    assert client.get(_download_path(attachment)).status_code == 200  # the reporter still can
    assert outsider_report.attachments.count() == 0


# --- the report form and page ----------------------------------------------------------------

def _form(version, **overrides):
    return {"model": version.model.name, "features": json.dumps(iris_row(0)), "output": "setosa",
            "title": "Odd", "expected": "virginica", "description": ""} | overrides


def test_the_form_files_a_screenshot_with_the_report_and_the_page_shows_it(signed_in, version):
    response = signed_in.post("/reports/new/", _form(version, screenshot=upload(image_bytes("PNG"), "seen.png")),
                              follow=True)

    report = Report.objects.get()
    attachment = report.attachments.get()
    assert attachment.content_type == "image/png" and report.channel == "form"
    page = response.content.decode()
    assert f'<img class="thumbnail" src="{_download_path(attachment)}" alt="Screenshot: seen.png"' in page


def test_the_report_page_links_files_that_are_not_images(signed_in, user, report):
    attachment = report_attachment_add(report=report, upload=upload(b"a,b\n1,2\n", "rows.csv"), actor=user)
    page = signed_in.get(f"/reports/{report.pk}/").content.decode()
    assert f'<a href="{_download_path(attachment)}">rows.csv</a>' in page and "text/csv" in page


@pytest.mark.parametrize("screenshot, message", [
    (upload(b"<html><script>alert(1)</script></html>", "shot.png"), "This kind of file is not accepted"),
    (upload(b"x" * 2048, "shot.txt"), "At most 1 KiB"),
])
def test_a_bad_screenshot_is_a_form_error_and_files_nothing(settings, signed_in, version, screenshot, message):
    settings.ATTACHMENT_MAX_BYTES = 1024
    response = signed_in.post("/reports/new/", _form(version, screenshot=screenshot))

    assert response.status_code == 400
    field_errors = response.context["form"].errors["screenshot"]
    assert any(message in error for error in field_errors), field_errors
    assert Report.objects.count() == 0 and Attachment.objects.count() == 0


def test_the_form_is_sent_as_multipart(signed_in):
    assert 'enctype="multipart/form-data"' in signed_in.get("/reports/new/").content.decode()
