"""petitions: case management for citizens' complaints, denunciations and petitions."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import load_config
from .extensions import babel, csrf, db, login_manager, migrate

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
# a source checkout (make run, make test) keeps instance/ and migrations/ beside the package; an
# installed package (pip install .) carries its migrations inside (setup.py) and uses Flask's
# instance folder, <venv>/var/petitions-instance, unless PETITIONS_INSTANCE says where
SOURCE_TREE = (ROOT / "setup.cfg").is_file() and (ROOT / "migrations").is_dir()
MIGRATIONS = ROOT / "migrations" if SOURCE_TREE else PACKAGE / "migrations"


def create_app(config: dict | None = None) -> Flask:
    instance = os.environ.get("PETITIONS_INSTANCE") or (str(ROOT / "instance") if SOURCE_TREE else None)
    app = Flask(__name__, instance_path=instance, instance_relative_config=True)
    app.config.update(load_config(app.instance_path, config))
    from . import catalogues  # compiled catalogues; production refuses to start without Vietnamese
    catalogues.prepare(app)

    from . import dbliveness  # noqa: F401  (a pooled connection's socket polled at checkout)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page explains itself

    from . import models  # noqa: F401  (register every table)
    from .services import confidentiality  # noqa: F401  (the family rule, kept on every flush)
    from .services import pagecache, refdata  # noqa: F401  (their stamps move after every commit)

    @login_manager.user_loader
    def load_user(user_id: str):
        # "id:generation": a stale generation (signed out everywhere, password changed,
        # account disabled) or a disabled account loads nobody
        from .services.accounts import load_session_user
        return load_session_user(user_id)

    from .blueprints import register_blueprints
    register_blueprints(app)

    from .web import register_web
    register_web(app)
    from .a11y import register_a11y  # error summary, aria-invalid/-describedby, titles with state
    register_a11y(app)

    from .security import init_security  # rate limits, proof of a person, security headers
    init_security(app)

    from .cli import register_cli
    register_cli(app)

    from . import gcfreeze  # a long-lived worker's objects out of the collector's way
    gcfreeze.install(app)
    return app


def _select_locale() -> str:
    from flask import current_app, has_request_context
    langs = current_app.config["LANGUAGES"]
    if not has_request_context():  # jobs and commands: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(list(langs)) or current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in langs:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: WAL for concurrent readers, foreign keys on, and a stated durability level.

    ``synchronous=FULL`` by default: in WAL mode NORMAL does not sync on commit and a
    power cut can lose the last letters filed; FULL costs throughput (see PERFORMANCE.md)
    and is the right default for an embedded deployment. Set SQLITE_SYNCHRONOUS=NORMAL
    for demos and tests. Production runs on PostgreSQL.
    """
    import sqlite3
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    from flask import current_app, has_app_context
    sync = current_app.config.get("SQLITE_SYNCHRONOUS", "FULL") if has_app_context() else "FULL"
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA synchronous={sync if sync in ('FULL', 'NORMAL', 'EXTRA') else 'FULL'}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()
