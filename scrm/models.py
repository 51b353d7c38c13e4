"""Imports every domain's models so ``Base.metadata`` (and Alembic) sees all tables."""

from scrm.archive.ingest_models import ArchiveCursor, ArchiveGap  # noqa: F401
from scrm.archive.models import ArchivedMessage, ArchiveHead  # noqa: F401
from scrm.compliance.review_models import ReviewCase  # noqa: F401
from scrm.customers.bank_models import (  # noqa: F401
    BankCustomer,
    BankCustomerType,
    CustomerBinding,
    CustomerBindingAudit,
)
from scrm.customers.models import (  # noqa: F401
    CorpTag,
    CorpTagGroup,
    Customer,
    Follow,
    FollowTag,
)
from scrm.directory.models import Department, Staff, StaffRole  # noqa: F401
from scrm.groups.models import CustomerGroup, GroupMember  # noqa: F401
from scrm.inbox.models import InboundEvent  # noqa: F401
from scrm.moments.models import (  # noqa: F401
    MomentFollowUp,
    MomentInteraction,
    MomentPost,
    MomentPublication,
)
from scrm.outbox.models import Delivery  # noqa: F401
from scrm.sop.checkin_models import CheckIn, CheckInRecord  # noqa: F401
from scrm.sop.metric_models import GroupDailyMetric  # noqa: F401
from scrm.sop.models import GroupRoleHolder, SopAssignment, SopTask, SopTemplate  # noqa: F401
from scrm.sync.models import SyncRun  # noqa: F401
from scrm.wecom.models import WeComToken  # noqa: F401
from scrm.worker.models import WorkerLease  # noqa: F401
