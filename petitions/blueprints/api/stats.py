"""The target 4 figures as JSON, for the officer's token: the same report, parameters and
scope rules as the exports (see services/exports.py)."""
from __future__ import annotations

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

from ...extensions import db
from ...models import Agency
from ...services.exports import RATES, TARGETS, ReportArgsError, parse_report_args
from ...services.reports import FIGURES, target4
from ...web import local_today
from . import bp
from .officer import token_required
from ...security import strict_int


@bp.get("/stats/target4")
@token_required
def target4_stats():
    # a parameter sent empty is a mistake, not "the default" (leave it out for the default)
    empty = {k: [_("Must not be empty: leave the parameter out for the default.")]
             for k in ("from", "to", "period", "year", "agency", "commune", "kinds")
             if k in request.args and not request.args[k].strip()}
    # checked even where a period given by dates makes them unused: a wrong value is an error
    year = request.args.get("year")
    if year and strict_int(year, minimum=2000, maximum=2100) is None:
        empty["year"] = [_("Must be a year between 2000 and 2100.")]
    if empty:
        return jsonify({"errors": empty}), 422
    try:
        params = parse_report_args(request.args, g.api_user, local_today())
    except ReportArgsError as error:
        return jsonify({"errors": error.errors}), 422
    except PermissionError:
        return jsonify({"errors": {"agency": [_("You may see the figures of your own agency and those under it "
                                                 "only.")]}}), 403
    report = target4(params.scope)
    scope = params.scope
    agencies = None
    if scope.agency_ids is not None:
        agencies = sorted(db.session.scalars(db.select(Agency.code).where(Agency.id.in_(scope.agency_ids))))
    return jsonify({
        "period": {"from": scope.start.isoformat(), "to": scope.end.isoformat(), "kind": params.period.kind,
                   "year": params.period.year, "as_of": scope.as_of.isoformat()},
        "scope": {"agency": params.agency_code, "agency_name": params.agency_name, "agencies": agencies,
                  "commune": params.commune_code, "kinds": list(scope.kinds)},
        "figures": {name: report[name] for name in FIGURES},
        "rates": {name: getattr(report, name) for name in RATES},
        "targets": TARGETS,
        "withdrawn_counted_as_resolved": bool(current_app.config.get("REPORT_WITHDRAWN_AS_RESOLVED")),
        "satisfaction": _satisfaction(scope),
    })


def _satisfaction(scope) -> dict:
    """Ratings of the cases closed in the period (target 3: over 90% satisfied)."""
    from ...services.ratings import satisfaction
    rated = satisfaction(scope.start, scope.as_of, scope.agency_ids)
    return {"ratings": rated.ratings, "satisfied": rated.satisfied, "rate": rated.rate, "target": 0.9}
