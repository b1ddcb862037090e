from flask import Blueprint

bp = Blueprint("practitioners", __name__, url_prefix="/practitioners")


@bp.get("/<int:practitioner_id>")
def profile(practitioner_id: int):
    return "profile"
