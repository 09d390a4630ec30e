"""Scans and photos of paper appeals, uploaded in the back office: what is accepted.

The type is read from the file's first bytes, not from its name or the browser's word for it:
a PDF, a JPEG, a PNG or a WebP image, at most ``MAX_SCAN_BYTES`` each, at most ``MAX_SCANS``.
"""

from dataclasses import dataclass

from handlers.errors import InvalidInput

MAX_SCAN_BYTES = 5 * 1024 * 1024
MAX_SCANS = 10
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
"""The largest form the web server reads (a bigger one is refused before it is read)."""
MAX_NAME_CHARS = 200
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


@dataclass(frozen=True)
class Scan:
    name: str
    data: bytes

    @property
    def mime_type(self) -> str:
        return scan_type(self.data) or "application/octet-stream"


class ScanRefused(InvalidInput):
    """A file the back office does not keep; ``reason`` is ``too_large``, ``wrong_type`` or ``too_many``."""

    def __init__(self, reason: str, name: str = "") -> None:
        super().__init__(f"scan {name!r} refused: {reason}")
        self.reason, self.name = reason, name


def scan_type(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((mime for signature, mime in SIGNATURES if data.startswith(signature)), None)


def check_scans(scans: list[Scan]) -> None:
    if len(scans) > MAX_SCANS:
        raise ScanRefused("too_many")
    for scan in scans:
        if len(scan.data) > MAX_SCAN_BYTES:
            raise ScanRefused("too_large", scan.name)
        if scan_type(scan.data) is None:
            raise ScanRefused("wrong_type", scan.name)


def clean_name(name: str | None) -> str:
    """A file name to show and to offer on download: no path, no quotes, not too long."""
    base = (name or "scan").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable() and ch not in '"<>;')[:MAX_NAME_CHARS] or "scan"
