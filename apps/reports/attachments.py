"""What an uploaded file really is. The type comes from the bytes alone — never from the file's
name or the Content-Type the client sent, both of which an attacker chooses — and only types a
browser cannot be tricked into running are accepted: raster images that Pillow can parse, and
UTF-8 text that does not start like markup."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.utils.text import get_valid_filename
from PIL import Image, UnidentifiedImageError

from apps.core.errors import InvalidInput, TooLarge

ACCEPTED_TYPES_TEXT = "PNG, JPEG, GIF or WebP images, or UTF-8 text (plain text, CSV or JSON)"
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# The extension a downloaded file gets, so that the reader's operating system opens it as what it
# is: a text file named report.html would otherwise open in a browser as a page.
EXTENSIONS = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "text/plain": (".txt", ".log"),
    "text/csv": (".csv",),
    "application/json": (".json",),
}
MAX_NAME_LENGTH = 200
_CSV_SAMPLE_LINES = 20


@dataclass(frozen=True)
class InspectedUpload:
    data: bytes
    content_type: str
    size: int
    sha256: str
    original_name: str


def attachment_inspect(*, upload: File, max_bytes: int) -> InspectedUpload:
    """Reads the upload (at most `max_bytes`) and works out what it is, or says what is wrong."""
    declared_size = getattr(upload, "size", None)
    if declared_size is not None and declared_size > max_bytes:
        raise _too_large(max_bytes)
    data = _read_at_most(upload, max_bytes)
    if not data:
        raise InvalidInput("The file is empty.", errors={"file": ["The file is empty."]})
    content_type = _image_type(data) or _text_type(data)
    if content_type is None:
        message = f"This kind of file is not accepted. Attach {ACCEPTED_TYPES_TEXT}."
        raise InvalidInput(message, errors={"file": [message]})
    return InspectedUpload(
        data=data, content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        original_name=clean_original_name(getattr(upload, "name", "") or ""),
    )


def upload_request_check(*, content_length: str | None) -> None:
    """Refuses, before its body is read, a request that cannot hold an acceptable file: Django
    streams uploaded files to disk whatever their size, so the limit has to be checked up front."""
    try:
        length = int(content_length or 0)
    except ValueError:
        return
    if length > settings.ATTACHMENT_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise _too_large(settings.ATTACHMENT_MAX_BYTES)


def clean_original_name(name: str) -> str:
    """A display name with no path, control characters, bidi tricks or leading dots."""
    base = re.split(r"[\\/]", str(name))[-1]
    try:
        cleaned = get_valid_filename(base).lstrip(".")
    except SuspiciousFileOperation:
        cleaned = ""
    if not cleaned:
        return "attachment"
    if len(cleaned) > MAX_NAME_LENGTH:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and stem and len(extension) <= 10:
            cleaned = stem[: MAX_NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            cleaned = cleaned[:MAX_NAME_LENGTH]
    return cleaned


def download_name(*, original_name: str, content_type: str) -> str:
    """The name a download is saved under: the display name, with an extension that matches the
    detected type (a PNG uploaded as `x.exe` downloads as `x.png`)."""
    extensions = EXTENSIONS.get(content_type, (".bin",))
    stem, dot, extension = original_name.rpartition(".")
    if dot and stem and f".{extension.lower()}" in extensions:
        return original_name
    return f"{stem if dot and stem else original_name}{extensions[0]}"


def _too_large(max_bytes: int) -> TooLarge:
    limit = _human_size(max_bytes)
    return TooLarge(f"The file is larger than {limit}; attach a smaller one (crop a screenshot, or compress it).",
                    errors={"file": [f"At most {limit}."]})


def _human_size(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"


def _read_at_most(upload: File, max_bytes: int) -> bytes:
    buffer = io.BytesIO()
    for chunk in upload.chunks():
        buffer.write(chunk)
        if buffer.tell() > max_bytes:  # the declared size can lie; the bytes cannot
            raise _too_large(max_bytes)
    return buffer.getvalue()


def _image_type(data: bytes) -> str | None:
    try:
        with warnings.catch_warnings():
            # A tiny file can declare billions of pixels and exhaust a reader's browser.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as image:
                image_format = image.format
                image.verify()
    except UnidentifiedImageError:
        return None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        message = "The image has too many pixels; attach a smaller one."
        raise InvalidInput(message, errors={"file": [message]})
    except Exception:  # Pillow raises many kinds of errors for a damaged file
        message = "The file looks like an image but is damaged; save it again and attach the new copy."
        raise InvalidInput(message, errors={"file": [message]})
    return IMAGE_FORMATS.get(image_format or "")


def _text_type(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    body = text.lstrip("\ufeff \t\r\n\f")
    if body.startswith("<"):
        # HTML, SVG and XML: a browser that sniffs would run them. Refused rather than relabelled.
        return None
    if body[:1] in ("{", "["):
        try:
            json.loads(body)
        except ValueError:
            pass
        else:
            return "application/json"
    if _looks_like_csv(body):
        return "text/csv"
    return "text/plain"


def _looks_like_csv(text: str) -> bool:
    lines = [line for line in text.splitlines()[:_CSV_SAMPLE_LINES] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t")
        widths = {len(row) for row in csv.reader(lines, dialect)}
    except csv.Error:
        return False
    return len(widths) == 1 and widths.pop() > 1
