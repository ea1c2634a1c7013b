"""Imports every model module, so that metadata (for Alembic and the mappers) is complete."""

from marketplace.accounts.models import ApiToken, Department, Role, User  # noqa: F401
from marketplace.agreements.models import (  # noqa: F401
    Agreement,
    AgreementEvent,
    AgreementItem,
    Attachment,
    ServiceRecord,
    Signature,
)
from marketplace.audit.models import AuditEntry  # noqa: F401
from marketplace.auth.models import LoginThrottle, RecoveryCode, ServerSession  # noqa: F401
from marketplace.centers.models import (  # noqa: F401
    CenterDocument,
    CenterEvent,
    Offering,
    OfferingPriceChange,
    ServiceCenter,
)
from marketplace.directory.models import (  # noqa: F401
    ChangeRequest,
    Counselor,
    CounselorEvent,
    YearlyConfirmation,
    YearlyUnlock,
)
from marketplace.entities.models import Entity, EntityClaim, EntityClaimEvent  # noqa: F401
from marketplace.evaluation.models import (  # noqa: F401
    CenterEvaluation,
    CounselorEvaluation,
    EntityImprovement,
    EvaluationScheme,
)
from marketplace.jobs.models import Job  # noqa: F401
from marketplace.needs.models import Invitation, Need, NeedEvent  # noqa: F401
from marketplace.notices.models import Notice, NoticeAttachment, NoticeReceipt  # noqa: F401
from marketplace.notifications.models import Notification  # noqa: F401
from marketplace.numbering import NumberCounter  # noqa: F401
from marketplace.outbox.models import OutboxMessage  # noqa: F401
from marketplace.oversight.models import RegionStat  # noqa: F401
from marketplace.providers.models import NeedMessage, ReviewNote  # noqa: F401
from marketplace.ranking.models import MatchLog, ModelVersion  # noqa: F401
from marketplace.regions.models import Level, Region  # noqa: F401
from marketplace.reports.models import CasePhoto, ReportAttachment, ReportComment, TypicalCase, WorkReport  # noqa: F401
from marketplace.training.models import Training, TrainingEnrollment  # noqa: F401
