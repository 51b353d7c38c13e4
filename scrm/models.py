"""Imports every domain's models so ``Base.metadata`` (and Alembic) sees all tables."""

from scrm.acquisition.models import (  # noqa: F401
    AcquisitionChannel,
    AddImport,
    AddTask,
    ChannelAttribution,
)
from scrm.archive.chain.models import ArchivedMessage, ArchiveHead  # noqa: F401
from scrm.archive.ingest.models import ArchiveCursor, ArchiveGap  # noqa: F401
from scrm.archive.search.models import ArchiveSearchDoc, ArchiveSearchFact  # noqa: F401
from scrm.audit.models import AccessAudit  # noqa: F401
from scrm.campaigns.models import (  # noqa: F401
    CampaignRecipient,
    CampaignSender,
    MassCampaign,
    Segment,
)
from scrm.compliance.lexicon.models import LexiconSnapshot  # noqa: F401
from scrm.compliance.review.models import (  # noqa: F401
    AllowProposal,
    BulkRequest,
    OfficerBranch,
    ReviewCase,
    ReviewEvent,
)
from scrm.custody.models import Handover, HandoverCustomer, HandoverGroup  # noqa: F401
from scrm.customers.identity.models import (  # noqa: F401
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
from scrm.customers.notes.models import CustomerNote, CustomerNoteRevision  # noqa: F401
from scrm.dashboards.models import RmDailyMetric  # noqa: F401
from scrm.directory.models import Department, Staff, StaffRole  # noqa: F401
from scrm.directory.staff_tags.models import StaffTag, StaffTagMember  # noqa: F401
from scrm.groups.models import CustomerGroup, GroupMember  # noqa: F401
from scrm.inbox.models import InboundEvent  # noqa: F401
from scrm.moments.models import (  # noqa: F401
    MomentFollowUp,
    MomentInteraction,
    MomentPost,
    MomentPublication,
)
from scrm.outbox.models import Delivery  # noqa: F401
from scrm.sessions.models import WebSession  # noqa: F401
from scrm.sidebar.models import (  # noqa: F401
    BranchAddress,
    SendAttempt,
    SidebarMaterial,
    SidebarScript,
)
from scrm.sop.checkins.models import CheckIn, CheckInRecord  # noqa: F401
from scrm.sop.metrics.models import GroupDailyMetric  # noqa: F401
from scrm.sop.models import GroupRoleHolder, SopAssignment, SopTask, SopTemplate  # noqa: F401
from scrm.sync.models import SyncRun  # noqa: F401
from scrm.web.signin.models import ConsoleAccount  # noqa: F401
from scrm.wecom.models import WeComToken  # noqa: F401
from scrm.worker.models import WorkerLease  # noqa: F401
