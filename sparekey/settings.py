"""Sparekey's settings: one flat module, every knob an SPAREKEY_* environment variable.

Secure by default: DEBUG is off, hosts are listed, SECRET_KEY and the master key are generated
into the data directory on first start (mode 0600) and never fall back to a placeholder.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_secret(name: str) -> str:
    """A secret from NAME or from the file named by NAME_FILE (container secrets)."""
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text().strip()
    return os.environ.get(name, "")


def generated_secret(path: Path) -> str:
    """Read a secret kept in the data directory, creating it (0600) on first start."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("SPAREKEY_DATA_DIR", "data")).resolve()
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)

SECRET_KEY = env_secret("SPAREKEY_SECRET_KEY") or generated_secret(DATA_DIR / "secret.key")
DEBUG = env_bool("SPAREKEY_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in env("SPAREKEY_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("SPAREKEY_ALLOWED_HOSTS must list host names, not '*'.")
BASE_URL = env("SPAREKEY_BASE_URL").rstrip("/")

# The master key (KEK): SPAREKEY_MASTER_KEY(_FILE) as base64, else the keyring file here.
MASTER_KEY = env_secret("SPAREKEY_MASTER_KEY")
MASTER_KEY_PATH = DATA_DIR / "master.key"

INSTALLED_APPS = [
    "sparekey.workspace",
    "sparekey.accounts",
    "sparekey.backup_codes",
    "sparekey.mfa",
    "sparekey.audit",
    "sparekey.keys",
    "sparekey.maintenance",
    "sparekey.api",
    "sparekey.transfer",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # the API's OpenAPI schema; its Swagger UI files, served by us from static/
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sparekey.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sparekey.middleware.LoginRequiredMiddleware",
    "sparekey.workspace.two_step_login.TwoStepRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sparekey.urls"
WSGI_APPLICATION = "sparekey.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite the way Sparekey needs it, whether from the data directory or from a sqlite:// URL.
SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock at BEGIN, so two claims queue instead of one failing with
    # "database is locked" when it upgrades a read lock.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if database_url := env("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(database_url, conn_max_age=600, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = {
            **SQLITE_OPTIONS,
            **DATABASES["default"].get("OPTIONS", {}),
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "sparekey.sqlite3"),
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
    # One connection per worker, kept between requests, as DATABASE_URL's are: opening one and
    # running the PRAGMAs above on every request cost more than the ceiling view's whole
    # request (bench/).
    DATABASES["default"] |= {"CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if redis_url := env("SPAREKEY_REDIS_URL"):
    # Login throttling counts here (sparekey.workspace.throttle): a Redis that stops answering
    # fails the request within seconds instead of holding a worker until gunicorn's timeout.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "workspace.Member"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# How long a confirmation of identity ("sudo mode") opens the secrets, in seconds.
SPAREKEY_REAUTH_SECONDS = env_int("SPAREKEY_REAUTH_SECONDS", 600)
# At or below this many unused codes, Sparekey warns that the codes are running out.
SPAREKEY_LOW_CODES = env_int("SPAREKEY_LOW_CODES", 2)

# Throttling (sparekey.workspace.throttle): failures allowed per window before a lock-out, and
# how many times a member may reveal or claim codes per hour.
SPAREKEY_LOGIN_FAILURES_PER_EMAIL = env_int("SPAREKEY_LOGIN_FAILURES_PER_EMAIL", 5)
SPAREKEY_LOGIN_FAILURES_PER_ADDRESS = env_int("SPAREKEY_LOGIN_FAILURES_PER_ADDRESS", 20)
SPAREKEY_CONFIRM_FAILURES = env_int("SPAREKEY_CONFIRM_FAILURES", 5)
SPAREKEY_LOCKOUT_SECONDS = env_int("SPAREKEY_LOCKOUT_SECONDS", 900)
SPAREKEY_REVEALS_PER_HOUR = env_int("SPAREKEY_REVEALS_PER_HOUR", 60)

HTTPS = env_bool("SPAREKEY_HTTPS", False)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SPAREKEY_SESSION_SECONDS", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = [BASE_URL] if BASE_URL.startswith("https://") else []
SECURE_SSL_REDIRECT = HTTPS and env_bool("SPAREKEY_SSL_REDIRECT", True)
# A load balancer's plain-HTTP health check is answered, not redirected: /healthz holds no
# secret and sets no cookie (sparekey.health).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a reverse proxy: trust its X-Forwarded-Proto, and take the client's address from the
# last X-Forwarded-For entry (audit events, login throttling per address).
BEHIND_PROXY = env_bool("SPAREKEY_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_HSTS_SECONDS = env_int("SPAREKEY_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS and env_bool("SPAREKEY_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = HTTPS and env_bool("SPAREKEY_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env("SPAREKEY_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("SPAREKEY_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("SPAREKEY_EMAIL_PORT", 25)
EMAIL_HOST_USER = env("SPAREKEY_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_secret("SPAREKEY_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("SPAREKEY_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env("SPAREKEY_FROM_EMAIL", "sparekey@localhost")

LANGUAGE_CODE = "en"
TIME_ZONE = env("SPAREKEY_TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("SPAREKEY_LOG_LEVEL", "INFO")},
    # Request bodies never reach a log: Django logs only the path and status of a failure.
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The JSON API (sparekey.api): requests per token per minute, failed token attempts per client
# address in the lock-out window (past it, failures are refused unaudited), the largest body.
SPAREKEY_API_REQUESTS_PER_MINUTE = env_int("SPAREKEY_API_REQUESTS_PER_MINUTE", 120)
SPAREKEY_API_AUTH_FAILURES_PER_ADDRESS = env_int("SPAREKEY_API_AUTH_FAILURES_PER_ADDRESS", 30)
SPAREKEY_API_MAX_BODY_BYTES = env_int("SPAREKEY_API_MAX_BODY_BYTES", 64 * 1024)

# Keys and backups (sparekey.keys, sparekey.maintenance). A PKCS#11 token (an HSM) holds the
# master key once `sparekey rotate-key --to pkcs11` has moved it there, or from the first start
# when the token is configured before it.
SPAREKEY_PKCS11_MODULE = env("SPAREKEY_PKCS11_MODULE")
SPAREKEY_PKCS11_TOKEN_LABEL = env("SPAREKEY_PKCS11_TOKEN_LABEL", "sparekey")
SPAREKEY_PKCS11_PIN = env_secret("SPAREKEY_PKCS11_PIN")
SPAREKEY_PKCS11_KEY_LABEL = env("SPAREKEY_PKCS11_KEY_LABEL", "sparekey-master-key")
# The maintenance page warns when the last backup is older than this many days.
SPAREKEY_BACKUP_WARN_DAYS = env_int("SPAREKEY_BACKUP_WARN_DAYS", 7)

# Members and accounts (sparekey.workspace.members, sparekey.accounts.lifecycle): how long an
# invitation link works, and how long a removed account can be restored before `sparekey purge`
# destroys its data key.
SPAREKEY_INVITATION_DAYS = env_int("SPAREKEY_INVITATION_DAYS", 7)
SPAREKEY_PURGE_DAYS = env_int("SPAREKEY_PURGE_DAYS", 30)
# The main navigation shows each member only the links that apply to them.
TEMPLATES[0]["OPTIONS"]["context_processors"].append(  # type: ignore[index]
    "sparekey.workspace.nav.nav"
)
