"""The officers' pages: the agency's queue, a case, the desk form, the export."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

from flask import (Response, abort, current_app, flash, g, redirect, render_template, request,
                   send_file, session, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from ...security import BaseForm as FlaskForm

from ... import labels
from ...extensions import db
from ...models import Attachment, Case, IdentityAccess
from ...permissions import allowed, can_register_letters, can_urge, can_view_case, can_view_identity
from ...services.codes import format_code, normalize
from ...services.calendar import get_calendar
from ...services.collation import commune_choices
from ...services import pagecache, uploads
from ...services.intake import submit_case
from ...services.workflow import available_actions, ordered_actions, record_withdrawals
from ...services.queries import CaseFilter, case_list_query, ordered, queue_page
from ...services.verification import load_filers, shown_text
from ...web import local_today
from ...workflow.engine import FieldError
from ...workflow.states import Channel, Kind, Role
from ..public.forms import LocaleCachedSelect, ReferenceSelect, checked_files, take_signer_lists, to_submission
from ..public.status import receipt_data
from . import bp
from .forms import DeskForm, FilterForm, RevealForm
from ...security import ascii_int, strict_int


SEARCH_TTL = 8 * 3600  # a search token in a page's links lasts as long as a sign-in


def search_token(term: str) -> str:
    """The officer's search term as an opaque token for the address bar and the paging
    links: encrypted under the identity keys and bound to the officer, so an ID number or
    a name typed in the search never reaches a URL, the access logs or the browser history."""
    from ...services.crypto import keyring
    payload = json.dumps({"u": current_user.id, "q": term}, ensure_ascii=False).encode("utf-8")
    return keyring().encrypt(payload).decode("ascii")


def search_term(token: str | None) -> str | None:
    from cryptography.fernet import InvalidToken

    from ...services.crypto import keyring
    if not token:
        return None
    try:
        data = json.loads(keyring().decrypt(token.encode("ascii"), ttl=SEARCH_TTL))
    except (InvalidToken, ValueError, UnicodeError):
        return None
    if not isinstance(data, dict) or data.get("u") != current_user.id or not isinstance(data.get("q"), str):
        return None
    return data["q"]


def _filter_args(source) -> dict:
    """The filters to put in the address: every field but the search term, which becomes a token."""
    args = {k: v for k, v in source.items() if k not in ("q", "s", "page", "csrf_token") and v}
    term = (source.get("q") or "").strip()
    if term:
        args["s"] = search_token(term[:200])
    return args


def _filter_form(term=None) -> tuple[FilterForm, CaseFilter]:
    data = MultiDict(request.args)
    data.pop("q", None)
    term = search_term(request.args.get("s")) if term is None else term
    if term:
        data["q"] = term
    form = FilterForm(data)
    form.kind.choices = [("", _("All kinds"))] + [(k.value, labels.label(labels.KIND, k.value)) for k in Kind]
    form.status.choices = [("", _("All statuses"))] + [(k, str(v)) for k, v in labels.STATUS.items()]
    form.commune.choices = [("", _("All communes"))] + commune_choices()
    form.commune.widget = ReferenceSelect("communes")  # the options rendered once per process
    form.kind.widget = form.status.widget = form.sort.widget = LocaleCachedSelect()
    form.validate()
    f = CaseFilter(kind=form.kind.data or None, status=form.status.data or None,
                   commune=form.commune.data or None, date_from=form.date_from.data,
                   date_to=form.date_to.data, q=form.q.data or None,
                   overdue_on=local_today() if form.overdue.data else None,
                   sort=form.sort.data if form.sort.data in ("urgency", "received") else "urgency")
    return form, f


def _fragment(name: str, **context) -> Markup:
    """A part of the queue page rendered on its own (kept per process by the view)."""
    return Markup(current_app.jinja_env.get_template(name).render(**context))


def _queue_filters(keep: bool) -> tuple[Markup, CaseFilter]:
    """The filter form's fields as HTML and the filter they make, kept per process, language,
    reference data version and filter values (the CSRF token stays outside, per request)."""
    term = search_term(request.args.get("s")) or ""
    key = None
    if keep:
        key = (str(get_locale()), g._refdata_version, request.script_root, term,
               tuple(sorted((k, v) for k, v in request.args.items(multi=True) if k not in ("page", "s", "q"))))
        hit = pagecache.lru("queue-filters").get(key)
        if hit is not None:
            html, fields, overdue = hit
            return html, CaseFilter(**fields, overdue_on=local_today() if overdue else None)
    form, f = _filter_form(term)
    html = _fragment("reception/_queue_filters.html", form=form)
    if key is not None:
        fields = {k: v for k, v in vars(f).items() if k != "overdue_on"}
        pagecache.lru("queue-filters").put(key, (html, fields, f.overdue_on is not None))
    return html, f


@bp.route("/", methods=["GET", "POST"])
def queue():
    """The agency's work queue. The heading, urgings, count, rows and pager are kept per
    process under the change stamps of the agencies in the officer's scope
    (services/pagecache.py), read before the data: a kept page is served only while no
    commit touched those agencies' cases, filers, time limits or urgings (nor reference data,
    the day, the language, the filters, the page or what this officer may see)."""
    # the search is sent by POST (issue 14): the term never appears in the address
    if request.method == "POST":
        return redirect(url_for("reception.queue", **_filter_args(request.form)), 303)
    if request.args.get("q"):  # an old bookmark or a hand-typed address: the term leaves the URL
        return redirect(url_for("reception.queue", **_filter_args(request.args)), 303)
    from ...permissions import agency_scope
    user = current_user._get_current_object()  # not the proxy, 50 times over
    scope = agency_scope(user, "case.list")
    # the stamps first (one MGET, with the reference data's version), then the data
    stamps = pagecache.read_stamps(None if scope is None else tuple(sorted({*scope, user.agency_id})))
    filters, f = _queue_filters(stamps is not None)
    page = max(request.args.get("page", 1, type=ascii_int), 1)
    size = current_app.config["PAGE_SIZE"]
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    key = entry = None
    if stamps is not None:
        key = (stamps, user.id, user.agency_id, user.roles, str(get_locale()), local_today(), request.script_root,
               page, size, tuple(vars(f).values()), tuple(sorted(args.items())))
        entry = pagecache.lru("queue").get(key)
    if entry is None:
        entry = _queue_parts(user, f, page, size, args)
        if key is not None:
            pagecache.lru("queue").put(key, entry)
    head, listing = entry
    return render_template("reception/queue.html", head=head, filters=filters, listing=listing)


def _queue_parts(user, f: CaseFilter, page: int, size: int, args: dict) -> tuple[Markup, Markup]:
    """The queue page's heading with the urgings, and its count, rows and pager, as HTML."""
    from .urgings import open_urgings_for
    rows, total = queue_page(user, f, page, size)
    pages = max((total + size - 1) // size, 1)
    all_agencies = user.sees_all_agencies
    urgings = [(len(u.cases), u.reply_due_on, u.id) for u in open_urgings_for(user.agency_id)]
    head = _fragment("reception/_queue_head.html", all_agencies=all_agencies, urgings=urgings,
                     agency_name=None if all_agencies else user.agency.name)
    listing = _fragment("reception/_queue_list.html", rows=_queue_rows(rows, user), total=total, page=page,
                        pages=pages, args=args, all_agencies=all_agencies)
    return head, listing


def _shown_titles(rows, user) -> dict:
    """Each row's title as this officer may see it (:func:`shown_text`): a denouncer's name
    typed into the title is blacked out for who may not see the identity. The rows whose
    title must be redacted are read as cases with their filers (one statement, only when
    the page has such rows) and go through the same :func:`shown_text` as the case page; a
    row without its case there fails (no ``parties``) rather than show the title unredacted."""
    from sqlalchemy.orm import defer, joinedload
    from ...permissions import can_view_identity
    hidden = [row.id for row in rows if row.identity_is_confidential and not can_view_identity(user, row)]
    cases = {}
    if hidden:  # the cases and every filer of each (what load_filers reads), in one statement
        cases = {case.id: case for case in db.session.scalars(
            db.select(Case).where(Case.id.in_(hidden))
            .options(defer(Case.content), defer(Case.search_text), joinedload(Case.parties))).unique()}
    return {row.id: shown_text(row.title, cases.get(row.id, row), user) for row in rows}


def _queue_rows(rows, user) -> list[tuple]:
    """The queue's rows as the strings the page prints (issue 18): each word translated,
    each date formatted and each count of working days computed once a page, not per cell
    in the template. The title goes through :func:`shown_text` (a denouncer's name blacked
    out for who may not see the identity), the filer cell shows a confidential filer only
    by pseudonym. Each row: (link, code, received, kind, mass, title, agency, filer, commune,
    status, due), filer being True (confidential: the pseudonym), False (anonymous) or the
    petitioner's name,
    due None or (badge class, due date, working days left or overdue)."""
    from ...services.codes import format_code
    today = local_today()
    calendar = get_calendar()
    kind_labels, status_labels = labels.Memo(labels.KIND), labels.Memo(labels.STATUS)
    left_text, overdue_text = _("%(n)d w.d. left"), _("%(n)d w.d. overdue")  # formats, filled per row
    case_url = url_for("reception.show_case", code="CODE0000XX")
    dates: dict = {}
    dues: dict = {}

    def day(value):
        text = dates.get(value)
        if text is None:
            text = dates[value] = value.strftime("%d/%m/%Y")
        return text

    def due_cell(next_due):
        cell = dues.get(next_due)
        if cell is None:
            left = calendar.working_days_between(today, next_due)
            if next_due < today:
                cell = ("overdue", day(next_due), overdue_text % {"n": -left})
            else:
                cell = ("soon" if left <= 3 else "ok", day(next_due), left_text % {"n": left})
            dues[next_due] = cell
        return cell

    titles = _shown_titles(rows, user)
    out = []
    for row in rows:
        if row.identity_is_confidential:
            filer = True  # shown by pseudonym only
        elif row.is_anonymous:
            filer = False
        else:
            filer = row.petitioner_name or ""
        out.append((case_url.replace("CODE0000XX", row.tracking_code), format_code(row.tracking_code),
                    day(row.received_on), kind_labels[row.kind], row.is_mass, titles[row.id], row.agency_name,
                    filer, row.pseudonym, row.commune_name or "", status_labels[row.status],
                    due_cell(row.next_due) if row.next_due else None))
    return out


@bp.get("/export.csv")
def export_cases():
    """The filtered queue as CSV. It holds no personal data: no names, ID numbers or addresses."""
    _form, f = _filter_form()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Tracking code"), _("Kind"), _("Subject"), _("Date received"), _("Channel"),
                     _("Status"), _("Agency"), _("Commune"), _("Next due date")])
    result = db.session.execute(ordered(case_list_query(current_user, f), f)).all()
    load_filers([c for c, _due in result], current_user)
    for case, next_due in result:
        writer.writerow([format_code(case.tracking_code), labels.label(labels.KIND, case.kind),
                         _cell(shown_text(case.title, case, current_user) or ""),
                         case.received_on.strftime("%d/%m/%Y"), labels.label(labels.CHANNEL, case.channel),
                         labels.label(labels.STATUS, case.status), case.agency.name,
                         case.commune.name if case.commune else "",
                         next_due.strftime("%d/%m/%Y") if next_due else ""])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=cases.csv"})


def _cell(text: str) -> str:
    """A citizen's text in a spreadsheet cell, never read as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _case_or_abort(code: str) -> Case:
    case = db.session.scalar(db.select(Case).where(Case.tracking_code == normalize(code)))
    if case is None:
        abort(404)
    if not can_view_case(current_user, case):
        abort(403)
    return case


def case_urgings(case: Case):
    from ...models import Urging, urging_cases
    return list(db.session.scalars(db.select(Urging).join(urging_cases).where(urging_cases.c.case_id == case.id)
                                   .order_by(Urging.id)))


def _repeat_hints(case: Case) -> dict:
    """While a letter waits to be handled: likely duplicates, the filer's other letters,
    and whether it may have skipped a level."""
    from ...services.duplicates import commune_committee_for, likely_duplicates, other_letters_of_filer
    if case.status != "received":
        return {"duplicates": [], "filer_letters": (0, 0), "skipped_to": None}
    return {"duplicates": likely_duplicates(case), "filer_letters": other_letters_of_filer(case),
            "skipped_to": commune_committee_for(case)}


def _voter_meetings(case: Case) -> list:
    """A voter petition's source: its meeting, then the meetings of the same petition merged
    into it (the same petition raised at several meetings)."""
    if case.kind != Kind.VOTER_PETITION.value or case.voter_meeting_id is None:
        return []
    from ...models import VoterMeeting
    ids = [case.voter_meeting_id] + [c.voter_meeting_id for c in case.children
                                     if c.link_type == "repeat_of" and c.voter_meeting_id]
    found = {m.id: m for m in db.session.scalars(db.select(VoterMeeting).where(VoterMeeting.id.in_(ids)))}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def _render_case(case: Case, reveal_form=None, identity_shown=False, status=200, withdrawal_error=None,
                 review_error=None):
    from ...models import Rating
    rating = db.session.scalar(db.select(Rating).where(Rating.case_id == case.id))
    may_see = can_view_identity(current_user, case)
    show_identity = may_see and (not case.identity_is_confidential or identity_shown)
    hints = _repeat_hints(case)
    actions, primary = ordered_actions(available_actions(case, current_user), guide_first=bool(hints["skipped_to"]))
    from .history import event_details
    details = {e.id: event_details(e, case, show_identity) for e in case.events}
    meetings = _voter_meetings(case)
    return render_template("reception/case.html", case=case, may_see_identity=may_see, details=details,
                           meetings=meetings,
                           show_identity=show_identity, reveal_form=reveal_form or RevealForm(),
                           actions=actions, primary_action=primary, calendar=get_calendar(),
                           urgings=case_urgings(case), may_urge=can_urge(current_user),
                           withdrawal_error=withdrawal_error, rating=rating, review_error=review_error,
                           **hints), status


@bp.get("/cases/<code>")
def show_case(code: str):
    return _render_case(_case_or_abort(code))


@bp.post("/cases/<code>/identity")
def reveal_identity(code: str):
    case = _case_or_abort(code)
    if not can_view_identity(current_user, case):
        abort(403)
    form = RevealForm()
    if not form.validate_on_submit():
        return _render_case(case, reveal_form=form, status=422)
    db.session.add(IdentityAccess(case_id=case.id, user_id=current_user.id, context="case_page",
                                  reason=form.reason.data))
    db.session.commit()
    return _render_case(case, reveal_form=form, identity_shown=True)


@bp.post("/attachments/<int:attachment_id>")
def download_attachment(attachment_id: int):
    """A POST with the page's CSRF token: a denunciation's papers are opened on purpose,
    and only then is the access recorded."""
    from flask_wtf import FlaskForm
    FlaskForm().validate_on_submit() or abort(400)
    att = db.session.get(Attachment, attachment_id) or abort(404)
    # a denunciation's papers can reveal the denouncer (handwriting, signature)
    if not can_view_identity(current_user, att.case):
        abort(403)
    try:
        data = uploads.read_bytes(att)  # sealed at rest: opened here, sent as the citizen sent it
    except FileNotFoundError:
        # deleted by the end of the retention period (flask privacy anonymise): gone for good
        from ...models import CaseAnonymisation
        anonymised = db.session.scalar(db.select(CaseAnonymisation.case_id)
                                       .where(CaseAnonymisation.case_id == att.case_id).limit(1)) is not None
        current_app.logger.warning("attachment %s of case %s: file missing (anonymised: %s)",
                                   att.id, att.case_id, anonymised)
        message = (_("This file is no longer kept: it was deleted when the case's personal data were "
                     "anonymised at the end of the retention period.") if anonymised else
                   _("This file is no longer on the server. Please tell the system administrator."))
        return render_template("error.html", status=410, message=message), 410
    if att.case.identity_is_confidential:
        # the file's number, never its name: "Lo-Van-Quytzy_CCCD.pdf" names the denouncer
        number = next((i for i, a in enumerate(att.case.attachments, start=1) if a.id == att.id), 0)
        db.session.add(IdentityAccess(case_id=att.case_id, user_id=current_user.id, context="attachment",
                                      reason=_("File %(n)d", n=number)))
        db.session.commit()
    return send_file(io.BytesIO(data), mimetype=att.mime_type, as_attachment=True, download_name=att.original_name)


@bp.route("/desk", methods=["GET", "POST"])
def desk():
    if not can_register_letters(current_user):
        abort(403)
    form = DeskForm()
    form.today = local_today()
    if request.method == "GET":
        form.kind.data = request.args.get("kind", Kind.COMPLAINT.value)
        form.received_on.data = form.today
        if current_user.agency.level == "commune" and current_user.agency.admin_unit:
            form.commune_code.data = current_user.agency.admin_unit.code
    if request.method == "POST" and take_signer_lists(form, request.form):
        return render_template("reception/desk.html", form=form)  # the signers' table grew
    if form.validate_on_submit():
        cfg = current_app.config
        files = checked_files(form, cfg["MAX_ATTACHMENT_BYTES"], cfg["MAX_ATTACHMENTS"])
        if files is not None:
            sub = to_submission(form, channel=Channel(form.channel.data), received_on=form.received_on.data,
                                files=files)
            if not form.agency_code.data:
                sub.agency = current_user.agency  # registered at this officer's own desk
            case, key = submit_case(sub, actor=current_user)
            # the filer gets the same printable receipt as on the website
            receipt = receipt_data(case, key)
            db.session.commit()
            session["receipt"] = receipt
            return redirect(url_for("public.receipt"))
    return render_template("reception/desk.html", form=form), (422 if form.errors else 200)


@bp.post("/cases/<code>/withdrawals")
def record_signer_withdrawals(code: str):
    """Some co-signers of a joint complaint withdrew in writing; the case goes on for the others."""
    case = _case_or_abort(code)
    desk = can_register_letters(current_user) and can_view_identity(current_user, case)
    assigned = current_user.has_role(Role.HANDLER) and case.handler_id == current_user.id
    if not case.is_mass or not (desk or assigned):
        abort(403)
    FlaskForm().validate_on_submit() or abort(400)
    try:
        on = date.fromisoformat(request.form.get("withdrawn_on", ""))
        ids = [strict_int(i, minimum=1, maximum=2**31 - 1) for i in request.form.getlist("party")]
        if None in ids:
            raise ValueError("party")
        record_withdrawals(case, ids, current_user, on, today=local_today())
    except ValueError as error:
        db.session.rollback()
        message = labels.tr_message(str(error)) if isinstance(error, FieldError) else \
            _("Enter the date of the withdrawal.")
        return _render_case(case, status=422, withdrawal_error=message)
    db.session.commit()
    flash(_("The withdrawal was recorded; the case goes on for the others."))
    return redirect(url_for("reception.show_case", code=case.tracking_code))


@bp.post("/cases/<code>/review")
def answer_rating_review(code: str):
    """The head of the agency answers a filer's request for review."""
    from ...models import Rating
    from ...services.ratings import answer_review
    case = _case_or_abort(code)
    rating = db.session.scalar(db.select(Rating).where(Rating.case_id == case.id))
    if rating is None or not rating.wants_review or rating.reviewed_on is not None:
        abort(404)
    if not allowed(current_user, "case.review", case.agency_id):
        abort(403)
    FlaskForm().validate_on_submit() or abort(400)
    text = (request.form.get("answer") or "").strip()
    if not text:
        return _render_case(case, status=422, withdrawal_error=None, review_error=_("Write the answer."))
    answer_review(rating, current_user, text[:5000], local_today())
    db.session.commit()
    flash(_("The answer was recorded; the filer sees it on the status page."))
    return redirect(url_for("reception.show_case", code=case.tracking_code))
