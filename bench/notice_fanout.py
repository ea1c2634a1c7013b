"""Benchmark: publishing a province notice to 30,000 recipients (the fan-out through the outbox, in batches).

    .venv/bin/python bench/notice_fanout.py [--recipients 30000] [--emails 0.1]

On a scratch PostgreSQL database (bench/scratch.py): every region loaded, the Hebei province department and
`--recipients` users spread over Hebei's counties (counselors, farm operators, center staff, officials of the
counties), a share of them with an e-mail address. The province publishes a notice to every kind; the outbox
runs the tasks in this process (Celery's eager mode: the same task code a worker runs, batch after batch, each
its own transaction). Prints the time from pressing 发布 to the last batch committed, the mail time apart,
and the time to run the first batch again (a redelivered message: nothing new is written).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import bench_app, scratch_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=30_000)
    parser.add_argument("--emails", type=float, default=0.1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with scratch_database() as url:
        app, counties = bench_app(url)
        app.config["CELERY"]["task_always_eager"] = True
        app.extensions["celery"].conf.task_always_eager = True
        app.config["MAIL_BACKEND"] = "locmem"
        with app.app_context():
            run(app, [c.code for c in counties if c.code.startswith("13")], args)


def run(app, counties: list[str], args) -> None:
    from sqlalchemy import func, insert, select

    from marketplace.accounts.models import Department, Role, User
    from marketplace.extensions import db
    from marketplace.notices import services
    from marketplace.notices.models import NoticeReceipt, RecipientKind
    from marketplace.notifications.models import Notification
    from marketplace.outbox import services as outbox
    from marketplace.regions.models import Level

    province = Department(name="河北省农业农村厅", level=Level.PROVINCE, region_code="130000")
    db.session.add(province)
    db.session.flush()
    official = User(username="hebei", display_name="省级管理员", role=Role.OFFICIAL, region_code="130000",
                    department_id=province.id, password_hash="x", must_change_password=False)
    db.session.add(official)
    roles = [Role.COUNSELOR, Role.OPERATOR, Role.OPERATOR, Role.CENTER_STAFF]
    every = max(1, round(1 / args.emails)) if args.emails else 0
    db.session.execute(insert(User), [
        {"username": f"u{i}", "display_name": f"用户{i}", "role": roles[i % len(roles)],
         "region_code": counties[i % len(counties)], "password_hash": "x", "must_change_password": False,
         "is_enabled": True, "email": f"u{i}@bench.local" if every and i % every == 0 else None}
        for i in range(args.recipients)])
    db.session.commit()
    notice = services.create_notice(official, services.NoticeInput(
        title="关于做好2025年度辅导员名录信息更新工作的通知",
        body="各市农业农村局：请组织辖区内辅导员完成信息更新。" * 5,
        kinds=list(RecipientKind)))
    db.session.commit()
    notice_id = notice.id
    mailed: list[float] = []
    from marketplace.notices import services as notice_services
    original = notice_services.mail_notifications

    def timed_mail(notice, user_ids):
        t0 = time.perf_counter()
        try:
            return original(notice, user_ids)
        finally:
            mailed.append(time.perf_counter() - t0)

    notice_services.mail_notifications = timed_mail
    # A worker's loop: the outbox hands each message over after its transaction commits; the tasks run one
    # after the other here (Celery's eager mode would nest each batch inside the previous one's commit).
    queue: list = []
    outbox._run_eagerly = lambda celery, row: queue.append((celery, row))
    started = time.perf_counter()
    services.transition(notice, "publish", official)
    db.session.commit()  # the outbox sends the first batch; each batch queues the next
    while queue:
        celery, row = queue.pop(0)
        if row.task_name not in celery.tasks:
            celery.loader.import_default_modules()
        celery.tasks[row.task_name].apply(args=row.args, kwargs=row.kwargs, task_id=outbox.task_id_of(row.id))
    elapsed = time.perf_counter() - started
    db.session.expire_all()
    receipts = db.session.scalar(select(func.count()).select_from(NoticeReceipt)
                                 .where(NoticeReceipt.notice_id == notice_id))
    messages = db.session.scalar(select(func.count()).select_from(Notification))
    print(f"{receipts} recipients delivered ({messages} inbox messages) in {elapsed:.1f} s "
          f"({services.BATCH_SIZE} per batch, {-(-receipts // services.BATCH_SIZE)} batches); "
          f"of which mail tasks {sum(mailed):.1f} s for {len(mailed)} batches")
    notice = db.session.get(type(notice), notice_id)
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        cProfile.runctx("services.fan_out_batch(notice, 0)", globals(), locals(), "/tmp/fanout.prof")
        db.session.rollback()
        pstats.Stats("/tmp/fanout.prof").sort_stats("cumulative").print_stats(25)
    t0 = time.perf_counter()
    again = services.fan_out_batch(notice, 0)
    db.session.rollback()
    print(f"the first batch run again: {again} new, {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
