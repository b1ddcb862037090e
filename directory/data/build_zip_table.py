"""Regenerate ``zipcodes.tsv.gz`` from the pinned ``zipcodes`` package:

    python -m directory.data.build_zip_table

Run it after changing the ``zipcodes`` pin in requirements.txt and commit the file it
writes. The app reads the table (``services/geocoding/zip_index``) instead of the package, because
the package parses its whole data set on every first use (about 0.6 s per process),
where the table loads in a fraction of that. ``tests/test_zip_table.py`` fails while the
committed table and the installed package disagree.
"""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "zipcodes.tsv.gz"
COLUMNS = ("zip_code", "zip_code_type", "active", "city", "state", "lat", "long", "timezone",
           "acceptable_cities")
ALIAS_SEPARATOR = "|"


def rows() -> list[tuple[str, ...]]:
    """The package's records as the table's rows, in the package's order."""
    import zipcodes  # only here: the app itself never imports the package

    table = []
    for r in zipcodes.list_all():
        values = (r["zip_code"], r["zip_code_type"], "1" if r["active"] else "0", r["city"], r["state"],
                  r["lat"], r["long"], r["timezone"] or "", ALIAS_SEPARATOR.join(r["acceptable_cities"]))
        if any("\t" in v or "\n" in v for v in values) or any(ALIAS_SEPARATOR in a for a in r["acceptable_cities"]):
            raise ValueError(f"ZIP {r['zip_code']}: a value holds a separator")
        table.append(values)
    return table


def encode(table: list[tuple[str, ...]]) -> bytes:
    text = "\t".join(COLUMNS) + "\n" + "".join("\t".join(row) + "\n" for row in table)
    # mtime=0: the same data always gives the same bytes, so a regeneration shows no diff.
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main() -> int:
    TABLE.write_bytes(encode(rows()))
    print(f"wrote {TABLE} ({TABLE.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
