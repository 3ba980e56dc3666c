"""Citizens signed in with VNeID: their letters, their notices (issue 19)."""
from flask import Blueprint

bp = Blueprint("citizen", __name__)

from . import routes  # noqa: E402,F401
