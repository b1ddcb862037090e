"""Controlled vocabularies shared by profiles, search filters and the API."""
from __future__ import annotations

# slug -> label. Slugs are what the API and stored profiles use.
TECHNIQUES: dict[str, str] = {
    "electroacupuncture": "Electroacupuncture",
    "cupping": "Cupping",
    "moxibustion": "Moxibustion",
    "gua-sha": "Gua sha",
    "tui-na": "Tui na massage",
    "auricular": "Auricular (ear) acupuncture",
    "trigger-point": "Trigger-point needling",
    "scalp-acupuncture": "Scalp acupuncture",
    "japanese-style": "Japanese-style acupuncture",
    "herbal-medicine": "Chinese herbal medicine",
}

COMPLEMENTARY_THERAPIES: dict[str, str] = {
    "physical-therapy": "Physical therapy",
    "exercise": "Therapeutic exercise",
    "stress-management": "Stress management",
    "massage": "Massage",
    "nutrition": "Nutrition counselling",
    "mindfulness": "Mindfulness and breathing",
}

LANGUAGES: tuple[str, ...] = (
    "English", "Spanish", "Mandarin", "Cantonese", "Korean", "Vietnamese",
    "Japanese", "Tagalog", "Russian", "French", "Portuguese", "Hindi", "Farsi", "Arabic",
)

INSURANCE: tuple[str, ...] = (
    "Aetna", "Blue Cross Blue Shield", "Cigna", "Kaiser Permanente", "UnitedHealthcare",
    "Humana", "Medicare", "Workers' compensation", "Auto injury (PIP)", "HSA/FSA",
)


def _slug(value: str, vocabulary: dict[str, str]) -> str | None:
    """The slug of a slug or a label, in any case, with "_" or " " for "-"; None if unknown."""
    needle = " ".join(value.strip().lower().replace("_", "-").split())
    for slug, label in vocabulary.items():
        if needle in (slug, label.lower(), slug.replace("-", " ")):
            return slug
    return None


def technique_slug(value: str) -> str | None:
    return _slug(value, TECHNIQUES)


def _name(value: str, names: tuple[str, ...]) -> str | None:
    needle = " ".join(value.strip().lower().split())
    return next((name for name in names if needle == name.lower()), None)


def language_name(value: str) -> str | None:
    return _name(value, LANGUAGES)


def insurance_name(value: str) -> str | None:
    return _name(value, INSURANCE)


def therapy_slug(value: str) -> str | None:
    return _slug(value, COMPLEMENTARY_THERAPIES)
