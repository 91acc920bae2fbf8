"""Content-Security-Policy violation reports (issue 17): what the browser sends to /csp-report/,
reduced to what a developer needs and no more. A report names the page and the blocked resource;
the page's query string and any path or query of the blocked resource can carry a name, an ID
number or a token, so the log keeps the directive, the page's path, the blocked resource's origin
(or `inline`, `eval`, `data`) and the place in the script file."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

# report-uri sends {"csp-report": {...}}; the Reporting API (report-to) a list of
# {"type": "csp-violation", "body": {...}}, with camelCase names.
KEYS = {
    "directive": ("effective-directive", "effectiveDirective", "violated-directive"),
    "page": ("document-uri", "documentURL"),
    "blocked": ("blocked-uri", "blockedURL"),
    "source": ("source-file", "sourceFile"),
    "line": ("line-number", "lineNumber"),
    "disposition": ("disposition",),
}
KEYWORDS = {"inline", "eval", "data", "blob", "self", "wasm-eval", "trusted-types-policy"}


def violations(payload: Any) -> list[dict[str, Any]]:
    """The reports in a body, whichever of the two formats it is in (anything else: none)."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [payload["csp-report"]]
    if isinstance(payload, list):
        return [
            item["body"]
            for item in payload[:20]
            if isinstance(item, dict)
            and item.get("type") == "csp-violation"
            and isinstance(item.get("body"), dict)
        ]
    return []


def _first(report: dict[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        value = report.get(name)
        if value not in (None, ""):
            return str(value)[:200]
    return ""


def _path(url: str) -> str:
    return urlsplit(url).path[:200] if url else ""


def _origin(url: str) -> str:
    if url in KEYWORDS or not url:
        return url
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob"}:
        return parts.scheme
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else parts.scheme or "?"


def summary(report: dict[str, Any]) -> dict[str, str]:
    """One violation, without query strings, fragments or the blocked resource's path."""
    line = _first(report, KEYS["line"])
    return {
        "directive": _first(report, KEYS["directive"]).split(" ")[0],
        "page": _path(_first(report, KEYS["page"])),
        "blocked": _origin(_first(report, KEYS["blocked"])),
        "source": _path(_first(report, KEYS["source"])) + (f":{line}" if line.isdigit() else ""),
        "disposition": _first(report, KEYS["disposition"]) or "enforce",
    }


def within_rate(request: HttpRequest) -> bool:
    """At most CSP_REPORTS_PER_MINUTE reports a minute from one address (counted in the default
    cache under a hash of the address, so the address itself is stored nowhere)."""
    address = request.META.get("REMOTE_ADDR", "")
    minute = timezone.now().strftime("%Y%m%d%H%M")
    key = "csp-report:" + hashlib.sha256(f"{address}|{minute}".encode()).hexdigest()[:32]
    if cache.add(key, 1, timeout=70):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=70)
            count = 1
    return count <= settings.CSP_REPORTS_PER_MINUTE
