"""Extension objects, created unbound; `create_app` binds them with `init_app`."""

from flask import abort, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy as _SQLAlchemy
from flask_sqlalchemy.pagination import SelectPagination
from flask_wtf import CSRFProtect
from sqlalchemy import Enum, MetaData, func, literal_column
from sqlalchemy import select as sql_select
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


MAX_PAGE = 100_000  # beyond it OFFSET would overflow PostgreSQL's BIGINT long before any real list ends
MAX_PER_PAGE = 100


class SQLAlchemy(_SQLAlchemy):
    def paginate(self, select, *, page=None, per_page=None, max_per_page=None, error_out=True, count=True,
                 count_cap=None, count_floor=None, rows=False):
        """Pages read `page`/`per_page` from the query string: garbage means the first page (as before), a page
        number past MAX_PAGE is a 404 instead of a database overflow.

        With `count_cap`, the total is counted only up to that many rows (a count over a LIMIT subquery reads
        at most cap + 1 rows instead of scanning the whole table); past it the page's `total` is the cap and
        `capped` is true, and the templates say "超过 N 条" and invite the reader to narrow the search.

        `count_floor` is a number of rows the select is known to have at least (from elsewhere): when it is past
        the cap, nothing is counted and the page is capped.

        With `rows`, the items are the select's rows (all its columns) instead of its first column's values (the
        ORM objects of `select(Model)`)."""
        if count_cap is not None:
            pagination = self.paginate(select, page=page, per_page=per_page, max_per_page=max_per_page,
                                       error_out=error_out, count=False, rows=rows)
            if count_floor is not None and count_floor > count_cap:
                pagination.total, pagination.capped = count_cap, True
                return pagination
            # one constant per row: the count needs no columns (nor the ORM's eager joins), so PostgreSQL can
            # answer from an index alone
            limited = (select.with_only_columns(literal_column("1"), maintain_column_froms=True).order_by(None)
                       .limit(count_cap + 1).subquery())
            counted = self.session.execute(sql_select(func.count()).select_from(limited)).scalar_one()
            pagination.total = min(counted, count_cap)
            pagination.capped = counted > count_cap
            return pagination
        if request:
            if page is None:
                page = request.args.get("page", 1, type=int)
            if per_page is None:
                per_page = request.args.get("per_page", 20, type=int)
        if page is not None and page > MAX_PAGE:
            abort(404)
        if rows:
            pagination = RowPagination(select=select, session=self.session(), page=page, per_page=per_page,
                                       max_per_page=max_per_page or MAX_PER_PAGE, error_out=error_out, count=count)
        else:
            pagination = super().paginate(select, page=page, per_page=per_page,
                                          max_per_page=max_per_page or MAX_PER_PAGE, error_out=error_out,
                                          count=count)
        pagination.capped = False
        return pagination


class RowPagination(SelectPagination):
    """A page of a select's rows (`paginate(..., rows=True)`)."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
mail = Mail()
api = Api()


def value_enum(enum_class: type, name: str, length: int = 24) -> Enum:
    """A Python enum stored by its values in a VARCHAR with a CHECK constraint (portable across databases)."""
    return Enum(enum_class, name=name, native_enum=False, length=length, create_constraint=True,
                values_callable=lambda members: [m.value for m in members])
