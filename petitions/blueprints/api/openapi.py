"""The OpenAPI 3.1 document of API v1."""
from __future__ import annotations

from ...workflow.states import PUBLIC_KINDS

_PERSON = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "full_name": {"type": "string", "maxLength": 120},
        "id_number": {"type": "string", "pattern": r"^\d{12}$", "description": "12-digit citizen ID number"},
        "phone": {"type": "string", "pattern": r"^(\+84|0)\d{9,10}$"},
        "email": {"type": "string", "format": "email"},
        "address": {"type": "string", "maxLength": 300},
    },
}

_ERRORS = {
    "type": "object",
    "required": ["errors"],
    "properties": {"errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}},
}

_STEP = {
    "type": ["object", "null"],
    "properties": {
        "step": {"type": "string"}, "label": {"type": "string"},
        "started_on": {"type": "string", "format": "date"}, "due_on": {"type": "string", "format": "date"},
        "limit_days": {"type": "integer"}, "unit": {"type": "string", "enum": ["working", "calendar"]},
    },
}


_BEARER = [{"officerToken": []}]
_DEADLINE = {"type": "object", "properties": {
    "step": {"type": "string"}, "label": {"type": "string"}, "started_on": {"type": "string", "format": "date"},
    "due_on": {"type": "string", "format": "date"}, "limit_days": {"type": "integer"},
    "unit": {"type": "string"}, "source": {"type": "string"},
    "completed_on": {"type": ["string", "null"], "format": "date"},
    "paused_on": {"type": ["string", "null"], "format": "date"},
    "on_time": {"type": ["boolean", "null"]}, "overdue": {"type": "boolean"},
    "explanation": {"type": "array", "items": {"type": "string"}}}}
_SUMMARY = {"type": "object", "properties": {
    "tracking_code": {"type": "string"}, "kind": {"type": "string"}, "status": {"type": "string"},
    "title": {"type": "string"}, "received_on": {"type": "string", "format": "date"},
    "agency": {"type": "string"}, "commune": {"type": ["string", "null"]},
    "next_due_on": {"type": ["string", "null"], "format": "date"}, "overdue": {"type": "boolean"},
    "version": {"type": "integer"}}}


def _officer_paths() -> dict:
    code = {"name": "tracking_code", "in": "path", "required": True, "schema": {"type": "string"}}
    unauthorized = {"description": "No valid officer token", "content": {"application/json": {"schema": _ERRORS}}}
    return {
        "/api/v1/officer/cases": {"get": {
            "summary": "The officer's agency's cases (inspectors and administrators: all), most urgent first",
            "security": _BEARER,
            "parameters": [{"name": n, "in": "query", "required": False, "schema": {"type": t}}
                           for n, t in (("kind", "string"), ("status", "string"), ("commune", "string"),
                                        ("overdue", "boolean"), ("page", "integer"))],
            "responses": {"200": {"description": "A page of 50 cases", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"total": {"type": "integer"}, "page": {"type": "integer"},
                                                 "cases": {"type": "array", "items": _SUMMARY}}}}}},
                          "401": unauthorized, "422": {"description": "Bad filter"}},
        }},
        "/api/v1/officer/cases/{tracking_code}": {"get": {
            "summary": "One case: deadlines with how they were computed, events, the actions this officer may take",
            "security": _BEARER, "parameters": [code],
            "responses": {"200": {"description": "The case (a denouncer's identity is never included)"},
                          "401": unauthorized, "404": {"description": "Not a case of this officer's agency"}},
        }},
        "/api/v1/cases/{tracking_code}/events": {"post": {
            "summary": "Fire a workflow event (accept, refuse, forward, decide, ...) with its fields",
            "security": _BEARER, "parameters": [code],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["event"],
                "properties": {"event": {"type": "string"},
                               "date": {"type": "string", "format": "date",
                                        "description": "the date of the act (default today); never in the "
                                                       "future nor before the previous event"},
                               "version": {"type": "integer", "description": "the case version read; a "
                                           "different current version answers 409"},
                               "note": {"type": "string"}},
                "additionalProperties": {"description": "the event's fields, as listed in the case's actions"},
            }}}},
            "responses": {
                "201": {"description": "Applied", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"event": {"type": "string"}, "status": {"type": "string"},
                                                     "version": {"type": "integer"},
                                                     "deadlines": {"type": "array", "items": _DEADLINE}}}}}},
                "401": unauthorized,
                "403": {"description": "The officer's role may not fire this event",
                        "content": {"application/json": {"schema": _ERRORS}}},
                "409": {"description": "Another officer changed the case first; nothing saved",
                        "content": {"application/json": {"schema": _ERRORS}}},
                "422": {"description": "Refused by the workflow (status, field, date or guard); nothing saved",
                        "content": {"application/json": {"schema": _ERRORS}}},
            },
        }},
    }


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "petitions API",
            "version": "1",
            "description": "File complaints, denunciations and petitions, and follow them by tracking code. "
                           "Messages are in Vietnamese; send Accept-Language: en for English.",
        },
        "components": {"securitySchemes": {"officerToken": {
            "type": "http", "scheme": "bearer", "description": "issued with `flask users token USERNAME`"}}},
        "paths": {
            **_officer_paths(),
            "/api/v1/stats/target4": {"get": {
                "summary": "Target 4 figures for a period and a scope (inspectors and administrators: any agency "
                           "or the province; other officers: their own agency and those under it)",
                "description": "Computed from the case records (never typed in). Definitions: letters received "
                               "in the period, and letters carried over (received before, not handled when it "
                               "began); handled on time, late, or not handled and overdue or not yet due "
                               "at the end of the period (or today); cases within competence carried over and "
                               "new, resolved on time or late, withdrawn or otherwise ended, still open; "
                               "complaint outcomes. The on-time rate is on time / (on time + late + not handled "
                               "and overdue); the resolution rate is resolved / total to resolve.",
                "security": _BEARER,
                "parameters": [
                    {"name": "from", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
                     "description": "first day (with `to`); default: the current reporting year"},
                    {"name": "to", "in": "query", "required": False, "schema": {"type": "string", "format": "date"}},
                    {"name": "period", "in": "query", "required": False, "description": "instead of from/to: a "
                     "reporting period of TT 01/2024 (with `year`)",
                     "schema": {"type": "string", "enum": ["q1", "q2", "q3", "q4", "h1", "m9", "year"]}},
                    {"name": "year", "in": "query", "required": False, "schema": {"type": "integer"}},
                    {"name": "agency", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "agency code: the agency and those under it; default: the province "
                                    "(inspectors, administrators) or the officer's own agency"},
                    {"name": "commune", "in": "query", "required": False, "schema": {"type": "string"}},
                    {"name": "kinds", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "comma-separated: complaint, denunciation, petition (default: "
                                    "complaint,denunciation)"},
                ],
                "responses": {
                    "200": {"description": "Every figure, both rates, the period and the scope",
                            "content": {"application/json": {"schema": {"type": "object", "properties": {
                                "period": {"type": "object", "properties": {
                                    "from": {"type": "string", "format": "date"},
                                    "to": {"type": "string", "format": "date"},
                                    "kind": {"type": "string"}, "year": {"type": "integer"},
                                    "as_of": {"type": "string", "format": "date"}}},
                                "scope": {"type": "object", "properties": {
                                    "agency": {"type": ["string", "null"]},
                                    "agency_name": {"type": ["string", "null"]},
                                    "agencies": {"type": ["array", "null"], "items": {"type": "string"},
                                                 "description": "the agency codes counted; null: the province"},
                                    "commune": {"type": ["string", "null"]},
                                    "kinds": {"type": "array", "items": {"type": "string"}}}},
                                "figures": {"type": "object", "properties": {name: {"type": "integer"} for name in (
                                    "letters_total", "letters_received", "letters_carried_over", "letters_on_time",
                                    "letters_late", "letters_open_overdue", "letters_open", "cases_total",
                                    "cases_carried_over", "cases_new", "cases_resolved", "cases_resolved_on_time",
                                    "cases_resolved_late",
                                    "cases_withdrawn", "cases_open", "cases_open_overdue", "verdict_correct",
                                    "verdict_partly_correct", "verdict_wrong")}},
                                "rates": {"type": "object", "properties": {
                                    "on_time_rate": {"type": ["number", "null"], "description": "0..1; null: "
                                                     "nothing to count"},
                                    "resolution_rate": {"type": ["number", "null"]}}},
                                "targets": {"type": "object"},
                                "withdrawn_counted_as_resolved": {"type": "boolean"},
                            }}}}},
                    "401": {"description": "No valid officer token", "content": {"application/json": {
                        "schema": _ERRORS}}},
                    "403": {"description": "An agency outside the officer's scope",
                            "content": {"application/json": {"schema": _ERRORS}}},
                    "422": {"description": "A bad date, period, agency, commune or kind",
                            "content": {"application/json": {"schema": _ERRORS}}},
                },
            }},
            "/api/v1/cases": {
                "post": {
                    "summary": "File a letter",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["kind", "title", "content", "commune_code"],
                        "properties": {
                            "kind": {"type": "string", "enum": [k.value for k in PUBLIC_KINDS]},
                            "title": {"type": "string", "maxLength": 200},
                            "content": {"type": "string", "minLength": 20, "maxLength": 20000},
                            "commune_code": {"type": "string", "description": "ward/commune code (after 1/7/2025)"},
                            "agency_code": {"type": "string", "description":
                                            "a provincial agency; default: the commune's People's Committee"},
                            "respondent": {"type": "string", "maxLength": 500, "description":
                                           "complaint: the decision or act complained about (required); "
                                           "denunciation: the person or body denounced (required)"},
                            "petitioner": _PERSON,
                            "co_signers": {"type": "array", "items": {**_PERSON, "properties": {
                                **_PERSON["properties"],
                                "representative": {"type": "boolean",
                                                   "description": "appointed in writing to represent the others"},
                            }}},
                            "anonymous": {"type": "boolean", "description": "petitions and feedback only"},
                            "pledge": {"type": "boolean", "description":
                                       "denunciation: the denouncer's declaration of truthfulness (required)"},
                        },
                    }}}},
                    "responses": {
                        "201": {"description": "Received", "content": {"application/json": {"schema": {
                            "type": "object",
                            "required": ["tracking_code", "access_key", "status", "received_at", "handling_due_on"],
                            "properties": {
                                "tracking_code": {"type": "string"},
                                "access_key": {"type": "string", "description": "shown once; keep it"},
                                "status": {"type": "string"},
                                "received_at": {"type": "string", "format": "date-time"},
                                "received_on": {"type": "string", "format": "date"},
                                "handling_due_on": {"type": "string", "format": "date"},
                                "running_steps": {"type": "array", "items": _STEP},
                            },
                        }}}},
                        "422": {"description": "Invalid input; nothing stored",
                                "content": {"application/json": {"schema": _ERRORS}}},
                    },
                }
            },
            "/api/v1/cases/{tracking_code}": {
                "get": {
                    "summary": "Public status and history of a letter",
                    "parameters": [
                        {"name": "tracking_code", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "X-Access-Key", "in": "header", "required": True, "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": {"description": "The public view", "content": {"application/json": {"schema": {
                            "type": "object",
                            "properties": {
                                "tracking_code": {"type": "string"}, "kind": {"type": "string"},
                                "title": {"type": "string"}, "received_on": {"type": "string", "format": "date"},
                                "agency": {"type": "string"}, "status": {"type": "string"},
                                "current_step": _STEP,
                                "history": {"type": "array", "items": {"type": "object", "properties": {
                                    "event": {"type": "string"}, "label": {"type": "string"},
                                    "date": {"type": "string", "format": "date"}, "status": {"type": "string"}}}},
                            },
                        }}}},
                        "404": {"description": "Wrong code or key (the same answer for both)",
                                "content": {"application/json": {"schema": _ERRORS}}},
                    },
                }
            },
        },
    }
