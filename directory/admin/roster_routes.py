"""Board roster imports and the expiry list."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from directory.admin import bp, queries
from directory.admin.forms import RosterForm
from directory.models import Role
from directory.search.routes import page_window
from directory.services.licensing import jurisdictions
from directory.services.licensing import expiry as licence_expiry
from directory.services.licensing import roster_csv, rosters
from directory.services.licensing.expiry import FIRST_REMINDER_DAYS, LAST_REMINDER_DAYS
from directory.web import form_errors


def _size_text(limit: int) -> str:
    return f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def _rosters_page(form: RosterForm, errors: dict[str, str], report: rosters.RosterReport | None = None,
                  code: int = 200):
    return render_template("admin/rosters.html", form=form, errors=errors, report=report,
                           imports=rosters.recent_imports(limit=20),
                           max_size=_size_text(current_app.config["MAX_CONTENT_LENGTH"])), code


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    # The body was not read. This can happen before the role check (CSRF reads the form
    # first), so only an admin gets the roster page back.
    if (request.endpoint == "admin.rosters" and current_user.is_authenticated
            and current_user.role is Role.ADMIN):
        form = RosterForm(formdata=None, grouped_choices=jurisdictions.choices())
        limit = _size_text(current_app.config["MAX_CONTENT_LENGTH"])
        return _rosters_page(form, {"roster": f"The file is larger than {limit}. Split it or remove "
                                              "columns we do not need."}, code=413)
    return render_template("errors/error.html", status=413, title="Too much data",
                           message="The form sent more data than we accept. Go back and try again "
                                   "with less."), 413


# Named "rosters" as an endpoint; the function is not, so it does not hide the service module.
@bp.route("/rosters", methods=["GET", "POST"], endpoint="rosters")
def rosters_page():
    form = RosterForm(grouped_choices=jurisdictions.choices())
    errors: dict[str, str] = {}
    report = None
    if form.validate_on_submit():
        upload = form.roster.data
        try:
            report = rosters.import_roster(
                upload.read(), jurisdiction=form.jurisdiction.data, source=form.source.data,
                filename=(secure_filename(upload.filename or "") or "roster.csv")[:255], actor=current_user)
        except roster_csv.RosterFormatError as exc:
            errors["roster"] = str(exc)
    errors = {**form_errors(form), **errors}
    return _rosters_page(form, errors, report, 400 if errors else 200)


@bp.get("/expiring")
def expiring():
    today = date.today()
    return render_template("admin/expiring.html", soon=licence_expiry.expiring(today=today, days=FIRST_REMINDER_DAYS),
                           lapsed=licence_expiry.lapsed(), today=today, window=FIRST_REMINDER_DAYS,
                           last_reminder=LAST_REMINDER_DAYS)


@bp.get("/rosters/<int:import_id>")
def roster_import(import_id: int):
    """An import's report; ?list= opens the list behind one of its counts."""
    record = queries.find_import(import_id)
    if record is None:
        abort(404)
    shown = request.args.get("list") or None
    if shown is not None and shown not in queries.ROSTER_LISTS:
        abort(404)
    kept = bool((record.report or {}).get("lists"))
    rows, pages = (queries.import_list(record, shown, queries.page_number(request.args.get("page")))
                   if shown and kept else ([], None))

    def page_url(n: int) -> str:
        return url_for(".roster_import", import_id=record.id, list=shown, page=n if n > 1 else None) + "#list-title"

    return render_template("admin/roster_import.html", record=record, shown=shown, kept=kept, rows=rows,
                           results=pages, page_url=page_url, page_window=page_window,
                           titles=queries.ROSTER_LISTS)
