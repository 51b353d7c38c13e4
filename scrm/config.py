"""Every setting scrm reads, with its safe default.

Order of precedence (later wins): these defaults → ``instance/config.py`` →
environment variables prefixed ``SCRM_`` (``SCRM_WECOM_CORP_ID=…``) → the
``test_config`` mapping given to :func:`scrm.create_app`.
``flask --app app scrm check-config`` explains every missing or malformed value.
"""

# Signs session cookies and seals bulk-add mobiles. No default: outside tests the web refuses
# to start without one of at least 32 characters (scrm/secret_key.py); make one with
#   python -c "import secrets; print(secrets.token_hex(32))"
# and set it as SCRM_SECRET_KEY or in instance/config.py. The demo makes its own in
# instance/secret_key.
SECRET_KEY = ""

# Database. Default: SQLite file in the instance folder (filled in by create_app).
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_ENGINE_OPTIONS: dict = {}

# WeCom corp (企业ID), shown in 管理后台 → 我的企业 → 企业信息.
WECOM_CORP_ID = ""
# Secret of the app allowed to call 客户联系 APIs (客户联系 → 可调用接口的应用).
WECOM_CONTACT_SECRET = ""
# The self-built app (自建应用) that hosts the sidebar and sends RM notifications.
WECOM_AGENT_ID = ""
WECOM_AGENT_SECRET = ""
# Callback (接收事件服务器) Token and EncodingAESKey (43 characters).
WECOM_CALLBACK_TOKEN = ""
WECOM_CALLBACK_AES_KEY = ""
# Seconds a callback timestamp may differ from now; 0 turns the check off.
WECOM_CALLBACK_MAX_SKEW = 300
# Base of the WeCom server API (or of anything answering its paths, ending in /cgi-bin/).
WECOM_API_BASE = "https://qyapi.weixin.qq.com/cgi-bin/"
# Seconds to wait for one WeCom HTTP call.
WECOM_HTTP_TIMEOUT = 10
# Retries for transient WeCom errors (-1, 45009, 45033, HTTP 5xx) and the base backoff.
WECOM_MAX_RETRIES = 3
WECOM_RETRY_BACKOFF = 0.5

# Inbound events: attempts before an event is marked failed, and the base backoff (seconds).
INBOX_MAX_ATTEMPTS = 5
INBOX_RETRY_BACKOFF = 30
# Seconds a worker's claim on an inbound event keeps other workers off it unless renewed. A
# live worker renews the claim on the event it is applying every third of this (a heartbeat),
# however long the event takes; a worker that dies stops renewing, and another worker takes
# its events once this has passed. Keep it well inside WeCom's 20 s for a welcome message:
# claim + WORKER_POLL_INTERVAL + the time to apply and send must fit in 20 s.
INBOX_CLAIM_SECONDS = 6
# Worker: seconds between queue polls (also how soon an idle worker sees rows a dead worker's
# claims freed), and the clock leader lease length.
WORKER_POLL_INTERVAL = 1.0
WORKER_LEASE_SECONDS = 30
# Hour (Asia/Shanghai) of the nightly full reconciliation sync run by the clock.
SYNC_NIGHTLY_HOUR = 2
SCRM_TIMEZONE = "Asia/Shanghai"
# Full sync page sizes: customers per batch/get_by_user page (≤100), chats per groupchat/list
# page (≤1000). Smaller pages mean more, shorter steps to resume from after an outage.
SYNC_CUSTOMER_PAGE_SIZE = 100
SYNC_GROUP_PAGE_SIZE = 1000

# Outbox (outbound deliveries): attempts before a delivery is dead-lettered, and the base
# backoff in seconds (doubled per attempt, with jitter).
OUTBOX_MAX_ATTEMPTS = 5
OUTBOX_RETRY_BACKOFF = 30
# Seconds a worker's claim on a delivery lasts unless renewed; renewed every third of this
# while the delivery is being sent, however long WeCom takes. After a worker dies, another
# one settles its deliveries once this has passed (welcome messages have 20 s in all).
OUTBOX_CLAIM_SECONDS = 6

# 会话内容存档 (conversation archive) ingest.
# Secret of the 会话内容存档 app (管理后台 → 管理工具 → 会话内容存档); msgaudit/* needs it.
WECOM_ARCHIVE_SECRET = ""
# Where archived chats come from: "" (off) or "package.module:factory", in production the
# bank's Finance SDK adapter (docs/conversation-archive.md); factory(app) → ArchiveSource.
ARCHIVE_SOURCE = ""
# RSA private keys by publickey_ver: {3: "-----BEGIN PRIVATE KEY-----…"} or {3: "/path.pem"}.
ARCHIVE_PRIVATE_KEYS: dict = {}
# Messages asked for per GetChatData call (WeCom allows at most 1000).
ARCHIVE_PULL_LIMIT = 1000
# Seconds between the clock's archive pulls (msgaudit_notify also triggers one).
ARCHIVE_PULL_SECONDS = 60
# Folder of the lexicon files (sensitive_words/); a relative path is taken from the project root.
LEXICON_DIR = "sensitive_words"
# Seconds between checks of the lexicon files for changes; running processes reload within this.
LEXICON_RELOAD_SECONDS = 10
# Seconds between SOP clock runs (materialise due tasks) in the clock leader.
SOP_CLOCK_SECONDS = 60
# Folder of the SOP templates (*.yaml); a relative path is taken from the project root.
SOP_TEMPLATE_DIR = "sop_templates"

# Web sign-in (sidebar and console): WeCom's OAuth2 page (网页授权, snsapi_base) and its web
# login (企业微信扫码登录).
WECOM_OAUTH_AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
WECOM_WEB_LOGIN_URL = "https://login.work.weixin.qq.com/wwlogin/sso/login"
# Session cookie: Secure (HTTPS only) in production. Only plain-HTTP loopback runs (tests, the
# demo) turn it off; scrm check-config does not. Even off, every cookie set on a request that
# came over HTTPS (directly or through a trusted proxy) is Secure. HttpOnly keeps it from page
# scripts; SameSite=Lax still sends it on WeCom's OAuth redirect back (a top-level GET).
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Seconds a sign-in lasts (8 hours: one working day) however active; then the user signs in
# again. Sessions are rows on the server (web_session): sign-out, a disabled account, a changed
# password, a revoked role or leaving WeCom ends them at once.
PERMANENT_SESSION_LIFETIME = 8 * 3600
# Seconds without a request after which a session ends (30 minutes).
SESSION_IDLE_SECONDS = 30 * 60
# Local console accounts: wrong passwords in a row that lock the account until an admin runs
# `scrm unlock-admin` (the lock and the unlock are in the access audit).
LOGIN_MAX_FAILURES = 5
# Failed local sign-ins one client address may make (Flask-Limiter's notation), whatever the
# usernames; more answer 429 until the window passes.
LOGIN_RATE_LIMIT = "10 per minute"
# Where the throttle counts: memory:// counts per process, so with several gunicorn workers
# or machines use a shared store, e.g. "redis://localhost:6379/0" (pip install redis).
RATELIMIT_STORAGE_URI = "memory://"
# Set the session cookie only when the session changes, not on every response: a sign-in lasts
# PERMANENT_SESSION_LIFETIME from sign-in anyway, and the sidebar's parallel API reads must not
# race a sign-in in progress with copies of the old cookie.
SESSION_REFRESH_EACH_REQUEST = False
# Reverse proxies in front of scrm that set X-Forwarded-For, -Proto and -Host (the bank's TLS
# terminator, a load balancer), counted from scrm outwards; each must overwrite, not pass on,
# what the client sent. 0 (the default) trusts none: a client cannot claim HTTPS or another
# host. Set right, request.is_secure and the sign-in's return address (https://…/auth/wecom/
# callback) are what the browser used, and cookies are Secure. The sign-in throttle counts per
# client address: behind one proxy set 1, or every client shares the proxy's address and limit.
TRUSTED_PROXY_COUNT = 0
# Content-Security-Policy of every answer (scrm/web/security.py): scripts, styles and fetches
# from this server only, never framed. Images may also come from data: and these hosts: WeCom's
# avatar servers (customer and staff avatars in the sidebar). Add a host here if WeCom serves
# avatars from another one.
CSP_IMG_HOSTS = [
    "https://wework.qpic.cn",
    "https://wx.qlogo.cn",
    "https://p.qlogo.cn",
    "https://thirdwx.qlogo.cn",
]
# More sources per directive for what a bank adds, e.g. its image CDN or an APM collector:
# {"img-src": ["https://img.example-bank.cn"], "connect-src": ["https://apm.example-bank.cn"]}.
# Never 'unsafe-inline' or 'unsafe-eval' for scripts: scrm needs neither.
CSP_EXTRA_SOURCES: dict = {}
# The npm project whose node_modules holds WeUI, @wecom/jssdk and ECharts (npm ci --prefix …).
# A relative path is taken from the scrm package folder.
FRONTEND_DIR = "frontend"
# Demo mode: the sidebar may use the demo stand-in for the WeCom JS bridge (?demo=1). Never on
# in production; the demo command turns it on.
DEMO_MODE = False

# Custody (客户资产保全): who is proposed to inherit a leaver's customers and groups (离职继承):
# "branch_lead" (the lead of the leaver's department or the nearest one above) or a userid.
CUSTODY_INHERIT_TO = "branch_lead"

# Review SLA (复核时效): age-bucket bounds in hours, and hours after which a waiting case is
# overdue.
REVIEW_SLA_BOUNDS_HOURS = [4, 24, 72]
REVIEW_SLA_OVERDUE_HOURS = 24

# Welcome text (欢迎语) for channel adds whose channel has none; "" sends nothing.
ACQUISITION_DEFAULT_WELCOME = ""

# Corp tag groups (企业标签组) only branch leads may set on customers, e.g. ["资产等级"].
CUSTOMER_TAG_GROUPS_LOCKED_FOR_RMS: list[str] = []

# Most messages in one evidence export (证据导出); larger ones are refused, never cut short.
ARCHIVE_EXPORT_MAX_ROWS = 100_000

# Mass messages (客户群发): leave out customers who refused the conversation archive (会话存档).
CAMPAIGNS_REQUIRE_ARCHIVE_AGREEMENT = True

# Milliseconds the sidebar waits for the WeCom JS bridge before saying "open this in WeCom".
SIDEBAR_BRIDGE_WAIT_MS = 8000
