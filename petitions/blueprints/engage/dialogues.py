"""Direct dialogues of the heads of agencies with citizens and businesses, and their commitments."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...models import Commitment, Dialogue, User
from ...services.engagement import (EngagementError, add_commitment, can_record_engagement, complete_commitment,
                                    heads_of, officers_of, record_dialogue)
from ...web import local_today
from . import bp
from .forms import CommitmentDoneForm, CommitmentForm, DialogueForm
from .routes import check_access, load_or_404
from .sessions import _form_error


@bp.route("/dialogues/new", methods=["GET", "POST"])
def new_dialogue():
    agency = current_user.agency
    check_access(agency.id, record=True)
    form = DialogueForm()
    heads = heads_of(agency.id)
    form.head.choices = [(h.id, h.full_name) for h in heads]
    officers = [("", _("Choose an officer"))] + [(u.id, u.full_name) for u in officers_of(agency.id)]
    for entry in form.commitments:
        entry.form.owner.choices = officers
    if request.method == "GET":
        form.held_on.data = local_today()
    status = 200
    if form.validate_on_submit():
        commitments = [(e.form.text.data, e.form.due_on.data, db.session.get(User, e.form.owner.data))
                       for e in form.commitments if e.form.text.data]
        try:
            dialogue = record_dialogue(current_user, agency, head=db.session.get(User, form.head.data),
                                       held_on=form.held_on.data, topic=form.topic.data,
                                       participants=form.participants.data, issues=form.issues.data,
                                       commitments=commitments, today=local_today())
        except EngagementError as error:
            db.session.rollback()
            _form_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("The dialogue was recorded."))
            return redirect(url_for("engage.show_dialogue", dialogue_id=dialogue.id))
    elif request.method == "POST":
        status = 422
    return render_template("engage/dialogue_new.html", form=form, agency=agency, heads=heads), status


def _dialogue_or_abort(dialogue_id: str, record: bool = False) -> Dialogue:
    dialogue = load_or_404(Dialogue, dialogue_id)
    check_access(dialogue.agency_id, record=record)
    return dialogue


def _commitment_form(dialogue: Dialogue, formdata=None) -> CommitmentForm:
    form = CommitmentForm(formdata=formdata) if formdata is not None else CommitmentForm(formdata=None)
    form.commitment_owner.choices = [("", _("Choose an officer"))] + [
        (u.id, u.full_name) for u in officers_of(dialogue.agency_id)]
    return form


def _render_dialogue(dialogue: Dialogue, form=None, status=200, done_form=None, done_id=None):
    blank = CommitmentDoneForm(formdata=None)
    blank.done_on.data = local_today()
    return render_template("engage/dialogue.html", dialogue=dialogue,
                           may_record=can_record_engagement(current_user, dialogue.agency_id),
                           form=form or _commitment_form(dialogue), done_form=blank,
                           failed_done=done_form, failed_done_id=done_id), status


@bp.get("/dialogues/<dialogue_id>")
def show_dialogue(dialogue_id: str):
    return _render_dialogue(_dialogue_or_abort(dialogue_id))


@bp.post("/dialogues/<dialogue_id>/commitments")
def add_dialogue_commitment(dialogue_id: str):
    dialogue = _dialogue_or_abort(dialogue_id, record=True)
    form = _commitment_form(dialogue, request.form)
    if not form.validate_on_submit():
        return _render_dialogue(dialogue, form, 422)
    try:
        add_commitment(dialogue, current_user, form.commitment_text.data, form.commitment_due_on.data,
                       db.session.get(User, form.commitment_owner.data))
    except EngagementError as error:
        db.session.rollback()
        _form_error(form, error)
        return _render_dialogue(dialogue, form, 422)
    db.session.commit()
    flash(_("The commitment was added."))
    return redirect(url_for("engage.show_dialogue", dialogue_id=dialogue.id) + "#commitments")


@bp.post("/commitments/<commitment_id>/done")
def complete_dialogue_commitment(commitment_id: str):
    commitment = load_or_404(Commitment, commitment_id)
    dialogue = commitment.dialogue
    check_access(dialogue.agency_id, record=True)
    form = CommitmentDoneForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_dialogue(dialogue, status=422, done_form=form, done_id=commitment.id)
    try:
        complete_commitment(commitment, current_user, local_today(), result=form.result.data,
                            done_on=form.done_on.data)
    except EngagementError as error:
        db.session.rollback()
        _form_error(form, error)
        return _render_dialogue(dialogue, status=422, done_form=form, done_id=commitment.id)
    else:
        db.session.commit()
        flash(_("Marked done."))
    return redirect(url_for("engage.show_dialogue", dialogue_id=dialogue.id) + "#commitments")
