"""Production settings for the load benchmark (benchmarks/load_bench.py), changed only where a
loopback run without TLS needs it: the session and CSRF cookies are not marked Secure (the load
client talks plain HTTP to gunicorn on 127.0.0.1, as the reverse proxy would), and the static files
are collected into the bench's own directory (LOAD_STATIC_ROOT). The HTTPS redirect is turned off
through the production settings' own knob, DJANGO_SECURE_SSL_REDIRECT=false."""

import os

from config.settings.production import *  # noqa: F403
from config.settings.production import STATIC_ROOT

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STATIC_ROOT = os.environ.get("LOAD_STATIC_ROOT") or STATIC_ROOT
