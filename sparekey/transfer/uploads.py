"""Receiving an import file: in memory only, and never more than the limit.

Django's default upload handlers write a file larger than FILE_UPLOAD_MAX_MEMORY_SIZE to a
temporary file on disk; an import file holds secrets, so the import page uses this handler
instead. It keeps at most ``MAX_UPLOAD_BYTES`` (all files of one upload together) in memory and
skips the rest of a bigger file without storing it, so a 100 MB upload is refused having written
nothing anywhere. The view also refuses a request whose declared length is far too big before
reading its body.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from .formats.limits import MAX_UPLOAD_BYTES

# Room for the form's other fields and the multipart framing around the files.
FORM_OVERHEAD_BYTES = 256 * 1024
TOO_LARGE = (
    f"The upload is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB. Export only the folders "
    "or vaults with the accounts to import, or split the file."
)


def body_too_large(content_length: Any) -> bool:
    """Whether a request says, before sending it, that its body is over the limit."""
    try:
        return int(content_length) > MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES
    except (TypeError, ValueError):
        return False


class LimitedMemoryUploadHandler(FileUploadHandler):
    """Keeps uploaded files in memory up to a total of ``MAX_UPLOAD_BYTES``; beyond it the file
    is skipped (Django reads and drops the rest) and ``too_large`` is set for the form."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.total = 0
        self.too_large = False
        self.buffer = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.total += len(raw_data)
        if self.total > MAX_UPLOAD_BYTES:
            self.too_large = True
            self.buffer = io.BytesIO()
            raise SkipFile
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
