"""Typed errors of image decoding: a picture that cannot be read is the file's fault, not a bug."""

from __future__ import annotations

from traceapp.domain.errors import KnownError


class ImageUnreadable(KnownError):
    """The file or frame is not a picture the decoders can look at (missing, corrupt, odd shape)."""

    code = "image_unreadable"
