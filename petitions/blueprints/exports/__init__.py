"""Exports of the target 4 report and of the cases behind its figures (signed-in only).
The URLs and their parameters are listed in :mod:`petitions.services.exports`."""
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("exports", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Every export needs a signed-in officer."""


from . import routes  # noqa: E402,F401
