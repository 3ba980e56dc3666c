"""The administrators' pages: the working-day calendar, the deadline settings, the audit log."""
from flask import Blueprint, abort
from flask_login import current_user, login_required

from ...workflow.states import Role

bp = Blueprint("admin", __name__)


@bp.before_request
@login_required
def _administrators_only():
    """Every page needs a signed-in administrator; other officers get 403."""
    if not current_user.has_role(Role.ADMIN):
        abort(403)


from . import routes  # noqa: E402,F401
from . import privacy  # noqa: E402,F401  (personal data: retention, a filer's data)
from . import users  # noqa: E402,F401  (accounts: list, disable, reset password or 2FA)
from . import documents  # noqa: E402,F401  (official document templates)
