"""The OpenAPI 3.1 document of API v1."""
from __future__ import annotations

from ..public.forms import EMAIL_PATTERN


# what the forms refuse in any text (petitions/security.py): control characters other
# than tab and new line, and the bidirectional overrides
# (a carriage return is taken as a new line)
_BAD = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069"
_TEXT = {"type": "string", "pattern": f"^[^{_BAD}]*$"}
# required text: something left once the spaces around it are cut
_FILLED = {"type": "string", "pattern": f"^[^{_BAD}]*[^\\s{_BAD}][^{_BAD}]*$"}


def _text(max_length: int, filled: bool = False) -> dict:
    return {**(_FILLED if filled else _TEXT), "maxLength": max_length}


def _optional(pattern: str) -> str:
    """An optional field may be sent empty (or only spaces): it counts as absent."""
    return f"^[ \\t\\r\\n]*(?:{pattern.strip('^$')})?[ \\t\\r\\n]*$"


_ID = r"^[0-9]{12}$"
# a Vietnamese number; spaces, dots, dashes and brackets between the digits are allowed
# and removed ("+84 912 345 678" is stored as 0912345678)
_PHONE = r"^(?:0|(?:\(?\+84\)?|0084)(?:[ .()/-]*0)?|84)(?:[ .()/-]*[0-9]){9,10}$"
_PERSON = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "full_name": _text(120),
        "id_number": {"type": "string", "pattern": _optional(_ID), "description": "12-digit citizen ID number"},
        "phone": {"type": "string", "pattern": _optional(_PHONE),
                  "description": "a Vietnamese number, e.g. 0912 345 678 or +84 912 345 678; stored as 0912345678"},
        "email": {"type": "string", "pattern": _optional(EMAIL_PATTERN), "maxLength": 200},
        "address": _text(300),
    },
}
# a named filer: name and address (and, for a complaint or a denunciation, the ID number)
_NAMED = {**_PERSON, "required": ["full_name", "address"],
          "properties": {**_PERSON["properties"], "full_name": _text(120, True), "address": _text(300, True)}}
_IDENTIFIED = {**_NAMED, "required": ["full_name", "address", "id_number"],
               "properties": {**_NAMED["properties"], "id_number": {
                   "type": "string", "pattern": f"^[ \\t\\r\\n]*{_ID.strip('^$')}[ \\t\\r\\n]*$",
                   "description": "12-digit citizen ID number"}}}


def _letter_schema(communes: list[str] | None, agencies: list[str] | None) -> dict:
    """The letter as the API accepts it: the form's rules per kind, written as JSON Schema."""
    commune = {"type": "string", "description": "ward/commune code (after 1/7/2025)"}
    if communes is not None:
        commune["enum"] = communes
    agency = {"type": "string", "description": "a provincial agency; empty or absent: the commune's "
                                               "People's Committee"}
    if agencies is not None:
        agency["enum"] = ["", *agencies]
    signer = {**_PERSON, "required": ["full_name"], "properties": {
        **_PERSON["properties"], "full_name": _text(120, True),
        "representative": {"type": "boolean", "description": "appointed in writing to represent the others"}}}
    common = {
        "title": _text(200, True),
        "content": {"type": "string", "maxLength": 20000, "description": "at least 20 characters once the "
                    "spaces around it are cut",
                    "pattern": f"^[ \\t\\r\\n]*[^\\s{_BAD}][^{_BAD}]{{18,}}[^\\s{_BAD}][ \\t\\r\\n]*$"},
        "commune_code": commune,
        "agency_code": agency,
        "respondent": _text(500),

        "pledge": {"type": "boolean", "description": "denunciation: the denouncer's declaration of "
                                                    "truthfulness (required)"},
    }

    def co_signers(others: int) -> dict:
        """A joint letter of 5 to 10 people appoints at most 2 representatives, of more than
        10 at most 5; ``others`` is how many signers besides the co-signers (the filer)."""
        return {"type": "array", "maxItems": 200, "items": signer,
                "description": "everyone who signs with the filer; a joint letter of 5 to 10 people "
                               "appoints at most 2 representatives, of more than 10 at most 5",
                # "at most N with representative: true" needs maxContains, which the fuzzer
                # cannot generate: the schema allows the simple cases (up to 4 signers, or no
                # representative) and the description states the rule the API applies
                # (scripts/fuzz_hooks.py drops the fuzzer's complaint about a letter beyond the
                # simple cases that obeys the rule)
                "anyOf": [{"maxItems": 4 - others},
                          {"items": {"properties": {"representative": {"const": False}}}}]}

    def kind(value: str, required: list[str], **props) -> dict:
        """The rules of one kind (the properties are declared once, below)."""
        others = 0 if props.get("anonymous", {}).get("const") else 1
        return {"required": required,
                "properties": {"kind": {"const": value}, "co_signers": co_signers(others), **props}}

    named = {"anonymous": {"type": "boolean", "const": False}}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["kind", "title", "content", "commune_code"],
        "properties": {
            "kind": {"type": "string", "enum": ["complaint", "denunciation", "petition"]},
            **common,
            "co_signers": {"type": "array", "maxItems": 200, "items": signer},
            "petitioner": _PERSON,
            "anonymous": {"type": "boolean", "description": "petitions and feedback only"},
        },
        # what each kind requires (Law on Complaints Art. 8, Law on Denunciations Art. 9, 23)
        "oneOf": [
            kind("complaint", ["respondent", "petitioner"], petitioner=_IDENTIFIED,
                 respondent={**_text(500, True), "description": "the decision or act complained about"},
                 **named),
            kind("denunciation", ["respondent", "petitioner", "pledge"], petitioner=_IDENTIFIED,
                 respondent={**_text(500, True), "description": "the person or body denounced"},
                 pledge={"type": "boolean", "const": True}, **named),
            kind("petition", ["petitioner"], petitioner=_NAMED, **named),
            kind("petition", ["anonymous"], anonymous={"type": "boolean", "const": True}),
        ],
    }


_ERRORS = {
    "type": "object",
    "required": ["errors"],
    "properties": {"errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}},
}

_TOO_MANY = {"description": "Too many requests from this address (or for this citizen ID number); "
                           "nothing stored. Wait the number of seconds in Retry-After.",
             "headers": {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}},
             "content": {"application/json": {"schema": None}}}

_TOO_MANY["content"]["application/json"]["schema"] = _ERRORS

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
            "parameters": [{"name": n, "in": "query", "required": False,
                            "schema": dict(_TEXT) if t == "string" else
                            {"type": t, "minimum": 1, "maximum": 1_000_000} if n == "page" else {"type": t}}
                           for n, t in (("kind", "string"), ("status", "string"), ("commune", "string"),
                                        ("overdue", "boolean"), ("page", "integer"))],
            "responses": {"200": {"description": "A page of 50 cases", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"total": {"type": "integer"}, "page": {"type": "integer"},
                                                 "cases": {"type": "array", "items": _SUMMARY}}}}}},
                          "401": unauthorized, "422": {"description": "Bad filter", "content": {"application/json": {"schema": _ERRORS}}}},
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
                "404": {"description": "Not a case of this officer's agency",
                        "content": {"application/json": {"schema": _ERRORS}}},
                "403": {"description": "The officer's role may not fire this event",
                        "content": {"application/json": {"schema": _ERRORS}}},
                "409": {"description": "Another officer changed the case first; nothing saved",
                        "content": {"application/json": {"schema": _ERRORS}}},
                "422": {"description": "Refused by the workflow (status, field, date or guard); nothing saved",
                        "content": {"application/json": {"schema": _ERRORS}}},
            },
        }},
    }


def _codes(codes: list[str] | None) -> dict:
    return {"type": "string", "enum": codes} if codes is not None else {"type": "string"}


def _kinds(kinds: list[str] | None) -> dict:
    if not kinds:
        return {"type": "string"}
    one = "(?:" + "|".join(kinds) + ")"
    return {"type": "string", "pattern": f"^[ ]*{one}[ ]*(?:,[ ]*{one}[ ]*)*$"}


def openapi_document(communes: list[str] | None = None, agencies: list[str] | None = None,
                     all_agencies: list[str] | None = None, report_kinds: list[str] | None = None) -> dict:
    """The document; the lists of codes (read from the database by the caller) become enums,
    so that a client and a fuzzer know which values exist."""
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
                     "description": "first day; alone: up to today. Default: the current reporting year. A "
                                    "period that ends before it starts is refused (422)"},
                    {"name": "to", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
                     "description": "last day; alone: from the first of January of its year"},
                    {"name": "period", "in": "query", "required": False, "description": "instead of from/to: a "
                     "reporting period of TT 01/2024 (with `year`)",
                     "schema": {"type": "string", "enum": ["q1", "q2", "q3", "q4", "h1", "m9", "year"]}},
                    {"name": "year", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 2000, "maximum": 2100}},
                    {"name": "agency", "in": "query", "required": False, "schema": _codes(all_agencies),
                     "description": "agency code: the agency and those under it; default: the province "
                                    "(inspectors, administrators) or the officer's own agency"},
                    {"name": "commune", "in": "query", "required": False, "schema": _codes(communes)},
                    {"name": "kinds", "in": "query", "required": False, "schema": _kinds(report_kinds),
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
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": _letter_schema(communes, agencies)}}},
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
                        "413": {"description": "The body is larger than MAX_CONTENT_LENGTH; nothing stored",
                                "content": {"application/json": {"schema": _ERRORS}}},
                        "422": {"description": "Invalid input; nothing stored",
                                "content": {"application/json": {"schema": _ERRORS}}},
                        "429": _TOO_MANY,
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
                        "404": {"description": "Wrong code or key (the same answer for both); each one "
                                               "counts towards the address's failed look-ups",
                                "content": {"application/json": {"schema": _ERRORS}}},
                        "429": {**_TOO_MANY, "description": "Too many look-ups, or too many failed look-ups, "
                                "from this address; wait the number of seconds in Retry-After."},
                    },
                }
            },
        },
    }
