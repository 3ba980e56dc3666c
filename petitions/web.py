"""What every page shares: date formats, labels, error pages, the language switch."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError

from . import labels
from .services.codes import format_code, format_key


def local_now(app_tz: str = "Asia/Ho_Chi_Minh") -> datetime:
    return datetime.now(ZoneInfo(app_tz))


def local_today() -> date:
    """Today in Vietnam. ``TODAY`` in the config freezes the clock (tests, training)."""
    from flask import current_app, has_app_context
    if has_app_context() and current_app.config.get("TODAY"):
        frozen = current_app.config["TODAY"]
        return frozen if isinstance(frozen, date) else date.fromisoformat(frozen)
    return local_now().date()


def register_web(app: Flask) -> None:
    tz = ZoneInfo(app.config["TIMEZONE"])

    @app.template_filter("vn_date")
    def vn_date(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(tz).date()
        return value.strftime("%d/%m/%Y")

    @app.template_filter("vn_datetime")
    def vn_datetime(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%d/%m/%Y %H:%M") if value else ""

    app.jinja_env.filters["code"] = format_code
    app.jinja_env.filters["key"] = format_key

    @app.context_processor
    def _globals():
        return {
            "labels": labels,
            "label": labels.label,
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            "today": local_today(),
        }

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    def error(status: int, message: str):
        if wants_json():
            return jsonify({"errors": {"_": [message]}}), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(413)
    def too_large(e):
        mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return error(413, _("What you sent is larger than %(mb)s MB in all. Nothing was saved: "
                            "go back, attach smaller or fewer files and send again.", mb=mb))

    @app.errorhandler(CSRFError)
    def csrf_failed(e):
        return error(400, _("The form had expired or did not come from this site. Nothing was saved: "
                            "go back, reload the page and send it again."))

    @app.errorhandler(400)
    def bad_request(e):  # Werkzeug's own page is in English
        return error(400, _("The page could not read what was sent. Nothing was saved: "
                            "go back, reload the page and send it again."))

    @app.errorhandler(405)
    def method_not_allowed(e):
        from flask import make_response
        response = make_response(error(405, _("This address cannot be used this way. Go back and use the "
                                              "page's links and buttons.")))
        if getattr(e, "valid_methods", None):  # RFC 9110: a 405 lists the methods the address takes
            response.headers["Allow"] = ", ".join(e.valid_methods)
        return response

    @app.errorhandler(404)
    def not_found(e):
        return error(404, _("This page does not exist."))

    @app.errorhandler(403)
    def forbidden(e):
        return error(403, _("You do not have access to this page."))

    from sqlalchemy.exc import OperationalError

    @app.errorhandler(OperationalError)
    def database_unavailable(e):
        """The database went away (restart, failover, network): say "try again", never a 500.
        The transaction was not committed, so nothing was half-saved; the pool's pre-ping
        replaces the dead connections on the next request."""
        from .extensions import db
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone; the session is removed at teardown
            pass
        app.logger.warning("database unavailable: %s", str(e).splitlines()[0] if str(e) else type(e).__name__)
        message = _("The service is briefly unavailable. Please try again in a minute.")
        if wants_json():
            response = jsonify({"errors": {"_": [message]}})
        else:  # rendered without the layout: the layout asks the database (the signed-in officer)
            page = app.jinja_env.get_template("ops/unavailable.html").render(
                lang=str(get_locale()), title=_("Please try again"), message=message, again=_("Try again"))
            response = app.make_response(page)
        response.status_code = 503
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(OSError)
    def storage_full(e):
        """The attachment disk is full (or read-only): nothing was saved (the files written
        are removed with the rollback, see services/uploads.store); say so plainly."""
        import errno
        if e.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            raise e
        from .extensions import db
        db.session.rollback()
        app.logger.error("attachment storage unavailable: %s", e)
        response, status = error(503, _("The attached files could not be stored: the server's storage is full. "
                                         "Nothing was saved. Please try again later, or send your letter "
                                         "without attachments."))
        response = app.make_response((response, status))
        response.headers["Retry-After"] = "300"
        return response

    @app.errorhandler(500)
    def server_error(e):
        return error(500, _("Something went wrong on our side. Please try again in a moment."))
