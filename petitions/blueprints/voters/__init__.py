"""Voter petitions (kiến nghị cử tri): voter meetings, their petitions entered in bulk or
imported, the bulk workflow actions, the report back to voters and the report per
People's Council session. Who may do what: see :mod:`petitions.services.voters`."""
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("voters", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Every voter-petition page needs a signed-in officer."""


from . import routes  # noqa: E402,F401
