"""Profile photos: checked by content, re-encoded as a small JPEG without metadata.

Whatever was uploaded is decoded and drawn afresh, so nothing of the original file
(EXIF with GPS positions, comments, trailing data) reaches the stored copy.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
import warnings
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from directory.extensions import db
from directory.models import Practitioner

log = logging.getLogger(__name__)

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG"})
OUTPUT_SIZE = (800, 800)
# Limits read from the header, before any pixel is decoded, so that one upload stays near
# 100 MB at most (bench/photo_memory.py). A PNG, and a progressive JPEG (libjpeg keeps every
# DCT coefficient of the whole image), are held at full size: 12 megapixels, e.g. 4000×3000,
# is five times the 800 px output on each side. A baseline JPEG is decoded at 1/2 to 1/8
# scale (see _decode), so it may be a 50-megapixel camera original.
MAX_SIDE = 12000
MAX_FULL_PIXELS = 12_000_000
MAX_JPEG_PIXELS = 50_000_000
JPEG_QUALITY = 85
KEY_RE = re.compile(r"[0-9a-f]{32}")
CONTENT_TYPE = "image/jpeg"


class PhotoRejected(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def size_text(limit: int) -> str:
    mb = limit / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{limit // 1024} KB"


def read_upload(stream: BinaryIO, max_bytes: int) -> bytes:
    """The upload's bytes; reads at most one byte past the limit to know it was passed."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoRejected(f"The photo is larger than {size_text(max_bytes)}. "
                            "Choose a smaller file or reduce its size.")
    if not data:
        raise PhotoRejected("The file is empty. Choose a JPEG or PNG photo.")
    return data


def _too_many(width: int, height: int, limit: int) -> PhotoRejected:
    return PhotoRejected(f"The photo is {width}×{height} pixels, more than the {limit // 1_000_000} "
                         "megapixels we accept for it. A smaller copy (e.g. 2000 pixels wide) is plenty "
                         "for a profile photo.")


def _pixel_limit(image: Image.Image) -> int:
    if image.format == "JPEG" and not image.info.get("progressive"):
        return MAX_JPEG_PIXELS
    return MAX_FULL_PIXELS


def _decode(data: bytes) -> Image.Image:
    """The image, decoded only after its header passed the limits, and no larger than needed."""
    not_image = PhotoRejected("Upload a JPEG or PNG image. This file is not one.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise not_image
                width, height = probe.size
                if width > MAX_SIDE or height > MAX_SIDE:
                    raise PhotoRejected(f"The photo is {width}×{height} pixels; no side may be longer "
                                        f"than {MAX_SIDE} pixels.")
                if width * height > _pixel_limit(probe):
                    raise _too_many(width, height, _pixel_limit(probe))
                probe.verify()
            image = Image.open(BytesIO(data))
            if image.format == "JPEG":
                # libjpeg's DCT scaling: decodes straight to the smallest of 1/1, 1/2, 1/4 and
                # 1/8 scale that still covers the output size.
                image.draft("RGB", OUTPUT_SIZE)
            if image.width * image.height > MAX_FULL_PIXELS:  # e.g. a 12000×1000 strip
                raise _too_many(width, height, MAX_FULL_PIXELS)
            image.load()
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            # Pillow's own guard, raised by Image.open before the size is ours to read.
            raise PhotoRejected(f"The photo has too many pixels; we accept up to "
                                f"{MAX_FULL_PIXELS // 1_000_000} megapixels.") from None
        except UnidentifiedImageError:
            raise not_image from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise PhotoRejected("This image is damaged or incomplete. Save it again as JPEG or "
                                "PNG and upload it.") from None
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def reencode(data: bytes) -> bytes:
    """A JPEG of at most OUTPUT_SIZE, upright, in RGB, with no metadata."""
    image = _decode(data)
    try:
        alpha = _has_alpha(image)
        if image.mode != ("RGBA" if alpha else "RGB"):
            image = image.convert("RGBA" if alpha else "RGB")
        # Shrunk first, in place: every later step works on 800 px, not the full image.
        image.thumbnail(OUTPUT_SIZE, Image.Resampling.LANCZOS)
        image = ImageOps.exif_transpose(image)
        if alpha:
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        # A new image from the pixels alone: Pillow would otherwise carry some of the
        # original's metadata (a JPEG comment, for one) into the saved file.
        clean = Image.frombytes("RGB", image.size, image.tobytes())
        out = BytesIO()
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    except (OSError, ValueError) as exc:
        log.info("photo could not be re-encoded: %s", exc)
        raise PhotoRejected("This image could not be processed. Save it again as JPEG or "
                            "PNG and upload it.") from None
    return out.getvalue()


def photo_path(photo_dir: str | os.PathLike, key: str) -> Path | None:
    """The stored file for ``key``; None for anything that is not a key we made."""
    if not KEY_RE.fullmatch(key or ""):
        return None
    return Path(photo_dir) / f"{key}.jpg"


def _store(photo_dir: str | os.PathLike, jpeg: bytes) -> str:
    directory = Path(photo_dir)
    directory.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(16)
    # Written under a temporary name and renamed, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(jpeg)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, directory / f"{key}.jpg")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return key


def _remove(photo_dir: str | os.PathLike, key: str | None) -> None:
    path = photo_path(photo_dir, key or "")
    if path is None:
        return
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:  # a leftover file is harmless; the key no longer points at it
        log.warning("could not remove old photo %s: %s", path.name, exc)


def replace_photo(practitioner: Practitioner, stream: BinaryIO, *, photo_dir: str | os.PathLike,
                  max_bytes: int) -> str:
    """Check, re-encode and store an upload as the practitioner's photo; returns its key."""
    jpeg = reencode(read_upload(stream, max_bytes))
    key = _store(photo_dir, jpeg)
    old = practitioner.photo_key
    practitioner.photo_key = key
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _remove(photo_dir, key)
        raise
    if old and old != key:
        _remove(photo_dir, old)
    return key


def remove_photo(practitioner: Practitioner, *, photo_dir: str | os.PathLike) -> None:
    old = practitioner.photo_key
    if old is None:
        return
    practitioner.photo_key = None
    db.session.commit()
    _remove(photo_dir, old)
