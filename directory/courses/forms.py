"""Forms for courses. The rules live in directory.services.courses; these only collect answers.
Check-in and booking forms are built per course (one field per goal, one per session)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from directory.models import ReviewDecision
from directory.services.courses import outcomes, plans, review
from directory.web import plain_text, strip

PAIN_CHOICES = [SelectChoice(str(n), str(n)) for n in range(11)]


def _whole(label: str, low: int, high: int, default: int | None = None) -> IntegerField:
    return IntegerField(label, default=default, validators=[
        InputRequired(f"Enter a whole number from {low} to {high}."),
        NumberRange(low, high, f"Enter a whole number from {low} to {high}.")])


def _goal(n: int) -> StringField:
    message = f"Use at most {plans.MAX_GOAL_LENGTH} characters."
    return StringField(f"Activity {n}", filters=[strip], validators=[
        Optional(), plain_text(), Length(max=plans.MAX_GOAL_LENGTH, message=message)],
        render_kw={"maxlength": plans.MAX_GOAL_LENGTH})


class ProposeForm(FlaskForm):
    sessions = _whole("Number of sessions", plans.MIN_SESSIONS, plans.MAX_SESSIONS, plans.DEFAULT_SESSIONS)
    weeks = _whole("Over how many weeks", plans.MIN_WEEKS, plans.MAX_WEEKS, plans.default_weeks(10))
    review_after = _whole("Review progress at session", 1, plans.MAX_SESSIONS, plans.DEFAULT_REVIEW)
    clinic = SelectField("Clinic", coerce=int)
    goal_1 = _goal(1)
    goal_2 = _goal(2)
    goal_3 = _goal(3)
    advice = TextAreaField("Advice on complementary care", filters=[strip], validators=[
        Optional(), plain_text(multiline=True),
        Length(max=plans.MAX_ADVICE_LENGTH, message=f"Use at most {plans.MAX_ADVICE_LENGTH} characters.")],
        render_kw={"rows": 4, "maxlength": plans.MAX_ADVICE_LENGTH})

    def values(self) -> dict:
        return {"sessions": self.sessions.data, "weeks": self.weeks.data, "review_after": self.review_after.data,
                "goals": [g for g in (self.goal_1.data, self.goal_2.data, self.goal_3.data) if g],
                "advice": self.advice.data}


def check_in_form(goals: list[str], *, ask_change: bool) -> FlaskForm:
    class CheckInForm(FlaskForm):
        pain = RadioField("Your back pain on average over the past week, from 0 (no pain) to 10 (worst "
                          "pain imaginable)", choices=PAIN_CHOICES,
                          validators=[InputRequired("Choose a number from 0 to 10.")])
    for i, goal in enumerate(goals):
        setattr(CheckInForm, f"goal_{i}", RadioField(
            f"{goal}: 0 means unable to do it, 10 means as well as before the problem", choices=PAIN_CHOICES,
            validators=[InputRequired("Choose a number from 0 to 10.")]))
    if ask_change:
        labels = outcomes.global_change_labels()
        CheckInForm.global_change = RadioField(
            "Since the start of this course, how would you describe the change in your back pain?",
            choices=[SelectChoice(str(v), labels[v]) for v in sorted(labels, reverse=True)],
            validators=[InputRequired("Choose the answer closest to how you feel.")])
    return CheckInForm()


def check_in_values(form: FlaskForm, goals: list[str]) -> dict:
    return {"pain": form.pain.data,
            "function": [{"activity": g, "score": getattr(form, f"goal_{i}").data} for i, g in enumerate(goals)],
            "global_change": form.global_change.data if hasattr(form, "global_change") else None}


def book_form(proposal) -> FlaskForm:
    class BookForm(FlaskForm):
        pass
    for item in proposal:
        setattr(BookForm, f"session_{item.session}", RadioField(
            f"Session {item.session}", validators=[InputRequired("Choose a time for this session.")]))
    return BookForm()


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", choices=[SelectChoice(d.value, review.LABELS[d]) for d in ReviewDecision],
                          validators=[InputRequired("Choose a decision.")])
    reason = TextAreaField("Reason or change (the patient can read it)", filters=[strip], validators=[
        Optional(), plain_text(multiline=True),
        Length(max=review.MAX_REASON, message=f"Use at most {review.MAX_REASON} characters.")],
        render_kw={"rows": 3, "maxlength": review.MAX_REASON})
    added_sessions = IntegerField("Sessions to add (only when extending)", validators=[
        Optional(), NumberRange(1, plans.MAX_SESSIONS, f"Enter a number from 1 to {plans.MAX_SESSIONS}.")])
