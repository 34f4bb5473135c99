from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.reports.models import Channel, Report
from apps.reports.services import report_create
from tests.registry.factories import iris_label, iris_row


def file_report(*, reporter, version, index: int = 0, output=None, title: str = "Odd prediction",
                **overrides) -> Report:
    """A report filed through the real service, with a real input row from the iris data."""
    return report_create(
        reporter=reporter, model_name=version.model.name, model_version=version.version,
        features=overrides.pop("features", iris_row(index)),
        output=iris_label(index) if output is None else output, title=title,
        channel=overrides.pop("channel", Channel.API), **overrides,
    )


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    """A small real image in one of Pillow's formats (PNG, JPEG, GIF, WEBP, BMP, TIFF…)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=image_format)
    return buffer.getvalue()


def upload(content: bytes, name: str = "screenshot.png", content_type: str = "image/png") -> SimpleUploadedFile:
    """What Django hands a view for one uploaded file; the name and type are the client's claims."""
    return SimpleUploadedFile(name, content, content_type=content_type)
