from flask import Blueprint

bp = Blueprint("api", __name__)


@bp.get("/openapi.json")
def openapi():
    return {}
