"""The one mechanism that scopes queries to a user's jurisdiction and role.

A model opts in by subclassing `Scoped` and naming the column that places a row in a region
(`__scope_region__`) and/or the column naming the user who owns it (`__scope_owner__`). Officials see the
rows whose region lies in their department's subtree; every user sees the rows they own. Views and API
endpoints read through `scoped()` and `get_scoped_or_404()`; none filters by jurisdiction by hand.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from flask import abort
from sqlalchemy import ColumnElement, Select, bindparam, false, or_, select, true

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
    from marketplace.regions.models import ROOT_CODE

    path = user.jurisdiction_path if user is not None and user.is_authenticated else None
    if path is None:
        return false()
    if path == f"/{ROOT_CODE}/":
        return true()
    return _in_subtree(column, _like_prefix(path))


def _like_prefix(path: str) -> str:
    """A LIKE pattern for the paths under `path` (escaped with "\\": paths hold digits and "/" only, but the
    rule does not rely on it)."""
    return path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _in_subtree(column: Any, pattern: Any) -> ColumnElement[bool]:
    from marketplace.regions.models import Region

    return column.in_(select(Region.code).where(Region.path.like(pattern, escape="\\")))


def scope_shape(model: type[Scoped], user: User | None) -> tuple[str, dict[str, Any]]:
    """Which rule scopes `model` for `user`, and its values: ("none", {}), ("all", {}), ("region",
    {"scope_like": …}) for officials (the rows placed in their department's subtree), ("owner", {"scope_user":
    id}) for everyone else (what they own). The rule itself is `_scope(model, shape, values)`: `scope_clause`
    writes the values into the clause, `bound_scope_clause` leaves them as bind parameters, for statements built
    once per shape and executed with the values (`get_scoped_or_404`, the need page's reads)."""
    from marketplace.regions.models import ROOT_CODE

    if user is None or not user.is_authenticated:
        return "none", {}
    if user.is_official and model.__scope_region__:
        path = user.jurisdiction_path
        if path is None:
            return "none", {}
        if path == f"/{ROOT_CODE}/":
            return "all", {}
        return "region", {"scope_like": _like_prefix(path)}
    if owner_columns(model):
        return "owner", {"scope_user": user.id}
    return "none", {}


def _scope(model: type[Scoped], shape: str, values: dict[str, Any]) -> ColumnElement[bool]:
    if shape == "all":
        return true()
    if shape == "region":
        return _in_subtree(getattr(model, model.__scope_region__), values["scope_like"])
    if shape == "owner":
        # One rule per request keeps the clause index-friendly (no OR across columns) for one owner column.
        owners = [getattr(model, name) == values["scope_user"] for name in owner_columns(model)]
        return owners[0] if len(owners) == 1 else or_(*owners)
    return false()


def scope_clause(model: type[Scoped], user: User | None) -> ColumnElement[bool]:
    """Officials see rows placed in their jurisdiction (their own rows there included); everyone else sees
    what they own."""
    shape, values = scope_shape(model, user)
    return _scope(model, shape, values)


def bound_scope_clause(model: type[Scoped], shape: str) -> ColumnElement[bool]:
    """`scope_clause` for a shape (`scope_shape`), its values left as bind parameters :scope_like / :scope_user."""
    return _scope(model, shape, {"scope_like": bindparam("scope_like"), "scope_user": bindparam("scope_user")})


def scoped(model: type[M], user: User | None) -> Select[tuple[M]]:
    """`select(model)` limited to what `user` may see."""
    return select(model).where(scope_clause(model, user))


@cache
def _by_key_statement(model: type[Scoped], shape: str) -> Select:
    pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    return select(model).where(bound_scope_clause(model, shape), pk == bindparam("scope_pk"))


def get_scoped(model: type[M], ident: Any, user: User | None) -> M | None:
    """The row with primary key `ident` if the user may see it, else None. The statement is built once per
    model and scope shape (detail pages read one on every view)."""
    shape, values = scope_shape(model, user)
    return db.session.scalars(_by_key_statement(model, shape), {**values, "scope_pk": ident}).first()


def get_scoped_or_404(model: type[M], ident: Any, user: User | None) -> M:
    """The row with primary key `ident` if the user may see it; 404 otherwise (no hint that it exists)."""
    row = get_scoped(model, ident, user)
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
