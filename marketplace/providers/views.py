"""Provider pages (public, with more for the signed-in), answering and hiding reviews, question threads."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.providers import services, threads
from marketplace.providers.forms import HideForm, MessageForm, ReplyForm

bp = Blueprint("providers", __name__, url_prefix="/providers")


def provider_url(kind, provider_id) -> str:
    """The provider page of a counselor or a center (`kind` a string or an enum with that value)."""
    kind = getattr(kind, "value", kind)
    return url_for("providers.counselor" if kind == "counselor" else "providers.center", provider_id=provider_id)


@bp.app_context_processor
def inject() -> dict:
    from marketplace.entities.labels import TYPE_LABELS
    from marketplace.evaluation.services import grade_label

    return {"provider_url": provider_url, "entity_types": TYPE_LABELS, "grade_label": grade_label}


def _page(kind: str, provider_id: int):
    provider = services.visible_provider(kind, provider_id, current_user)
    return render_template("providers/show.html", reply_form=ReplyForm(), hide_form=HideForm(),
                           **services.page(kind, provider, current_user))


@bp.get("/counselors/<int:provider_id>")
def counselor(provider_id: int):
    return _page("counselor", provider_id)


@bp.get("/centers/<int:provider_id>")
def center(provider_id: int):
    return _page("center", provider_id)


def _back_to(agreement):
    kind = agreement.provider_kind.value
    endpoint = "providers.counselor" if kind == "counselor" else "providers.center"
    return redirect(url_for(endpoint, provider_id=agreement.counselor_id or agreement.center_id) + "#reviews")


@bp.post("/reviews/<int:agreement_id>/reply")
@login_required
def reply_review(agreement_id: int):
    agreement = services.rated_agreement_or_404(agreement_id)
    if not services.can_reply(current_user, agreement):
        abort(403)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "warning")
        return _back_to(agreement)
    try:
        services.reply_to_review(agreement, current_user, form.reply.data)
    except DomainError as error:
        flash(error.message, "warning")
    else:
        db.session.commit()
        flash(_("已回复"), "success")
    return _back_to(agreement)


@bp.post("/reviews/<int:agreement_id>/hide")
@login_required
def hide_review(agreement_id: int):
    agreement = services.rated_agreement_or_404(agreement_id)
    if not services.can_hide(current_user, agreement):
        abort(403)
    form = HideForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "warning")
        return _back_to(agreement)
    try:
        services.hide_review(agreement, current_user, form.reason.data)
    except DomainError as error:
        flash(error.message, "warning")
    else:
        db.session.commit()
        flash(_("已隐藏这条评价"), "success")
    return _back_to(agreement)


def _thread_or_404(need_id: int, kind: str, candidate_id: int):
    need = db.session.get(Need, need_id)
    if need is None:
        abort(404)
    candidate = threads.candidate_or_404(kind, candidate_id)
    if not threads.can_read(current_user, need, candidate):
        abort(404)
    return need, candidate


@bp.route("/questions/<int:need_id>/<kind>/<int:candidate_id>", methods=["GET", "POST"])
@login_required
def show_thread(need_id: int, kind: str, candidate_id: int):
    need, candidate = _thread_or_404(need_id, kind, candidate_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            threads.post(current_user, need, candidate, form.body.data)
        except DomainError as error:
            if error.status == 403:
                abort(403)
            form.body.errors = [error.message]
        else:
            db.session.commit()
            flash(_("已发送，对方会收到通知"), "success")
            return redirect(url_for("providers.show_thread", need_id=need.id, kind=kind, candidate_id=candidate.id))
    messages = threads.messages(need, candidate)
    return render_template("providers/thread.html", need=need, candidate=candidate, messages=messages, form=form,
                           side=threads.side_of(current_user, need, candidate),
                           can_write=threads.can_write(current_user, need, candidate, messages),
                           max_messages=threads.MAX_MESSAGES)
