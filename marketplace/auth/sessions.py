"""Server-side sessions: Flask-Session's interface (random session id in the cookie, msgspec serialisation,
`regenerate`) with its rows in our own `server_sessions` table.

Flask-Session's own SQLAlchemy backend is not used as is: it defines its model again for every app (several
apps in one process clash), creates its table at start-up (the schema comes only from migrations here), and
commits the request's ORM session when it saves (a refused request's flushed writes would be committed).
This backend writes through its own short transaction on the engine instead, so saving a session never
commits anything else, and a session's row carries its user's id so that every session of an account can be
ended at once (`revoke_user_sessions`).

Sessions live in the database, so signing in keeps working when Redis is down.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import msgspec
from flask import Flask, has_request_context, request
from flask_session.base import Serializer, ServerSideSession, ServerSideSessionInterface
from sqlalchemy import bindparam, delete, select, update

from marketplace.auth.models import ServerSession
from marketplace.extensions import db
from marketplace.timeutil import utcnow

TABLE = ServerSession.__table__
# (user id, user, unread count) read with the session's row, in the request's WSGI environ: the sign-in loader
# takes the user from here when the session names the same account (marketplace/auth/security.py)
SESSION_USER = "fudao.session_user"


class MsgpackSerializer(Serializer):
    """msgpack only: lazily translated strings (flashed messages) are stored as text, and nothing falls back
    to pickle as Flask-Session 0.8's own serializer does for old data."""

    def __init__(self):
        self.encoder = msgspec.msgpack.Encoder(enc_hook=str)
        self.decoder = msgspec.msgpack.Decoder()

    def encode(self, session: ServerSideSession) -> bytes:
        return self.encoder.encode(dict(session))

    def decode(self, serialized_data: bytes) -> dict:
        try:
            return self.decoder.decode(serialized_data)
        except msgspec.DecodeError:
            return {}


class DatabaseSessionInterface(ServerSideSessionInterface):
    ttl = False  # rows expire by their `expiry` column; `flask session_cleanup` (and sign-ins) delete old ones

    def __init__(self, app: Flask):
        super().__init__(app, key_prefix="", use_signer=False, permanent=True,
                         sid_length=32, serialization_format="msgpack", cleanup_n_requests=None)
        self.serializer = MsgpackSerializer()

    def should_set_storage(self, app: Flask, session: ServerSideSession) -> bool:
        """Only a changed session is written (Flask-Session writes every one on every request when
        SESSION_REFRESH_EACH_REQUEST is on). A signed-in session changes at least every SEEN_AT_RESOLUTION
        seconds (`_expire_idle_session`), which moves the row's expiry on; the idle timeout itself is checked
        against `seen_at`."""
        return session.modified

    def open_session(self, app: Flask, request) -> ServerSideSession:
        session = super().open_session(app, request)
        # Found in storage (the cookie's id was kept): saving may only update its row, never bring back a
        # session revoked while this request ran.
        session.stored = session.sid == request.cookies.get(app.config["SESSION_COOKIE_NAME"])
        return session

    def regenerate(self, session: ServerSideSession) -> None:
        """A new id even for an empty session (Flask-Session's own skips those); the old row is deleted when
        the response is saved."""
        session.retired = [*getattr(session, "retired", []), self._get_store_id(session.sid)]
        session.sid = self._generate_sid(self.sid_length)
        session.modified = True
        session.stored = False

    def save_session(self, app: Flask, session: ServerSideSession, response) -> None:
        # The request's unit of work is over: what it did not commit is discarded here rather than at
        # teardown, so the session's own short transaction never waits on the request's (SQLite's one writer).
        db.session.rollback()
        for store_id in getattr(session, "retired", []):
            self._delete_session(store_id)
        super().save_session(app, session, response)

    def _retrieve_session_data(self, store_id: str) -> dict | None:
        # Read in the request's own transaction (its connection loads the user next): no second connection,
        # ping, BEGIN and COMMIT on every request. The row is still read on every request, so a revoked or
        # expired session ends at once; an expired row is deleted through its own short transaction.
        # The signed-in user (with its department) and the navigation's unread count come in the same
        # statement, for the sign-in loader (`SESSION_USER`): one round trip fewer on every signed-in request.
        row = db.session.execute(_row_statement(), {"store_id": store_id}).first()
        if row is None:
            return None
        data, expiry, user, unread = row
        if expiry is None or expiry <= utcnow():
            self._delete_session(store_id)
            return None
        if user is not None and has_request_context():
            request.environ[SESSION_USER] = (user.id, user, unread or 0)
        return self.serializer.decode(bytes(data))

    def _delete_session(self, store_id: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(TABLE).where(TABLE.c.session_id == store_id))

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession, store_id: str) -> None:
        user_id = session.get("_user_id")
        values = {"data": self.serializer.encode(session), "expiry": utcnow() + session_lifetime,
                  "user_id": int(user_id) if user_id else None}
        with db.engine.begin() as connection:
            changed = connection.execute(update(TABLE).where(TABLE.c.session_id == store_id).values(**values))
            if not changed.rowcount and not getattr(session, "stored", False):
                connection.execute(TABLE.insert().values(session_id=store_id, **values))

    def _delete_expired_sessions(self) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(TABLE).where(TABLE.c.expiry <= utcnow()))


def init_sessions(app: Flask) -> None:
    app.session_interface = DatabaseSessionInterface(app)


def regenerate_session() -> None:
    """A new session id for the current session (the old row is deleted): at sign-in and sign-out."""
    from flask import current_app, session

    current_app.session_interface.regenerate(session)


def revoke_user_sessions(user_id: int, keep_sid: str | None = None) -> int:
    """End every session of an account (except `keep_sid`, the caller's own), in the request's transaction."""
    statement = delete(ServerSession).where(ServerSession.user_id == user_id)
    if keep_sid:
        statement = statement.where(ServerSession.session_id != keep_sid)
    return db.session.execute(statement).rowcount or 0


@cache
def _row_statement():
    """The session row's SELECT with its user and the user's unread count, built once: a statement object keeps
    its cache key, so the read that every request makes is not rebuilt and re-keyed each time (~0.1 ms)."""
    from marketplace.accounts.models import User
    from marketplace.notifications.services import unread_subquery

    return (select(TABLE.c.data, TABLE.c.expiry, User, unread_subquery(User.id))
            .outerjoin(User, User.id == TABLE.c.user_id).where(TABLE.c.session_id == bindparam("store_id")))
