"""Profile photos: upload checks by content, re-encoding, storage and serving."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from directory.extensions import db
from directory.models import ListingState
from tests.factories import create_practitioner
from tests.helpers_auth import login_as, logout
from tests.test_pages import Page, assert_accessible_layout

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def image_bytes(fmt: str, size=(1200, 600), mode="RGB", **save) -> bytes:
    image = Image.new(mode, size, "red" if mode != "RGBA" else (255, 0, 0, 128))
    # Left half blue: lets a test see which way the picture ended up.
    image.paste((0, 0, 255) if mode != "RGBA" else (0, 0, 255, 255), (0, 0, size[0] // 2, size[1]))
    out = BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_exif(size=(1200, 600), orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (37.0, 45.0, 3.0), 3: "W", 4: (122.0, 24.0, 55.0)})
    if orientation:
        exif[ORIENTATION] = orientation
    return image_bytes("JPEG", size, exif=exif.tobytes(), comment=b"taken at home")


def upload(client, data: bytes, filename: str = "photo.png"):
    return client.post("/practice/photo", data={"photo": (BytesIO(data), filename)},
                       content_type="multipart/form-data")


@pytest.fixture
def photo_dir(app) -> Path:
    return Path(app.config["PHOTO_DIR"])


@pytest.fixture
def me(app, client):
    practitioner = create_practitioner(display_name="Mei Chen")
    login_as(client, practitioner.user)
    return practitioner


def stored(photo_dir: Path, practitioner) -> Image.Image:
    db.session.refresh(practitioner)
    assert practitioner.photo_key
    path = photo_dir / f"{practitioner.photo_key}.jpg"
    assert path.is_file()
    return Image.open(path)


def error_text(response) -> str:
    page = Page(response.get_data(as_text=True))
    assert page.by_id("photo-error")
    assert page.by_id("photo")["aria-describedby"].endswith("photo-error")
    return page.text


def test_photo_page(client, me):
    page = Page(client.get("/practice/photo").get_data(as_text=True))
    assert_accessible_layout(page)
    form = page.find("form", enctype="multipart/form-data")
    assert form and form[0]["action"] == "/practice/photo"
    assert page.by_id("photo")["type"] == "file"
    assert "at most 5 MB" in page.text


def test_png_is_reencoded_as_a_small_jpeg(client, me, photo_dir):
    response = upload(client, image_bytes("PNG", (1200, 600), mode="RGBA"))
    assert response.status_code == 302
    image = stored(photo_dir, me)
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.size == (800, 400)
    assert image.getpixel((600, 200))[0] > 200  # transparency flattened, colour kept
    assert "Your photo has been saved." in client.get("/practice/photo").get_data(as_text=True)
    assert list(photo_dir.glob(".upload-*")) == []  # no temporary file left behind


def test_jpeg_loses_its_exif_and_comment_and_is_turned_upright(client, me, photo_dir):
    original = jpeg_with_exif((1000, 400), orientation=6)  # "rotate 90° clockwise to view"
    assert Image.open(BytesIO(original)).getexif().get_ifd(GPS_IFD)
    assert upload(client, original, "holiday.jpg").status_code == 302
    image = stored(photo_dir, me)
    assert image.size == (320, 800)  # turned upright, then fitted into 800×800
    assert len(image.getexif()) == 0
    assert "exif" not in image.info and "comment" not in image.info
    raw = (photo_dir / f"{me.photo_key}.jpg").read_bytes()
    assert b"PhoneMaker" not in raw and b"taken at home" not in raw and b"Exif" not in raw


def test_small_image_is_not_enlarged(client, me, photo_dir):
    assert upload(client, image_bytes("PNG", (300, 200))).status_code == 302
    assert stored(photo_dir, me).size == (300, 200)


@pytest.mark.parametrize("data, filename, message", [
    (b"just some text, not a picture\n" * 10, "photo.jpg", "Upload a JPEG or PNG image."),
    (image_bytes("GIF", (50, 50)), "photo.jpg", "Upload a JPEG or PNG image."),
    (image_bytes("BMP", (50, 50)), "photo.png", "Upload a JPEG or PNG image."),
    (image_bytes("PNG", (400, 400))[:200], "photo.png", "damaged or incomplete"),
    (image_bytes("PNG", (13000, 10)), "wide.png", "no side may be longer than 12000 pixels"),
    (b"", "empty.jpg", "The file is empty."),
])
def test_files_that_are_not_a_usable_jpeg_or_png_are_refused(client, me, photo_dir, data, filename, message):
    response = upload(client, data, filename)
    assert response.status_code == 400
    assert message in error_text(response)
    db.session.refresh(me)
    assert me.photo_key is None
    assert not photo_dir.exists() or list(photo_dir.iterdir()) == []


def test_photo_larger_than_the_limit_is_refused(client, me, app, photo_dir):
    limit = app.config["PHOTO_MAX_BYTES"]
    assert limit == 5 * 1024 * 1024
    data = image_bytes("PNG", (100, 100)) + b"\0" * (limit + 1)
    response = upload(client, data)
    assert response.status_code == 400
    assert "The photo is larger than 5 MB." in error_text(response)
    db.session.refresh(me)
    assert me.photo_key is None


def test_request_over_the_upload_limit_gets_a_friendly_page(client, me, app):
    data = b"\0" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    response = upload(client, data)
    assert response.status_code == 413
    assert "The photo is larger than 5 MB" in error_text(response)


def test_replacing_a_photo_removes_the_old_file(client, me, photo_dir):
    upload(client, image_bytes("PNG"))
    first = stored(photo_dir, me)
    first_key = me.photo_key
    upload(client, jpeg_with_exif())
    stored(photo_dir, me)
    assert me.photo_key != first_key
    assert not (photo_dir / f"{first_key}.jpg").exists()
    assert [p.name for p in photo_dir.iterdir()] == [f"{me.photo_key}.jpg"]
    first.close()


def test_a_rejected_replacement_keeps_the_current_photo(client, me, photo_dir):
    upload(client, image_bytes("PNG"))
    stored(photo_dir, me)
    key = me.photo_key
    assert upload(client, b"GIF89a not really", "x.png").status_code == 400
    db.session.refresh(me)
    assert me.photo_key == key and (photo_dir / f"{key}.jpg").is_file()


def test_removing_the_photo(client, me, photo_dir):
    upload(client, image_bytes("PNG"))
    stored(photo_dir, me)
    key = me.photo_key
    assert client.post("/practice/photo/delete").status_code == 302
    db.session.refresh(me)
    assert me.photo_key is None
    assert not (photo_dir / f"{key}.jpg").exists()


def test_listed_photo_is_public_and_cached_for_long(client, me, photo_dir):
    upload(client, image_bytes("PNG"))
    stored(photo_dir, me)
    url = f"/practitioners/{me.id}/photo/{me.photo_key}"
    profile = Page(client.get(f"/practitioners/{me.id}").get_data(as_text=True))
    assert profile.find("img", src=url, alt="Mei Chen")
    logout(client)
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(BytesIO(response.data)).format == "JPEG"
    # Only the current key names the photo.
    assert client.get(f"/practitioners/{me.id}/photo/{'0' * 32}").status_code == 404
    assert client.get(f"/practitioners/{me.id}/photo/..%2F..%2Fsecret").status_code == 404
    assert client.get(f"/practitioners/{me.id + 1}/photo/{me.photo_key}").status_code == 404


def test_unlisted_photo_is_for_its_owner_only(client, app, photo_dir):
    draft = create_practitioner(display_name="Draft Person", listing_state=ListingState.DRAFT)
    login_as(client, draft.user)
    upload(client, image_bytes("PNG"))
    stored(photo_dir, draft)
    url = f"/practitioners/{draft.id}/photo/{draft.photo_key}"

    own = client.get(url)
    assert own.status_code == 200 and own.mimetype == "image/jpeg"
    assert "public" not in own.headers["Cache-Control"]  # never in a shared cache
    preview = Page(client.get("/practice/preview").get_data(as_text=True))
    assert preview.find("img", src=url, alt="Draft Person")

    other = create_practitioner(display_name="Someone Else")
    login_as(client, other.user)
    assert client.get(url).status_code == 404
    logout(client)
    assert client.get(url).status_code == 404
