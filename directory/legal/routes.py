"""The privacy policy and the terms of use: plain pages anyone can read."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("legal", __name__)


@bp.get("/privacy")
def privacy():
    config = current_app.config
    return render_template("legal/privacy.html", support_email=config["SUPPORT_EMAIL"],
                           network_geocoder=config["GEOCODER"] != "offline")


@bp.get("/terms")
def terms():
    return render_template("legal/terms.html", support_email=current_app.config["SUPPORT_EMAIL"])
