"""The one mechanism that scopes queries to a user's jurisdiction and role.

A model opts in by subclassing `Scoped` and naming the column that places a row in a region
(`__scope_region__`) and/or the column naming the user who owns it (`__scope_owner__`). Officials see the
rows whose region lies in their department's subtree; every user sees the rows they own. Views and API
endpoints read through `scoped()` and `get_scoped_or_404()`; none filters by jurisdiction by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from flask import abort
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from marketplace.extensions import db

if TYPE_CHECKING:
    from marketplace.accounts.models import User

M = TypeVar("M", bound="Scoped")


class Scoped:
    __scope_region__: ClassVar[str | None] = None
    # One column, or several when a row has more than one party (an agreement's entity and provider).
    __scope_owner__: ClassVar[str | tuple[str, ...] | None] = None


def owner_columns(model: type[Scoped]) -> tuple[str, ...]:
    owner = model.__scope_owner__
    return (owner,) if isinstance(owner, str) else tuple(owner or ())


def in_jurisdiction(column: Any, user: User | None) -> ColumnElement[bool]:
    """`column` (a region code) lies in the user's jurisdiction."""
    from marketplace.regions.models import ROOT_CODE, Region

    path = user.jurisdiction_path if user is not None and user.is_authenticated else None
    if path is None:
        return false()
    if path == f"/{ROOT_CODE}/":
        return true()
    return column.in_(select(Region.code).where(Region.path.startswith(path, autoescape=True)))


def scope_clause(model: type[Scoped], user: User | None) -> ColumnElement[bool]:
    """Officials see rows placed in their jurisdiction (their own rows there included); everyone else sees
    what they own. One rule per request keeps the clause index-friendly (no OR across columns)."""
    if user is None or not user.is_authenticated:
        return false()
    if user.is_official and model.__scope_region__:
        return in_jurisdiction(getattr(model, model.__scope_region__), user)
    columns = owner_columns(model)
    if len(columns) == 1:
        return getattr(model, columns[0]) == user.id
    if columns:
        return or_(*(getattr(model, name) == user.id for name in columns))
    return false()


def scoped(model: type[M], user: User | None) -> Select[tuple[M]]:
    """`select(model)` limited to what `user` may see."""
    return select(model).where(scope_clause(model, user))


def get_scoped_or_404(model: type[M], ident: Any, user: User | None) -> M:
    """The row with primary key `ident` if the user may see it; 404 otherwise (no hint that it exists)."""
    pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    row = db.session.scalars(scoped(model, user).where(pk == ident)).first()
    if row is None:
        abort(404)
    return row


def in_region(column: Any, region_code: str | None) -> ColumnElement[bool]:
    """`column` (a region code) lies in `region_code` or below it — the "region, any level, including all
    below" filter of list pages. An unknown or empty code filters nothing."""
    from marketplace.regions.models import Region

    region = db.session.get(Region, region_code) if region_code else None
    if region is None:
        return true()
    return column.in_(select(Region.code).where(Region.path.startswith(region.path, autoescape=True)))


def region_in_jurisdiction(region_code: str, user: User | None) -> bool:
    """Whether a single region code lies in the user's jurisdiction (for validating input)."""
    from marketplace.regions.models import Region

    path = user.jurisdiction_path if user is not None and user.is_authenticated else None
    if path is None:
        return False
    region = db.session.get(Region, region_code)
    return region is not None and region.path.startswith(path)
