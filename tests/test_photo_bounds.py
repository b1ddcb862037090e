"""Photo uploads cannot exhaust a worker: pixel limits read from the header before anything
is decoded, JPEGs decoded at reduced scale, and a rate limit on uploads."""
from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image, ImageDraw

from directory.extensions import db
from directory.services import photos
from tests.factories import create_practitioner
from tests.helpers_auth import login_as


def encoded(size, fmt="PNG", mode="RGB", **options) -> bytes:
    image = Image.new(mode, size, "white")
    ImageDraw.Draw(image).line([(0, 0), size], fill="black", width=5)
    out = BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def upload(client, data: bytes):
    return client.post("/practice/photo", data={"photo": (BytesIO(data), "photo.png")},
                       content_type="multipart/form-data")


@pytest.fixture
def no_decoding(monkeypatch):
    """Any attempt to decode pixel data fails the test."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("pixels were decoded")
    monkeypatch.setattr(Image, "_getdecoder", refuse)


def test_a_blank_8000_by_8000_png_is_refused_from_its_header(app, client, no_decoding):
    bomb = BytesIO()
    Image.new("RGB", (8000, 8000), "white").save(bomb, "PNG")
    assert len(bomb.getvalue()) < 300 * 1024  # inside the 5 MB upload limit
    practitioner = create_practitioner()
    login_as(client, practitioner.user)
    response = upload(client, bomb.getvalue())
    assert response.status_code == 400
    assert "The photo is 8000×8000 pixels, more than the 12 megapixels we accept" in response.get_data(as_text=True)
    db.session.refresh(practitioner)
    assert practitioner.photo_key is None


def test_a_progressive_jpeg_over_the_limit_is_refused_before_decoding(no_decoding):
    data = encoded((5000, 4000), "JPEG", progressive=True)
    with pytest.raises(photos.PhotoRejected, match="5000×4000 pixels, more than the 12 megapixels"):
        photos.reencode(data)


def test_a_large_baseline_jpeg_is_decoded_at_reduced_scale():
    image = photos._decode(encoded((8000, 6000), "JPEG"))
    assert image.size == (2000, 1500)  # libjpeg's 1/4 scale: still covers 800 px
    assert len(photos.reencode(encoded((8000, 6000), "JPEG"))) > 0


def test_a_12_megapixel_png_is_still_accepted():
    out = Image.open(BytesIO(photos.reencode(encoded((4000, 3000), "PNG", mode="RGBA"))))
    assert out.size == (800, 600) and out.mode == "RGB"


def test_a_long_strip_jpeg_that_cannot_be_reduced_is_refused(no_decoding):
    # 12000×1100 cannot shrink (its short side is near 800), so it decodes whole: 13 megapixels.
    with pytest.raises(photos.PhotoRejected, match="more than the 12 megapixels"):
        photos.reencode(encoded((12000, 1100), "JPEG"))


def test_uploads_are_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", PHOTO_RATE_LIMIT="2 per minute")
    client = app.test_client()
    login_as(client, create_practitioner().user)
    small = encoded((200, 200))
    assert [upload(client, small).status_code for _ in range(3)] == [302, 302, 429]
    assert client.get("/practice/photo").status_code == 200
