"""Award pages: the nominations an official sees, nominating from a finished evaluation, one nomination with
the buttons of its transition table, and the public list of the year's approved awards."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.awards import services
from marketplace.awards.forms import ActionForm, NominationForm
from marketplace.awards.labels import STATE_BADGES, STATE_LABELS, SUBJECT_LABELS
from marketplace.awards.models import Award, AwardState, AwardSubject
from marketplace.errors import DomainError
from marketplace.evaluation.services import grade_label
from marketplace.extensions import db
from marketplace.forms import show_errors
from marketplace.timeutil import local_today

bp = Blueprint("awards", __name__, url_prefix="/awards")
public_bp = Blueprint("public_awards", __name__, url_prefix="/public/awards")
PER_PAGE = 30
LABELS = {"states": STATE_LABELS, "badges": STATE_BADGES, "subjects": SUBJECT_LABELS, "grade": grade_label}


@bp.app_context_processor
def inject() -> dict:
    return {"approved_awards": lambda kind, ids: services.approved_for(AwardSubject(kind), list(ids)),
            "award_title": lambda award: services.award_name(award.subject, award.level), "award_labels": LABELS}


def _award_or_404(award_id: int) -> Award:
    award = services.get_visible_or_none(current_user, award_id)
    if award is None:
        abort(404)
    return award


def _year_arg(default: int | None = None) -> int | None:
    value = request.args.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else default


@bp.get("/")
@login_required
@roles_required(Role.OFFICIAL, Role.COUNSELOR, Role.CENTER_STAFF)
def list_awards():
    year, state = _year_arg(), request.args.get("state", "")
    query = services.visible_awards(current_user)
    if year:
        query = query.where(Award.year == year)
    if state in {s.value for s in AwardState}:
        query = query.where(Award.state == AwardState(state))
    page = db.paginate(query.order_by(Award.year.desc(), Award.id.desc()), per_page=PER_PAGE, error_out=False)
    to_decide = [] if not current_user.is_official else list(db.session.scalars(
        services.visible_awards(current_user).where(Award.approver_department_id == current_user.department_id,
                                                    Award.department_id != current_user.department_id,
                                                    Award.state == AwardState.NOMINATED)))
    return render_template("awards/list.html", page=page, year=year, state=state, to_decide=to_decide,
                           can_nominate=services.can_nominate(current_user), labels=LABELS)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def new_award():
    if not services.can_nominate(current_user):
        abort(403)
    years = services.evaluated_years(current_user)
    year = _year_arg(years[0] if years else local_today().year - 1)
    subject = AwardSubject(request.args.get("subject")) if request.args.get("subject") in ("counselor", "center") \
        else AwardSubject.COUNSELOR
    candidates = services.eligible(current_user, subject, year)
    form = NominationForm()
    form.candidate.choices = [("", _("请选择")), *((str(row.id), f"{row.name}（{row.region.name}，"
                                                               f"{grade_label(grade)}）") for row, grade in candidates)]
    if form.validate_on_submit():
        try:
            candidate = int(form.candidate.data) if form.candidate.data.isdigit() else 0
            award = services.nominate(current_user, services.Nomination(subject, candidate, year, form.reason.data))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error, default="candidate")
        else:
            db.session.commit()
            flash(_("已起草提名：%(name)s %(subject)s", name=services.award_name(award.subject, award.level),
                    subject=award.subject_name), "success")
            return redirect(url_for("awards.show_award", award_id=award.id))
    return render_template("awards/new.html", form=form, year=year, years=years, subject=subject,
                           candidates=candidates,
                           level_name=services.award_name(subject, current_user.department.level),
                           eligible=[grade_label(g) for g in services.eligible_grades()], labels=LABELS)


@bp.get("/<int:award_id>")
@login_required
@roles_required(Role.OFFICIAL, Role.COUNSELOR, Role.CENTER_STAFF)
def show_award(award_id: int):
    award = _award_or_404(award_id)
    return render_template("awards/show.html", award=award, actions=services.actions_for(current_user, award),
                           form=ActionForm(), labels=LABELS)


@bp.post("/<int:award_id>/actions/<action>")
@login_required
@roles_required(Role.OFFICIAL)
def act_on_award(award_id: int, action: str):
    award = _award_or_404(award_id)
    if action not in services.TRANSITIONS:
        abort(404)
    if not services.side_of(current_user, award):
        abort(403)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.transition(award, action, current_user, form.text.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "warning")
        else:
            db.session.commit()
            flash(_("提名状态：%(state)s", state=STATE_LABELS[award.state]), "success")
    else:
        flash("；".join(str(e) for errors in form.errors.values() for e in errors) or _("页面已过期，请刷新后重试"),
              "warning")
    return redirect(url_for("awards.show_award", award_id=award.id))


@public_bp.get("/")
def public_awards():
    """The published list: approved awards of one year (the latest by default); public facts only."""
    years = services.published_years()
    year = _year_arg(years[0] if years else None)
    awards = list(db.session.scalars(services.published(year))) if year else []
    awards.sort(key=lambda a: (a.level.rank, a.subject.value != "counselor"))  # the highest award first
    return render_template("awards/public.html", awards=awards, year=year, years=years)
