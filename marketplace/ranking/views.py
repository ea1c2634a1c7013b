"""The officials' view of matching: where open needs find no good candidate, and the training runs' reports."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.extensions import db
from marketplace.ranking.gaps import GOOD_SCORE, MAX_NEEDS, coverage_gaps
from marketplace.ranking.models import ModelVersion
from marketplace.regions.models import Level

REPORTS_SHOWN = 50

bp = Blueprint("ranking", __name__, url_prefix="/matching")


@bp.get("/gaps")
@login_required
@roles_required(Role.OFFICIAL)
def list_gaps():
    rows, gaps, examined = coverage_gaps(current_user)
    return render_template("ranking/gaps.html", rows=rows, gaps=gaps[:50], total=len(gaps), examined=examined,
                           good_score=GOOD_SCORE, max_needs=MAX_NEEDS)


@bp.get("/models")
@login_required
@roles_required(Role.OFFICIAL)
def list_models():
    """Every training run's report (national officials: the model serves the whole country)."""
    if current_user.level is not Level.NATIONAL:
        abort(403)
    rows = db.session.scalars(select(ModelVersion).order_by(ModelVersion.trained_at.desc(), ModelVersion.id.desc())
                              .limit(REPORTS_SHOWN)).all()
    return render_template("ranking/models.html", rows=rows, limit=REPORTS_SHOWN)
