"""The blueprints: thin views over the services."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from ..permissions import register_route_guard
    register_route_guard(app)  # every endpoint's rule (permissions.ROUTES), enforced in one place
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .citizen import bp as citizen_bp
    from .engage import bp as engage_bp
    from .exports import bp as exports_bp
    from .inspect import bp as inspect_bp
    from .ops import bp as ops_bp
    from .public import bp as public_bp
    from .reception import bp as reception_bp
    from .voters import bp as voters_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(reception_bp, url_prefix="/officer")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(inspect_bp, url_prefix="/inspect")
    app.register_blueprint(exports_bp, url_prefix="/exports")
    app.register_blueprint(engage_bp, url_prefix="/engage")
    app.register_blueprint(voters_bp, url_prefix="/voters")
    app.register_blueprint(citizen_bp, url_prefix="/citizen")  # citizens signed in with VNeID
    app.register_blueprint(ops_bp)  # /healthz, /metrics
