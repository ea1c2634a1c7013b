"""The floor that Fudao's pages are measured against (bench/throughput.py): a bare Flask + SQLAlchemy page that
selects 20 counselors on an index and renders them with a cached Jinja template, nothing else (no sessions,
no sign-in, no security headers, no translations).

    BARE_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/fudao_pages17_bench \
        .venv/bin/gunicorn -w 2 -b 127.0.0.1:5622 bench.bare_app:app
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import column, select, table

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>辅导员名录</title></head>
<body><h1>辅导员名录</h1>
<table><thead><tr><th>姓名</th><th>地区</th><th>证书编号</th></tr></thead><tbody>
{% for row in rows %}<tr><td>{{ row.name }}</td><td>{{ row.region_code }}</td><td>{{ row.certificate_no }}</td></tr>
{% endfor %}</tbody></table></body></html>"""

counselors = table("counselors", column("id"), column("name"), column("region_code"), column("certificate_no"),
                   column("status"))

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
    "BARE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/fudao_pages17_bench")
db = SQLAlchemy(app)


@app.get("/")
def page():
    # the primary key's index: the first 20 appointed counselors by id
    rows = db.session.execute(select(counselors).where(counselors.c.status == "appointed")
                              .order_by(counselors.c.id).limit(20)).all()
    return render_template_string(PAGE, rows=rows)  # Jinja caches the compiled template by its source
