"""The officials' view of matching: where open needs find no good candidate."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.ranking.gaps import GOOD_SCORE, MAX_NEEDS, coverage_gaps

bp = Blueprint("ranking", __name__, url_prefix="/matching")


@bp.get("/gaps")
@login_required
@roles_required(Role.OFFICIAL)
def list_gaps():
    rows, gaps, examined = coverage_gaps(current_user)
    return render_template("ranking/gaps.html", rows=rows, gaps=gaps[:50], total=len(gaps), examined=examined,
                           good_score=GOOD_SCORE, max_needs=MAX_NEEDS)
