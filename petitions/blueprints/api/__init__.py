from flask import Blueprint

from ...extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # JSON clients send no form; the public API holds no session either

from . import officer, routes, stats  # noqa: E402,F401
