"""Peak memory of re-encoding one uploaded photo, before and after issue 12's bounds.

    .venv/bin/python bench/photo_memory.py

Each (case, implementation) runs in a fresh Python process that imports Pillow and the
app's photo module, reads the upload into memory, notes its peak resident set size
(ru_maxrss), re-encodes the photo once, and reports how far the peak rose. ru_maxrss
counts what libjpeg, zlib and Pillow allocate in C, which tracemalloc would not see.

- ``before``: the code of directory/services/photos.py before issue 12, copied below as
  ``legacy_reencode``: any image up to 8000×8000 decoded at full size, then converted, then
  shrunk.
- ``after``: directory.services.photos.reencode as it is now.

Cases: the reported decompression bomb (a blank 8000×8000 PNG, 248 KB) and the largest
uploads each format may still send.
"""
from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
import warnings
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageOps  # noqa: E402


def _lines(image: Image.Image) -> Image.Image:
    # Diagonal lines: real content for the encoders, still small enough to fit in 5 MB.
    draw = ImageDraw.Draw(image)
    w, h = image.size
    for x in range(0, w, 97):
        draw.line([(x, 0), (w - x, h)], fill=(x % 255, 80, 160), width=3)
    return image


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    out = BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


CASES = {
    "bomb: blank 8000×8000 PNG": lambda: _save(Image.new("RGB", (8000, 8000), "white"), "PNG"),
    "4000×3000 RGBA PNG": lambda: _save(_lines(Image.new("RGBA", (4000, 3000), (255, 255, 255, 200))), "PNG"),
    "4000×3000 PNG, palette + transparency": lambda: _save(
        _lines(Image.new("RGB", (4000, 3000), "white")).convert("P"), "PNG", transparency=0),
    "8000×6000 baseline JPEG": lambda: _save(_lines(Image.new("RGB", (8000, 6000), "white")), "JPEG", quality=80),
    "4000×3000 progressive JPEG, 4:4:4": lambda: _save(
        _lines(Image.new("RGB", (4000, 3000), "white")), "JPEG", quality=90, progressive=True, subsampling=0),
    "8000×6000 progressive JPEG": lambda: _save(
        _lines(Image.new("RGB", (8000, 6000), "white")), "JPEG", quality=80, progressive=True),
}


def legacy_reencode(data: bytes) -> bytes:
    """directory/services/photos.py's reencode before issue 12 (its checks, then the full decode)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(BytesIO(data)) as probe:
            width, height = probe.size
            if width > 8000 or height > 8000:
                raise ValueError("refused: larger than 8000×8000")
            probe.verify()
        image = Image.open(BytesIO(data))
        image.load()
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    image.thumbnail((800, 800), Image.Resampling.LANCZOS)
    clean = Image.frombytes("RGB", image.size, image.tobytes())
    out = BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def child(implementation: str, path: str) -> None:
    from directory.services import photos

    reencode = legacy_reencode if implementation == "before" else photos.reencode
    data = Path(path).read_bytes()
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        result = f"{len(reencode(data)) // 1024} KB JPEG"
    except (photos.PhotoRejected, ValueError) as refused:
        result = "refused: " + getattr(refused, "message", str(refused))[:60]
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{(peak - floor) / 1024:.0f}\t{elapsed * 1000:.0f}\t{result}")


def make(folder: str) -> None:
    for n, build in enumerate(CASES.values()):
        (Path(folder) / f"case{n}").write_bytes(build())


def main() -> None:
    print(f"{'case':<40}{'upload':>8}  {'impl':<7}{'peak +MB':>9}{'ms':>7}  result")
    with tempfile.TemporaryDirectory() as tmp:
        # Made in a process of their own: Linux carries a parent's peak RSS into the
        # ru_maxrss of a child it forks, so this process must stay small.
        subprocess.run([sys.executable, __file__, "--make", tmp], check=True)
        for n, name in enumerate(CASES):
            path = Path(tmp) / f"case{n}"
            for implementation in ("before", "after"):
                out = subprocess.run([sys.executable, __file__, "--child", implementation, str(path)],
                                     capture_output=True, text=True, check=True).stdout.strip()
                peak, ms, result = out.split("\t")
                size = path.stat().st_size // 1024
                print(f"{name:<40}{size:>6}KB  {implementation:<7}{peak:>9}{ms:>7}  {result}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["--make"]:
        make(sys.argv[2])
    else:
        main()
