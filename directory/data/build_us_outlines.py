"""Regenerate ``us_outlines.json.gz``, the state and county lines the results map draws,
from the ``us-atlas`` npm package (version 3):

    npm pack us-atlas@3 && tar xzf us-atlas-3.*.tgz   # unpacks into ./package
    python -m directory.data.build_us_outlines package

and commit the file it writes (not the package). Source: us-atlas by Mike Bostock (ISC
licence), a TopoJSON redistribution of the US Census Bureau's 2017 cartographic boundary
files (1:10,000,000), which are public domain. Its ``counties-10m.json`` holds counties and
the states merged from them in one topology, in longitude/latitude, so every boundary is one
arc: an arc some state uses is a state line (coasts included), any other a county line.

The file is gzipped JSON: ``{"source": ..., "state": [piece, ...], "county": [piece, ...]}``.
A piece is a run of at most ``PIECE_POINTS`` points of one arc, flattened as
``[west, south, east, north, lon, lat, lon, lat, ...]``: its bounding box, then the points,
rounded to 4 decimals (about 10 m; the source is quantized to about 100 m). Long arcs are cut
into pieces (sharing their end points) so that each box is small and the map reads only the
pieces near the view (``services/search/results_map``).
"""
from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

OUTLINES = Path(__file__).resolve().parent / "us_outlines.json.gz"
SOURCE = ("us-atlas 3 counties-10m.json (ISC licence, Mike Bostock): US Census Bureau cartographic "
          "boundary files 2017, 1:10,000,000, public domain")
PIECE_POINTS = 32
DECIMALS = 4


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Every arc as (lon, lat) points: quantized positions are delta-encoded from the first."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((round(x * sx + tx, DECIMALS), round(y * sy + ty, DECIMALS)))
        arcs.append(points)
    return arcs


def used_arcs(collection: dict) -> set[int]:
    """Indexes of the arcs a GeometryCollection's polygons use (~i means arc i reversed)."""
    used: set[int] = set()

    def walk(value) -> None:
        if isinstance(value, int):
            used.add(value if value >= 0 else ~value)
        else:
            for item in value:
                walk(item)

    for geometry in collection["geometries"]:
        walk(geometry.get("arcs", []))
    return used


def pieces(points: list[tuple[float, float]]) -> list[list[float]]:
    found = []
    for start in range(0, max(1, len(points) - 1), PIECE_POINTS - 1):
        run = points[start:start + PIECE_POINTS]
        if len(run) < 2:
            continue
        lons, lats = [p[0] for p in run], [p[1] for p in run]
        found.append([min(lons), min(lats), max(lons), max(lats), *(v for p in run for v in p)])
    return found


def outlines(topology: dict) -> dict:
    arcs = decode_arcs(topology)
    state_arcs = used_arcs(topology["objects"]["states"])
    county_arcs = used_arcs(topology["objects"]["counties"]) - state_arcs
    return {
        "source": SOURCE,
        "state": [piece for i in sorted(state_arcs) for piece in pieces(arcs[i])],
        "county": [piece for i in sorted(county_arcs) for piece in pieces(arcs[i])],
    }


def encode(data: dict) -> bytes:
    text = json.dumps(data, separators=(",", ":"))
    # mtime=0: the same data always gives the same bytes, so a regeneration shows no diff.
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m directory.data.build_us_outlines PATH_TO_UNPACKED_us-atlas", file=sys.stderr)
        return 2
    topology = json.loads((Path(argv[0]) / "counties-10m.json").read_text(encoding="utf-8"))
    data = outlines(topology)
    OUTLINES.write_bytes(encode(data))
    print(f"wrote {OUTLINES} ({len(data['state'])} state and {len(data['county'])} county pieces, "
          f"{OUTLINES.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
