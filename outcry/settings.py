"""Settings for outcry, read from environment variables (see docs/configuration.md)."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from outcry.core.env import (
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_secret,
    env_str,
    generated_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("OUTCRY_VAR_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("OUTCRY_DEBUG", default=False)
SECRET_KEY = env_secret("SECRET_KEY") or generated_secret(VAR_DIR / "secret_key")

PORT = env_int("PORT", default=8000, minimum=1, maximum=65535)
BASE_URL = env_str("OUTCRY_BASE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
_base = urlparse(BASE_URL)
if _base.scheme not in {"http", "https"} or not _base.hostname:
    raise ImproperlyConfigured(
        f"OUTCRY_BASE_URL must be an absolute http(s) URL; got {BASE_URL!r}."
    )
ALLOWED_HOSTS = [
    _base.hostname,
    "127.0.0.1",
    "localhost",
    *env_list("OUTCRY_ALLOWED_HOSTS", default=[]),
]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]
SECURE = _base.scheme == "https"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if SECURE:
    # Behind https everything is https: the proxy says which requests came in over
    # it, plain http is redirected (except the health check a local load balancer
    # may make), and browsers are told to use https only for a year.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("OUTCRY_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("OUTCRY_HSTS_SECONDS", default=365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("OUTCRY_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("OUTCRY_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Asking to be built into browsers' HSTS list is the operator's own decision
        # (hard to undo), not something check --deploy should nag every install about.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Nothing outcry serves uses these; a page (or something injected into one) asking
# for them is refused by the browser.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in [
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
)

INSTALLED_APPS = [
    # django.contrib.admin, with outcry's admin site (two-factor sign-in).
    "outcry.core.accounts.apps.OutcryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "django_rq",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "anymail",
    "outcry.core",
    "outcry.campaigns",
    "outcry.supporters",
    "outcry.actions",
    "outcry.petitions",
    "outcry.directory",
    "outcry.letters",
    "outcry.updates",
    "outcry.events",
    "outcry.pledges",
    "outcry.mailings",
    "outcry.cases",
    "outcry.organise",
    "outcry.site",
]

MIDDLEWARE = [
    "outcry.core.middleware.PermissionsPolicyMiddleware",
    # A database or Redis that cannot be reached gives a 503 page, not a traceback.
    "outcry.core.middleware.ServiceUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that reads or writes the body; anonymous visitors' text only (BREACH).
    "outcry.site.middleware.SafeGZipMiddleware",
    # A kept public page is answered here, before the rest (core.pagecache).
    "outcry.site.middleware.CachedPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "outcry.core.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "outcry.core.accounts.sessions.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "outcry.urls"
WSGI_APPLICATION = "outcry.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "outcry" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "outcry.core.context_processors.site",
            ],
        },
    },
]

# Form fields through Jinja2 where Django ships its templates for it (core/renderer.py).
FORM_RENDERER = "outcry.core.renderer.FormRenderer"

DATABASES = {"default": env_database("DATABASE_URL", default=f"sqlite:///{VAR_DIR}/outcry.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
# Seconds to wait for Redis before giving up (the cache and the task queue).
REDIS_TIMEOUT = env_int("OUTCRY_REDIS_TIMEOUT", default=2, minimum=1)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("OUTCRY_CACHE_PREFIX", "outcry"),
            # Fail fast when Redis is down or stuck: the request gets the 503 page in
            # seconds (core.views.service_unavailable) instead of holding a web worker
            # until the proxy gives up. redis-py reconnects by itself once it is back.
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
            },
        }
    }
else:
    # One server, one cache per process: fine for page fragments and counters.
    # Rate limits are not kept here but in the database (RATELIMIT_STORE).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Kept in each process even with Redis: what every request reads and any process
# rebuilds in milliseconds (the rendered campaign page, the petition a signature
# needs). Fetching those from Redis cost 0.35 ms of CPU per request (bench/).
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"}

# Background tasks (docs/configuration.md, "Task queue"). With Redis, an RQ queue on it
# (django-tasks-rq), run by `manage.py rqworker`; else rows in the database
# (django-tasks-db), run by `manage.py db_worker`. `manage.py serve` starts the right one.
# Both apps are installed either way, so the schema (their migrations) is the same.
if REDIS_URL:
    TASKS = {"default": {"BACKEND": "outcry.core.rq_backend.RQBackend", "QUEUES": ["default"]}}
    # django-rq reads only the URL of a queue (not CONNECTION_KWARGS), so the timeouts
    # go in its query string: enqueueing fails fast, like the cache, when Redis is down.
    # An rq worker raises its own read timeout above its blocking wait for jobs.
    _redis = urlparse(REDIS_URL)
    _query = {
        "socket_connect_timeout": str(REDIS_TIMEOUT),
        "socket_timeout": str(REDIS_TIMEOUT),
    } | dict(parse_qsl(_redis.query))
    RQ_QUEUES = {"default": {"URL": _redis._replace(query=urlencode(_query)).geturl()}}
    # Django tasks need django-tasks-rq's job class: the default for every rq command.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# No queue dashboard in the admin: `manage.py rqstats` shows the queue to operators.
RQ_SHOW_ADMIN_LINK = False

SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else ("django.contrib.sessions.backends.db")
)
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Organisers' sign-in (docs/configuration.md, "Organisers' sign-in").
# Failed sign-ins are counted per username and, separately, per network by
# django-axes; a locked-out attempt is refused before its password is hashed.
AUTHENTICATION_BACKENDS = [
    "outcry.core.accounts.throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("OUTCRY_LOGIN_FAILURE_LIMIT", default=5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("OUTCRY_LOGIN_LOCKOUT_MINUTES", default=15, minimum=1)
# Password checks allowed to run at once on this machine (each takes a core for a
# good part of a second); more are refused at once so public pages keep the rest.
LOGIN_CONCURRENT_CHECKS = env_int(
    "OUTCRY_LOGIN_CONCURRENT_CHECKS",
    default=max(1, (os.process_cpu_count() or 1) // 2),
    minimum=1,
)
# A slot rests after a slow check as long as the check took (throttle.py). Tests,
# whose hasher is cheap and whose machine may be loaded, turn it off (conftest.py).
LOGIN_SLOT_RESTS = True
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
# The "IP address" axes stores is a keyed hash of the network (DESIGN: no raw IP at rest).
AXES_CLIENT_IP_CALLABLE = "outcry.core.accounts.throttle.axes_network"
AXES_LOCKOUT_CALLABLE = "outcry.core.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
# A lockout ends LOGIN_LOCKOUT_MINUTES after it began, however often it is knocked on.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # no record of every sign-in with its browser
AXES_SENSITIVE_PARAMETERS = ["username", "password", "otp_token", "ip_address"]
AXES_ENABLE_ADMIN = True
# Two-factor sign-in (django-otp): organisers enrol at /admin/two-factor/.
ADMIN_REQUIRE_2FA = env_bool("OUTCRY_ADMIN_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = "outcry"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Sessions end SESSION_HOURS after signing in, or SESSION_IDLE_MINUTES after the
# last request, whichever comes first (outcry/core/accounts/sessions.py).
SESSION_HOURS = env_int("OUTCRY_SESSION_HOURS", default=8, minimum=1)
SESSION_IDLE_MINUTES = env_int("OUTCRY_SESSION_IDLE_MINUTES", default=30, minimum=1)
SESSION_COOKIE_AGE = SESSION_HOURS * 3600

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
# Languages campaign content may be written in (a superset of the interface languages).
CONTENT_LANGUAGES = [("en", "English"), ("ko", "한국어"), ("zh-hans", "中文")]
LOCALE_PATHS = [BASE_DIR / "outcry" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
# Where Django's date and time formats are not what readers expect (Korean: 오후 11:59).
FORMAT_MODULE_PATH = ["outcry.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "outcry" / "static"]
# Public files the site writes itself (campaign images, re-encoded): var/media by default,
# any Django storage backend (e.g. S3 through django-storages) by OUTCRY_MEDIA_STORAGE.
# /media/ (site.views.media) serves only the names outcry gives them; with a backend that
# serves files itself, OUTCRY_MEDIA_URL points at it.
MEDIA_ROOT = Path(env_str("OUTCRY_MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
MEDIA_URL = env_str("OUTCRY_MEDIA_URL", "/media/")
STORAGES = {
    "default": {
        "BACKEND": env_str("OUTCRY_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 3600
# Files no public URL serves (the photos of cases' protected records): only an admin view
# that checks the organiser's organisation reads them. Keep it outside STATIC_ROOT.
PRIVATE_MEDIA_ROOT = Path(env_str("OUTCRY_PRIVATE_DIR", str(VAR_DIR / "private"))).resolve()

EMAIL_OUTBOX_DIR = VAR_DIR / "outbox"
MAILERS = {"default": env_email("EMAIL_URL", outbox_dir=EMAIL_OUTBOX_DIR)}
# Mail about a campaign goes out in its name (Campaign.sender); the rest in the site's.
DEFAULT_FROM_EMAIL = env_str("OUTCRY_FROM_EMAIL", f'"{_base.hostname}" <noreply@{_base.hostname}>')
# Domains a campaign may send from (its own address, e.g. campaign@nkfreedom.org): only
# those whose SPF, DKIM and DMARC records let this server send (docs/operations.md).
# "nkfreedom.org=coalition-nk" lets only the campaigns led by the organisation with that
# slug use it ("a.org=one+two": either); a domain alone, every campaign. The domain of
# OUTCRY_FROM_EMAIL is every campaign's. {domain: slugs of the organisations, or empty}
_from_domain = DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">").strip()
SENDER_DOMAINS: dict[str, frozenset[str]] = {
    domain.lower().strip(): frozenset(slug.strip() for slug in owners.split("+") if slug.strip())
    for domain, _equals, owners in (
        entry.partition("=")
        for entry in [*env_list("OUTCRY_SENDER_DOMAINS", default=[]), _from_domain]
    )
    if domain.strip()
}
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Bounces and complaints from the email provider's tracking webhook, at
# /mail/events/<provider>/ (supporters/mailbox.py; docs/operations.md). Each
# OUTCRY_ANYMAIL_<NAME> becomes anymail's setting <NAME> (WEBHOOK_SECRET,
# MAILGUN_WEBHOOK_SIGNING_KEY, POSTAL_WEBHOOK_KEY...).
MAIL_EVENTS_PROVIDER = env_str("OUTCRY_MAIL_EVENTS_PROVIDER").lower()
ANYMAIL = {
    name.removeprefix("OUTCRY_ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("OUTCRY_ANYMAIL_") and value
}
# Providers whose webhook signs each request with a key of its own; every other one is
# checked with the shared secret of HTTP basic auth (OUTCRY_ANYMAIL_WEBHOOK_SECRET).
_SIGNED_EVENTS = {"mailgun": "MAILGUN_WEBHOOK_SIGNING_KEY", "postal": "POSTAL_WEBHOOK_KEY"}
_MAIL_EVENT_PROVIDERS = {
    "mailgun",
    "postal",
    "postmark",
    "sendgrid",
    "brevo",
    "mailjet",
    "sparkpost",
}
if MAIL_EVENTS_PROVIDER:
    if MAIL_EVENTS_PROVIDER not in _MAIL_EVENT_PROVIDERS:
        raise ImproperlyConfigured(
            "OUTCRY_MAIL_EVENTS_PROVIDER must be one of"
            f" {', '.join(sorted(_MAIL_EVENT_PROVIDERS))}; got {MAIL_EVENTS_PROVIDER!r}."
        )
    _needed = _SIGNED_EVENTS.get(MAIL_EVENTS_PROVIDER, "WEBHOOK_SECRET")
    if _needed not in ANYMAIL:
        # Unchecked, anyone could post "bounced" for every supporter and silence a campaign.
        raise ImproperlyConfigured(
            f"OUTCRY_MAIL_EVENTS_PROVIDER={MAIL_EVENTS_PROVIDER} needs OUTCRY_ANYMAIL_{_needed},"
            " so that only the provider can report bounces and complaints."
        )
# Temporary refusals in a row after which a supporter gets no more bulk mail.
SOFT_BOUNCE_LIMIT = env_int("OUTCRY_SOFT_BOUNCE_LIMIT", default=3, minimum=1)

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# A tile server for maps, recorded for a later interactive map: nothing uses it yet. By
# default there is none and maps are drawn on the server from bundled geography
# (core/worldmap.py), so no page asks another host for anything.
MAP_TILES = env_str("OUTCRY_MAP_TILES").strip()
if MAP_TILES and not (
    MAP_TILES.startswith("https://") and all(part in MAP_TILES for part in ("{z}", "{x}", "{y}"))
):
    raise ImproperlyConfigured(
        f"OUTCRY_MAP_TILES must be an https:// URL with {{z}}, {{x}} and {{y}}; got {MAP_TILES!r}."
    )

# Abuse control. OUTCRY_RATELIMIT=off is for load tests only.
RATELIMIT_ENABLED = env_bool("OUTCRY_RATELIMIT", default=True)
RATELIMIT_SIGN_PER_NETWORK = env_int("OUTCRY_RATELIMIT_SIGN_PER_NETWORK", default=60, minimum=1)
RATELIMIT_SIGN_PER_EMAIL = env_int("OUTCRY_RATELIMIT_SIGN_PER_EMAIL", default=5, minimum=1)
RATELIMIT_LETTER_PER_NETWORK = env_int("OUTCRY_RATELIMIT_LETTER_PER_NETWORK", default=30, minimum=1)
RATELIMIT_LETTER_PER_EMAIL = env_int("OUTCRY_RATELIMIT_LETTER_PER_EMAIL", default=10, minimum=1)
RATELIMIT_RSVP_PER_NETWORK = env_int("OUTCRY_RATELIMIT_RSVP_PER_NETWORK", default=30, minimum=1)
RATELIMIT_RSVP_PER_EMAIL = env_int("OUTCRY_RATELIMIT_RSVP_PER_EMAIL", default=10, minimum=1)
RATELIMIT_PLEDGE_PER_NETWORK = env_int("OUTCRY_RATELIMIT_PLEDGE_PER_NETWORK", default=30, minimum=1)
RATELIMIT_PLEDGE_PER_EMAIL = env_int("OUTCRY_RATELIMIT_PLEDGE_PER_EMAIL", default=10, minimum=1)
RATELIMIT_UPDATES_PER_NETWORK = env_int(
    "OUTCRY_RATELIMIT_UPDATES_PER_NETWORK", default=30, minimum=1
)
RATELIMIT_UPDATES_PER_EMAIL = env_int("OUTCRY_RATELIMIT_UPDATES_PER_EMAIL", default=5, minimum=1)
RATELIMIT_REPORT_PER_NETWORK = env_int("OUTCRY_RATELIMIT_REPORT_PER_NETWORK", default=10, minimum=1)
# Asking for a "your data" link (supporters/views.py): per network and per address.
RATELIMIT_DATA_PER_NETWORK = env_int("OUTCRY_RATELIMIT_DATA_PER_NETWORK", default=10, minimum=1)
RATELIMIT_DATA_PER_EMAIL = env_int("OUTCRY_RATELIMIT_DATA_PER_EMAIL", default=3, minimum=1)
RATELIMIT_WINDOW_SECONDS = env_int("OUTCRY_RATELIMIT_WINDOW", default=600, minimum=1)
# Where limits are counted so that every web process sees one count: Redis (the
# default cache) when REDIS_URL is set, else the database (core.RateCounter).
RATELIMIT_STORE = env_str("OUTCRY_RATELIMIT_STORE", "cache" if REDIS_URL else "database")
if RATELIMIT_STORE not in {"cache", "database"} or (RATELIMIT_STORE == "cache" and not REDIS_URL):
    raise ImproperlyConfigured(
        "OUTCRY_RATELIMIT_STORE must be database, or cache where REDIS_URL is set "
        f"(a cache in each process would count each process apart); got {RATELIMIT_STORE!r}."
    )
# The proof-of-work challenge (core/challenge.py) a form asks for while it is flooded:
# more than CHALLENGE_PER_NETWORK submissions from one network in a minute (that
# network only), or more than CHALLENGE_SITE_PER_MINUTE from the whole site in a
# minute (everyone). Without JavaScript, waiting CHALLENGE_WAIT_SECONDS and sending
# the form again passes instead. Off with OUTCRY_RATELIMIT=off.
CHALLENGE_PER_NETWORK = env_int("OUTCRY_CHALLENGE_PER_NETWORK", default=10, minimum=0)
CHALLENGE_SITE_PER_MINUTE = env_int("OUTCRY_CHALLENGE_SITE_PER_MINUTE", default=600, minimum=0)
CHALLENGE_WAIT_SECONDS = env_int("OUTCRY_CHALLENGE_WAIT_SECONDS", default=10, minimum=1)
# How hard the puzzle is: the browser tries up to this many numbers (half on average).
CHALLENGE_MAX_NUMBER = env_int("OUTCRY_CHALLENGE_MAX_NUMBER", default=100_000, minimum=1000)
# How long a challenge (or a wait) may be used for, once.
CHALLENGE_MAX_AGE_SECONDS = env_int("OUTCRY_CHALLENGE_MAX_AGE", default=600, minimum=60)
# Signatures from one network beyond this many per minute are flagged for review.
SUSPICIOUS_CLUSTER_SIZE = env_int("OUTCRY_SUSPICIOUS_CLUSTER", default=10, minimum=1)
# How many reverse proxies of yours stand in front of outcry. Each appends the address
# it saw to X-Forwarded-For, so the client is the Nth entry from the right. 0: trust
# no header and use the connection's address.
TRUSTED_PROXY_COUNT = env_int("OUTCRY_TRUSTED_PROXIES", default=0, minimum=0, maximum=10)

# Jobs `manage.py run_periodic` runs (started by `manage.py serve`): dotted path, seconds
# between runs. The sweeps resume work a killed process left behind, so their timing,
# with how long a send may take before it counts as interrupted, sets how soon that
# happens (docs/operations.md, "When a process dies").
PERIODIC_JOBS = [
    (
        "outcry.petitions.services.requeue_stale_confirmations",
        env_int("OUTCRY_CONFIRMATION_SWEEP_SECONDS", default=120, minimum=1),
    ),
    (
        "outcry.core.tasks.requeue_stale_emails",
        env_int("OUTCRY_CONFIRMATION_SWEEP_SECONDS", default=120, minimum=1),
    ),
    (
        "outcry.petitions.services.recount_all_signatures",
        env_int("OUTCRY_RECOUNT_SECONDS", default=600, minimum=1),
    ),
    ("outcry.supporters.services.anonymise_inactive_supporters", 600),
    ("outcry.actions.intake.forget_failed", 3600),
    ("outcry.core.ratelimit.delete_expired_counters", 300),
]
# A confirmation email (its task, or its ledger row) being sent for longer than this was
# interrupted by a dead worker, and is queued again. Keep it well above the time one send
# can honestly take (the SMTP timeout), or a slow send is sent twice.
CONFIRMATION_STALE_SECONDS = env_int("OUTCRY_CONFIRMATION_STALE_SECONDS", default=900, minimum=1)
# Emails to supporters (core/ledger.py): attempts before a ledger row is FAILED, and the
# wait after the first failed one (doubled after each, at most six hours).
EMAIL_MAX_ATTEMPTS = env_int("OUTCRY_EMAIL_MAX_ATTEMPTS", default=6, minimum=1)
EMAIL_RETRY_SECONDS = env_int("OUTCRY_EMAIL_RETRY_SECONDS", default=60, minimum=1)
# The mail engine (core/mail/engine.py): sender processes `serve` starts (0: run
# `manage.py send_mail` elsewhere), emails each claims at a time, the most each sends a
# second (0: as fast as the server takes them; a provider's limit divided by the senders),
# and where each keeps its journal of what is on the wire.
# One sender per two cores: on a 2-core machine a second sender took the web's CPU in a
# surge (209 against 424 signatures/s acknowledged), and one keeps up: it fills in each
# petition confirmation from one built message (core.mail.merge), about 1 ms of CPU each, so
# the "yes -> email" delay stays under two seconds in bench/'s surges.
MAIL_SENDERS = env_int(
    "OUTCRY_MAIL_SENDERS", default=max(1, (os.process_cpu_count() or 2) // 2), minimum=0
)
MAIL_BATCH_SIZE = env_int("OUTCRY_MAIL_BATCH", default=100, minimum=1)
MAIL_RATE = env_int("OUTCRY_MAIL_RATE", default=0, minimum=0)
MAIL_JOURNAL_DIR = VAR_DIR / "mail"
# Send each email in the process that queued it, once its transaction commits, and let
# run_periodic send retries: for development and tests, where no sender runs.
MAIL_SEND_ON_COMMIT = env_bool("OUTCRY_MAIL_SEND_ON_COMMIT", default=False)
# The intake (actions/intake.py): a signature is acknowledged once one row holding what
# was typed is committed; workers (`manage.py process_intake`, OUTCRY_INTAKE_WORKERS of
# them started by `serve`; 0: run them elsewhere) write the rest, OUTCRY_INTAKE_BATCH
# actions a transaction. OUTCRY_INTAKE_INLINE processes each in the request that took it
# instead: for development and tests, where no worker runs.
INTAKE_WORKERS = env_int("OUTCRY_INTAKE_WORKERS", default=1, minimum=0)
INTAKE_BATCH = env_int("OUTCRY_INTAKE_BATCH", default=500, minimum=1)
INTAKE_INLINE = env_bool("OUTCRY_INTAKE_INLINE", default=False)

# How many rows the public signature counter is spread over (see petitions/services.py).
COUNTER_SHARDS = env_int("OUTCRY_COUNTER_SHARDS", default=16, minimum=1)
# Seconds a rendered campaign page and its counter may be served from cache.
PAGE_CACHE_SECONDS = env_int("OUTCRY_PAGE_CACHE_SECONDS", default=3, minimum=0)
CONFIRMATION_MAX_AGE_DAYS = env_int("OUTCRY_CONFIRMATION_DAYS", default=14, minimum=1)
# Supporters' data (supporters/services.py): how long an emailed "your data" link works,
# and after how many days without any action a supporter is anonymised (0: never).
DATA_LINK_MAX_AGE_HOURS = env_int("OUTCRY_DATA_LINK_HOURS", default=24, minimum=1)
RETENTION_DAYS = env_int("OUTCRY_RETENTION_DAYS", default=730, minimum=0)
# How long the link in an email opens the page listing every organisation a supporter
# hears from (supporters/preferences.py); stopping mail works from a link of any age.
PREFERENCES_LINK_DAYS = env_int("OUTCRY_PREFERENCES_LINK_DAYS", default=60, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"}
    },
    "filters": {"one_line_warning": {"()": "outcry.core.logs.OneLineWarning"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "refused": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["one_line_warning"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("OUTCRY_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # Refused requests (bad Host, too many fields, too large): one line each.
        "django.security": {"handlers": ["refused"], "propagate": False},
    },
}
CSRF_FAILURE_VIEW = "outcry.core.views.csrf_failure"

# Delivering letters to targets (letters/delivery.py; docs/configuration.md, "Letters").
FAX_BACKEND = env_str("OUTCRY_FAX_BACKEND", "none").strip().lower()
if FAX_BACKEND not in {"interfax", "email", "none"}:
    raise ImproperlyConfigured(
        f"OUTCRY_FAX_BACKEND must be interfax, email or none; got {FAX_BACKEND!r}."
    )
INTERFAX_URL = env_str("OUTCRY_INTERFAX_URL", "https://rest.interfax.net").rstrip("/")
if urlparse(INTERFAX_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(f"OUTCRY_INTERFAX_URL must be an http(s) URL; got {INTERFAX_URL!r}.")
INTERFAX_USERNAME = env_str("OUTCRY_INTERFAX_USERNAME")
INTERFAX_PASSWORD = env_secret("OUTCRY_INTERFAX_PASSWORD")
if FAX_BACKEND == "interfax" and not (INTERFAX_USERNAME and INTERFAX_PASSWORD):
    raise ImproperlyConfigured(
        "OUTCRY_FAX_BACKEND=interfax needs OUTCRY_INTERFAX_USERNAME and OUTCRY_INTERFAX_PASSWORD."
    )
FAX_EMAIL_PATTERN = env_str("OUTCRY_FAX_EMAIL_PATTERN")
if FAX_BACKEND == "email" and "{number}" not in FAX_EMAIL_PATTERN:
    raise ImproperlyConfigured(
        "OUTCRY_FAX_BACKEND=email needs OUTCRY_FAX_EMAIL_PATTERN with {number}, "
        f"e.g. {{number}}@fax.example.net; got {FAX_EMAIL_PATTERN!r}."
    )
FAX_EMAIL_FROM = env_str("OUTCRY_FAX_EMAIL_FROM", DEFAULT_FROM_EMAIL)
FAX_TIMEOUT_SECONDS = env_int("OUTCRY_FAX_TIMEOUT", default=60, minimum=1)
DELIVERY_MAX_ATTEMPTS = env_int("OUTCRY_DELIVERY_MAX_ATTEMPTS", default=6, minimum=1)
DELIVERY_RETRY_SECONDS = env_int("OUTCRY_DELIVERY_RETRY_SECONDS", default=60, minimum=1)
# At most this many messages per target per hour on each channel; more wait, none is dropped.
DELIVERY_RATE_PER_TARGET_HOUR = {
    "email": env_int("OUTCRY_DELIVERY_RATE_EMAIL", default=60, minimum=1),
    "fax": env_int("OUTCRY_DELIVERY_RATE_FAX", default=20, minimum=1),
}
# A delivery left "sending" this long was interrupted (see recover_deliveries).
DELIVERY_STALE_SECONDS = env_int("OUTCRY_DELIVERY_STALE_SECONDS", default=900, minimum=60)
DELIVERY_SWEEP_SECONDS = env_int("OUTCRY_DELIVERY_SWEEP_SECONDS", default=300, minimum=1)
PERIODIC_JOBS.append(("outcry.letters.tasks.recover_deliveries", DELIVERY_SWEEP_SECONDS))
# One network's share of each target's hourly limit, in per cent (at least one message an
# hour): a flood from one network cannot hold up everyone else's letters.
DELIVERY_NETWORK_SHARE_PERCENT = env_int(
    "OUTCRY_DELIVERY_NETWORK_SHARE", default=25, minimum=1, maximum=100
)
# Days a letter by email or fax waits for its writer to open the confirmation link
# before it expires unsent, and days a browser that pressed "Send" behind one is
# remembered for that address (a signed cookie), so the writer need not confirm every
# letter. One day: long enough to write to the other offices of a campaign after the
# first letter; longer would mostly let whoever uses the browser next (a shared or
# seized phone) send letters in the writer's name.
LETTER_CONFIRMATION_DAYS = env_int("OUTCRY_LETTER_CONFIRMATION_DAYS", default=3, minimum=1)
LETTER_REMEMBER_SENDER_DAYS = env_int("OUTCRY_LETTER_REMEMBER_DAYS", default=1, minimum=0)
PERIODIC_JOBS.append(("outcry.letters.confirmation.expire_unconfirmed_letters", 600))
# An unconfirmed RSVP holds its seats this long; then they go to the waiting list.
RSVP_HOLD_HOURS = env_int("OUTCRY_RSVP_HOLD_HOURS", default=3, minimum=1)
PERIODIC_JOBS.append(("outcry.events.rsvps.release_lapsed_holds", 300))
# Proposed events whose host never confirmed are deleted once their link has expired.
PERIODIC_JOBS.append(("outcry.events.hosting.forget_unconfirmed_proposals", 3600))
# How often reminders of events (the day before, two hours before) are queued: at most
# this late. Each is queued once however often this runs (events/reminders.py).
PERIODIC_JOBS.append(
    (
        "outcry.events.reminders.queue_reminders",
        env_int("OUTCRY_REMINDER_SWEEP_SECONDS", default=120, minimum=1),
    )
)
# Pledges (pledges/reminders.py): reminders queued as often as events' (each once however
# often this runs), and the public counters reconciled as often as petitions'.
PERIODIC_JOBS.append(
    (
        "outcry.pledges.reminders.queue_reminders",
        env_int("OUTCRY_REMINDER_SWEEP_SECONDS", default=120, minimum=1),
    )
)
PERIODIC_JOBS.append(
    (
        "outcry.pledges.services.recount_all_pledges",
        env_int("OUTCRY_RECOUNT_SECONDS", default=600, minimum=1),
    )
)
# fontTools reports every table it subsets at INFO while PDFs are made.
LOGGING["loggers"]["fontTools"] = {"level": "WARNING"}
# django-axes announces itself at INFO on every start; its lockouts are WARNINGs.
LOGGING["loggers"]["axes"] = {"level": "WARNING"}
