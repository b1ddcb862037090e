"""Whether two spellings of a name are one person's: rosters write "SMITH, JANE A", profiles
"Dr. Jane A. Smith, L.Ac."."""
from __future__ import annotations

import re
import unicodedata

_HONORIFICS = {"dr", "doctor", "mr", "mrs", "ms", "mx", "miss", "prof"}
# Stripped from the end of a name: none of these is also a common surname (unlike Do, Ma, Om).
_GENERATIONS = {"jr", "sr", "ii", "iii", "iv"}
_SUFFIXES = _GENERATIONS | {"phd", "md", "lac", "dac", "eamp", "dom", "omd", "daom", "dacm", "msom", "mstom",
                            "rac", "rtcmp", "rtcm", "rtcmh", "drtcm", "nccaom", "mbacc", "cmr", "dipl"}
# A whole comma-separated part made only of these is credentials ("..., Dipl. O.M.").
_CREDENTIAL_PART = _SUFFIXES | {"ac", "om", "ch", "abt", "ap", "ms", "ma", "msc", "bsc", "rn", "pt", "dpt",
                                "do", "dc", "nd"}


def _name_tokens(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().replace("-", " ")
    parts = []
    for index, part in enumerate(text.split(",")):
        tokens = [t for t in (re.sub(r"\W", "", t) for t in part.split()) if t]
        if index and all(t in _CREDENTIAL_PART for t in tokens):
            continue
        while len(tokens) > 1 and tokens[-1] in _GENERATIONS or len(tokens) > 2 and tokens[-1] in _SUFFIXES:
            tokens.pop()
        if tokens:
            parts.append(tokens)
    # "Surname, Given Middle" → given names first.
    ordered = parts[1] + parts[0] + [t for p in parts[2:] for t in p] if len(parts) > 1 else sum(parts, [])
    while len(ordered) > 1 and ordered[0] in _HONORIFICS:
        ordered.pop(0)
    return ordered


def names_match(a: str, b: str) -> bool:
    """Same person's name, allowing case, accents, punctuation, titles and credentials, middle
    names or initials, an initial for the given name, and family-name-first order."""
    left, right = _name_tokens(a), _name_tokens(b)
    if not left or not right:
        return False
    if left == right or (len(left) > 1 and sorted(left) == sorted(right)):
        return True
    given_a, given_b = left[0], right[0]
    given = given_a == given_b or (min(len(given_a), len(given_b)) == 1 and given_a[0] == given_b[0])
    return len(left) > 1 and len(right) > 1 and given and left[-1] == right[-1]
