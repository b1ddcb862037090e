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


def technique_slug(value: str) -> str | None:
    """Map a slug or a label, in any case, to the technique slug; None if unknown."""
    needle = " ".join(value.strip().lower().replace("_", "-").split())
    for slug, label in TECHNIQUES.items():
        if needle in (slug, label.lower(), slug.replace("-", " ")):
            return slug
    return None


def language_name(value: str) -> str | None:
    needle = value.strip().lower()
    for name in LANGUAGES:
        if needle == name.lower():
            return name
    return None


def insurance_name(value: str) -> str | None:
    needle = " ".join(value.strip().lower().split())
    for name in INSURANCE:
        if needle == name.lower():
            return name
    return None


def therapy_slug(value: str) -> str | None:
    """Map a complementary therapy's slug or label, in any case, to its slug; None if unknown."""
    needle = " ".join(value.strip().lower().replace("_", "-").split())
    for slug, label in COMPLEMENTARY_THERAPIES.items():
        if needle in (slug, label.lower(), slug.replace("-", " ")):
            return slug
    return None
