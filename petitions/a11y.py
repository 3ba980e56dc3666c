"""What every page does for people using a screen reader, a keyboard or large text.

The field and error macros (``templates/_macros.html``) and the base layout call these
helpers, so every form and page gets the same behaviour from one place:

- :func:`error_list` walks a form (its sub-forms and lists too) and gives each error
  with the id of the control it belongs to: the error summary links each message to
  its field (the GOV.UK pattern);
- :func:`control_attrs` gives a control its ``aria-invalid`` and ``aria-describedby``
  (naming its hint and its error message);
- :func:`note_errors` / :func:`page_has_errors`: a page that shows an error summary or an
  error alert says so in its title ("Lỗi: …" / "Error: …"). The base layout renders the
  content before the ``<title>``, so a macro deep in the page can tell the title.

Whether a field is required is read from its flags (``DataRequired``/``InputRequired``
set ``flags.required``; forms whose requirement depends on the kind of letter set the
flag from the same table their ``validate`` checks), so the mark on the page and the
server's check cannot disagree.
"""
from __future__ import annotations

from flask import Flask, g
from markupsafe import Markup
from wtforms import FieldList, FormField
from wtforms.widgets import ListWidget, TableWidget


def is_group(field) -> bool:
    """A field drawn as several controls (radios, check boxes): its errors link to the first."""
    return isinstance(getattr(field, "widget", None), (ListWidget, TableWidget))


def target_id(field) -> str:
    """The id of the control a link to ``field`` should reach (a group's first option)."""
    if is_group(field):
        for option in field:
            return option.id
    return field.id


def _label(field) -> str:
    label = getattr(field, "label", None)
    return str(label.text) if label is not None and label.text else ""


def _linkable(field) -> bool:
    """A control the reader can reach: not the CSRF token, a hidden field or a whole list."""
    return (field is not None and field.type != "CSRFTokenField" and not isinstance(field, FieldList)
            and getattr(field.widget, "input_type", "") != "hidden")


def error_list(*forms) -> list[tuple[str | None, str, str]]:
    """[(control id or None, the field's label, message)] of every error of these forms, in
    the page's order (sub-forms and lists included; the form's own errors last, unlinked)."""
    out: list[tuple[str | None, str, str]] = []

    def add(field, errors):
        for e in errors or []:
            if isinstance(e, (dict, list, tuple)):
                continue
            if _linkable(field):
                out.append((target_id(field), _label(field), str(e)))
            else:
                out.append((None, "", str(e)))

    def walk(form):
        for field in form:
            if isinstance(field, FormField):
                walk(field.form)
            elif isinstance(field, FieldList):
                for entry in field.entries:
                    if isinstance(entry, FormField):
                        walk(entry.form)
                    else:
                        add(entry, entry.errors)
                add(field, field.errors)
            else:
                add(field, field.errors)
        add(None, getattr(form, "form_errors", None))

    for form in forms:
        if form is not None:
            walk(form)
    return out


def described_by(field, hint: bool = False, extra: str = "") -> str:
    ids = [extra] if extra else []
    if hint:
        ids.append(f"{field.id}-hint")
    if field.errors:
        ids.append(f"{field.id}-error")
    return " ".join(ids)


def control_attrs(field, hint: bool = False, attrs: dict | None = None) -> dict:
    """The attributes a control needs besides the caller's: aria-invalid and
    aria-describedby (hint, then error message)."""
    out = dict(attrs or {})
    ids = described_by(field, hint, out.pop("aria-describedby", ""))
    if ids:
        out["aria-describedby"] = ids
    if field.errors:
        out["aria-invalid"] = "true"
    return out


def note_errors(summary: bool = False) -> Markup:
    """Called by the error macros: the page now carries an error (its title will say so);
    ``summary``: an error summary is shown (the layout then adds none of its own)."""
    g.page_has_errors = True
    if summary:
        g.error_summary_shown = True
    return Markup("")


def error_summary_shown() -> bool:
    return bool(g.get("error_summary_shown"))


def page_has_errors() -> bool:
    return bool(g.get("page_has_errors"))


def register_a11y(app: Flask) -> None:
    app.jinja_env.globals.update(error_list=error_list, control_attrs=control_attrs, described_by=described_by,
                                 note_errors=note_errors, page_has_errors=page_has_errors,
                                 error_summary_shown=error_summary_shown, target_id=target_id,
                                 is_group=is_group)
