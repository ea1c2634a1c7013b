"""The demo seed leaves a default scheme, this year's results and fresh roll-ups (and can run twice)."""

from sqlalchemy import func, select

from marketplace.evaluation.models import CounselorEvaluation, EvaluationScheme
from marketplace.oversight.models import RegionStat


def test_seed_demo_builds_results_and_rollups(app, db, demo):
    from marketplace.demo.services import seed_demo

    db.session.commit()
    seed_demo()  # idempotent
    db.session.commit()
    assert db.session.scalar(select(EvaluationScheme).where(EvaluationScheme.region_code == "000000"))
    results = db.session.scalar(select(func.count()).select_from(CounselorEvaluation))
    assert results > 0
    national = db.session.get(RegionStat, "000000")
    assert national.stats["counselors"] > 0 and national.refreshed_at is not None
