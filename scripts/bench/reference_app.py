"""The bare reference: Flask + Flask-SQLAlchemy and nothing of the application.

- ``POST /file``: insert one case-like row (11 columns, in its own table ``bench_ref_cases``)
  from a JSON body and commit: what filing costs without validation, identity, events,
  deadlines or the workflow;
- ``GET /list?agency=ID``: 50 rows of the real ``cases`` table for one agency (the newest),
  rendered as an HTML table by a Jinja template: what a list page costs without the app.

Run: ``BENCH_DATABASE_URL=postgresql+psycopg://... gunicorn -w 2 scripts.bench.reference_app:app``.
"""
from __future__ import annotations

import os
import secrets
from datetime import date, datetime, timezone

from flask import Flask, jsonify, render_template_string, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

db = SQLAlchemy()


class RefCase(db.Model):
    __tablename__ = "bench_ref_cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(10), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    commune_code: Mapped[str] = mapped_column(String(10))
    full_name: Mapped[str] = mapped_column(String(200))
    id_number: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    is_mass: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseRow(db.Model):
    """Read-only view of the application's ``cases`` table (the columns a list shows)."""
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(30))
    received_on: Mapped[date] = mapped_column(Date)
    agency_id: Mapped[int] = mapped_column(Integer)


PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Danh sách</title></head><body>
<table><thead><tr><th>Mã</th><th>Loại</th><th>Tiêu đề</th><th>Trạng thái</th><th>Ngày nhận</th></tr></thead><tbody>
{% for c in rows %}<tr><td>{{ c.tracking_code }}</td><td>{{ c.kind }}</td><td>{{ c.title }}</td>
<td>{{ c.status }}</td><td>{{ c.received_on.strftime('%d/%m/%Y') }}</td></tr>
{% endfor %}</tbody></table></body></html>"""


SIZED = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Thống kê</title></head><body>
<table>{% for _ in range(times) %}{% for n in names %}<tr><td>{{ n }}</td><td>{{ loop.index }}</td><td>90%</td></tr>
{% endfor %}{% endfor %}</table></body></html>"""


FORM_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Gửi đơn</title></head><body>
<h1>Gửi đơn khiếu nại</h1><form method="post">{{ form.csrf_token }}{{ form.kind() }}
{% for f in form if f.name not in ('csrf_token', 'kind') %}<div>{{ f.label }} {{ f() }}
{% for e in f.errors %}<p>{{ e }}</p>{% endfor %}</div>
{% endfor %}<button type="submit">Gửi</button></form></body></html>"""

RECEIPT_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Biên nhận</title></head><body>
<h1>Đơn của bạn đã được tiếp nhận</h1><dl><dt>Mã đơn</dt><dd>{{ row.tracking_code }}</dd>
<dt>Ngày nhận</dt><dd>{{ row.received_on.strftime('%d/%m/%Y') }}</dd><dt>Tiêu đề</dt><dd>{{ row.title }}</dd></dl>
</body></html>"""


def letter_form_class():
    """The public letter form's fields as a bare Flask-WTF form: the commune and agency
    lists queried on every request, rendered option by option by WTForms."""
    from flask_wtf import FlaskForm
    from wtforms import HiddenField, SelectField, StringField, TextAreaField
    from wtforms.validators import DataRequired, Length

    class LetterForm(FlaskForm):
        kind = HiddenField(default="complaint")
        title = StringField("Tiêu đề", validators=[DataRequired(), Length(max=200)])
        content = TextAreaField("Nội dung", validators=[DataRequired(), Length(min=20, max=20000)])
        respondent = StringField("Quyết định bị khiếu nại", validators=[Length(max=500)])
        commune_code = SelectField("Xã, phường", validators=[DataRequired()])
        agency_code = SelectField("Gửi đến", validate_choice=False)
        full_name = StringField("Họ và tên", validators=[DataRequired(), Length(max=120)])
        id_number = StringField("Số CCCD", validators=[DataRequired(), Length(min=12, max=12)])
        phone = StringField("Điện thoại", validators=[Length(max=20)])
        email = StringField("Thư điện tử", validators=[Length(max=200)])
        address = StringField("Địa chỉ", validators=[DataRequired(), Length(max=300)])
    return LetterForm


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "bench-reference-only")
    LetterForm = letter_form_class()
    url = os.environ["BENCH_DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={
        "pool_pre_ping": True,
        "connect_args": {"options": "-c jit=off -c max_parallel_workers_per_gather=0"}})
    db.init_app(app)  # the table is made by the benchmark before the workers start (no race between them)

    @app.get("/ping")
    def ping():
        return "ok"

    @app.post("/file")
    def file_case():
        body = request.get_json()
        person = body.get("petitioner") or {}
        row = RefCase(tracking_code=secrets.token_hex(5).upper(), kind=body["kind"], title=body["title"],
                      content=body["content"], commune_code=body["commune_code"],
                      full_name=person.get("full_name", ""), id_number=person.get("id_number", ""),
                      status="received", received_on=date.today(), received_at=datetime.now(timezone.utc),
                      is_mass=False)
        db.session.add(row)
        db.session.commit()
        return jsonify({"tracking_code": row.tracking_code}), 201

    @app.get("/page")
    def page_of_size():
        """An HTML page of about ``bytes`` bytes, rendered by Jinja from one query (the
        agencies' names, repeated): what a public page of that size costs without the app."""
        size = request.args.get("bytes", 20000, type=int)
        names = [r[0] for r in db.session.execute(db.text("SELECT name FROM agencies ORDER BY id")).all()] or ["-"]
        one = sum(len(n.encode()) + 60 for n in names)
        html = render_template_string(SIZED, names=names, times=max(1, -(-size // max(one, 1))))
        return html

    @app.route("/form", methods=["GET", "POST"])
    def letter_form():
        from flask import redirect, session
        form = LetterForm()
        form.commune_code.choices = [("", "Chọn xã, phường")] + [tuple(r) for r in db.session.execute(db.text(
            "SELECT code, name FROM admin_units WHERE level = 'commune' ORDER BY name")).all()]
        form.agency_code.choices = [("", "Ủy ban nhân dân xã")] + [tuple(r) for r in db.session.execute(db.text(
            "SELECT code, name FROM agencies WHERE level = 'province' ORDER BY name")).all()]
        if form.validate_on_submit():
            row = RefCase(tracking_code=secrets.token_hex(5).upper(), kind=form.kind.data, title=form.title.data,
                          content=form.content.data, commune_code=form.commune_code.data,
                          full_name=form.full_name.data, id_number=form.id_number.data, status="received",
                          received_on=date.today(), received_at=datetime.now(timezone.utc), is_mass=False)
            db.session.add(row)
            db.session.commit()
            session["receipt"] = row.tracking_code
            return redirect("/receipt")
        return render_template_string(FORM_PAGE, form=form)

    @app.get("/receipt")
    def receipt():
        from flask import session
        row = db.session.scalar(db.select(RefCase).where(RefCase.tracking_code == session.pop("receipt", "")))
        return render_template_string(RECEIPT_PAGE, row=row)

    @app.get("/list")
    def list_cases():
        agency = request.args.get("agency", type=int)
        rows = db.session.scalars(db.select(CaseRow).where(CaseRow.agency_id == agency)
                                  .order_by(CaseRow.received_on.desc(), CaseRow.id.desc()).limit(50)).all()
        return render_template_string(PAGE, rows=rows)

    return app


app = create_app() if os.environ.get("BENCH_DATABASE_URL") else None
