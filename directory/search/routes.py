from flask import Blueprint

bp = Blueprint("search", __name__)


@bp.get("/")
def index():
    return "search"
