from flask import Blueprint
from flask_login import login_required

bp = Blueprint("reception", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Every officer page needs a signed-in officer."""


from . import actions, notifications, routes, urgings  # noqa: E402,F401
from . import verification  # noqa: E402,F401
from . import documents  # noqa: E402,F401
