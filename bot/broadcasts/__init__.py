"""Health-education broadcasts: audiences, campaigns, per-recipient deliveries, opt-outs and reports.

A campaign is content (rendered once when it is created, so the preview is exactly what is sent),
an audience and a list of delivery methods in order of preference. Starting a campaign writes
one delivery row per recipient in one transaction; send jobs then work through the rows batch by
batch, honouring opt-outs and limits right before every send, through per-method rate limits and
retries. Channels plug in as `DeliveryMethod`s (integrations/wechat/mass.py, …): this package
never imports a channel.

Exactly-once: a method that is `idempotent` (WeChat mass send with `clientmsgid`) is simply sent
again with the same key after a crash. For the others a row left `sending` by a crashed worker is
recorded as failed ("interrupted": the outcome is unknown) and never re-sent, so no patient gets
a message twice.
"""
from bot.broadcasts.audiences import Plan, Profile, check_audience, matches, plan, profiles
from bot.broadcasts.campaigns import (
    cancel_campaign,
    create_campaign,
    get_campaign,
    list_campaigns,
    resume_campaign,
    schedule_campaign,
    start_campaign,
)
from bot.broadcasts.model import (
    ARTICLE_EXPIRED,
    FINISHED,
    HOSPITAL_TZ,
    INTERRUPTED,
    METHODS,
    OPTED_OUT,
    OVER_LIMIT,
    STATUSES,
    TAG_SOURCES,
    Audience,
    BroadcastError,
    Content,
    DeliveryMethod,
    Outcome,
    Recipient,
    TagSource,
    TransientDeliveryError,
    register_method,
    register_tag_source,
)
from bot.broadcasts.opt_outs import record_opt_in, record_opt_out
from bot.broadcasts.rate_limit import RateLimiter
from bot.broadcasts.reports import Report, deliveries, report
from bot.broadcasts.sending import mark_delivered, send_batch
from bot.broadcasts.settings import Settings
from bot.broadcasts.tables import CampaignRow, DeliveryRow, OptOutRow, UserTagRow
from bot.broadcasts.tags import TAG_SYNC_HOUR, replace_user_tags, schedule_tag_sync, sync_tags

__all__ = [
    "ARTICLE_EXPIRED", "FINISHED", "HOSPITAL_TZ", "INTERRUPTED", "METHODS", "OPTED_OUT", "OVER_LIMIT", "STATUSES",
    "TAG_SOURCES", "TAG_SYNC_HOUR", "Audience", "BroadcastError", "CampaignRow", "Content", "DeliveryMethod",
    "DeliveryRow", "OptOutRow", "Outcome", "Plan", "Profile", "RateLimiter", "Recipient", "Report", "Settings",
    "TagSource", "TransientDeliveryError", "UserTagRow", "cancel_campaign", "check_audience", "create_campaign",
    "deliveries", "get_campaign", "list_campaigns", "mark_delivered", "matches", "plan", "profiles", "record_opt_in",
    "record_opt_out", "register_method", "register_tag_source", "replace_user_tags", "report", "resume_campaign",
    "schedule_campaign", "schedule_tag_sync", "send_batch", "start_campaign", "sync_tags",
]
