"""Citizen reception sessions, the reception duty calendar and dialogues of the heads of agencies."""
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("engage", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Every page needs a signed-in officer (and then access to the agency: see routes.agency_or_abort)."""


from . import dialogues, routes, sessions  # noqa: E402,F401
