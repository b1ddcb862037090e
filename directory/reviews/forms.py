"""Forms for writing, answering and reporting reviews."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length

from directory.models.review import TEXT_MAX
from directory.services.reviews.reviews import FLAG_REASON_MAX, REPLY_MAX
from directory.web import plain_text, strip

STARS = [SelectChoice(str(n), words) for n, words in
         [(5, "5 — excellent"), (4, "4 — good"), (3, "3 — fair"), (2, "2 — poor"), (1, "1 — very poor")]]


def _newlines(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _text(label: str, max_length: int, required: str | None = None) -> TextAreaField:
    validators = [DataRequired(required)] if required else []
    validators += [plain_text(multiline=True), Length(max=max_length, message=f"Use at most {max_length} characters.")]
    return TextAreaField(label, filters=[strip, _newlines], validators=validators,
                         render_kw={"rows": 4, "maxlength": max_length})


class ReviewForm(FlaskForm):
    rating = RadioField("Your rating", choices=STARS, validators=[DataRequired("Choose a rating from 1 to 5.")])
    text = _text("Your review (optional)", TEXT_MAX)
    show_name = BooleanField("Show my first name and initial (otherwise \"Verified patient\")", default=True)
    show_change = BooleanField("Show my measured change from my course", default=False)


class ReplyForm(FlaskForm):
    reply = _text("Your public reply", REPLY_MAX, "Write your reply.")


class FlagForm(FlaskForm):
    reason = _text("What is wrong with this review?", FLAG_REASON_MAX, "Say what is wrong.")
