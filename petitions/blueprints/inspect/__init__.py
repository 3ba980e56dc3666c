"""The provincial inspectorate's monitoring: target 4 figures, ranking, charts, overdue list."""
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("inspect", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Every monitoring page needs a signed-in officer (and then a role: see selection.monitoring_user)."""


from . import routes  # noqa: E402,F401
from . import duty  # noqa: E402,F401
from . import identity_log  # noqa: E402,F401
