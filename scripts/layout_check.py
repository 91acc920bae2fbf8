"""Does every page hold from 390 px to 1920 px?  A re-runnable check with headless Chromium.

Logs in as each demo user (``manage.py demo_data``), walks the portal by its own links (GET
only, same origin, no downloads, no logout, no Django admin), and on every page measures
``document.documentElement.scrollWidth`` against the viewport at each width. A page wider than
the viewport scrolls sideways: the script names the elements that stick out (those not inside a
scrolling card) and keeps a screenshot.

    DATABASE_URL=sqlite:////tmp/layout.sqlite3 python manage.py runserver 127.0.0.1:8790 --noreload &
    /tmp/pw/bin/python scripts/layout_check.py --base http://127.0.0.1:8790 --shots /tmp/layout-shots

Needs the ``playwright`` package and a Chromium (``--chromium /usr/bin/chromium``). Exit status 1
when any page is wider than its viewport.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from playwright.sync_api import sync_playwright

USERS = [
    "admin",
    "officer.yuzhong",
    "officer.wanzhou",
    "reviewer",
    "school",
    "school.wanzhou",
    "enterprise",
    "auditor",
]
PASSWORD = "Demo-2021"  # noqa: S105  # nosec B105  # the demo users' published password (demo_data)
WIDTHS = [390, 1366, 1920]
SKIP = re.compile(
    r"/(accounts/logout|admin/|static/|media/)|download|template|\.xlsx|\.csv|\.pdf|/api/|/export.*/file"
)

OVERFLOW_JS = """
() => {
  const w = document.documentElement.clientWidth;
  const out = [];
  const scrolls = el => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p).overflowX;
      if (s === 'auto' || s === 'scroll' || s === 'hidden') return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > w + 1 && !scrolls(el)) {
      const cls = typeof el.className === 'string' ? el.className.trim().split(/\\s+/).join('.') : '';
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (cls ? '.' + cls : '') +
               ' right=' + Math.round(r.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width: w, culprits: out.slice(0, 8)};
}
"""


def crawl(page, base: str, limit: int) -> list[str]:
    seen: set[str] = set()
    queue = deque(["/"])
    pages = []
    while queue and len(pages) < limit:
        path = queue.popleft()
        key = re.sub(r"\d+", "N", urlsplit(path).path)  # one page per URL shape
        if key in seen:
            continue
        seen.add(key)
        response = page.goto(urljoin(base, path))
        if (
            response is None
            or response.status >= 400
            or "text/html" not in response.headers.get("content-type", "")
        ):
            continue
        pages.append(path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            url = urldefrag(urljoin(page.url, href))[0]
            if not url.startswith(base) or SKIP.search(url):
                continue
            queue.append(url[len(base) :] or "/")
    return pages


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8790")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--shots", default=str(Path(tempfile.gettempdir()) / "layout-shots"))
    parser.add_argument("--limit", type=int, default=45, help="pages per user")
    parser.add_argument("--users", nargs="*", default=USERS)
    args = parser.parse_args()
    shots = Path(args.shots)
    shots.mkdir(parents=True, exist_ok=True)
    failures = 0
    checked = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        for user in ["(anonymous)", *args.users]:
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            missing: set[str] = set()
            page.on("response", lambda r, seen=missing: r.status >= 400 and seen.add(f"{r.status} {r.url}"))
            if user == "(anonymous)":
                pages = [
                    "/accounts/login/",
                    "/rules/",
                    "/institutions/register/",
                    "/institutions/employers/register/",
                ]
            else:
                page.goto(urljoin(args.base, "/accounts/login/"))
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", PASSWORD)
                page.click("main button[type=submit]")
                pages = crawl(page, args.base, args.limit)
            for path in pages:
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 768 if width < 1920 else 1080})
                    page.goto(urljoin(args.base, path))
                    m = page.evaluate(OVERFLOW_JS)
                    checked += 1
                    if m["scrollWidth"] > width:
                        failures += 1
                        name = re.sub(r"[^a-z0-9]+", "_", f"{user}_{width}_{path}".lower()).strip("_")
                        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
                        print(f"WIDE {user:16} {width:5} {path}: scrollWidth {m['scrollWidth']} > {width}")
                        for c in m["culprits"]:
                            print(f"        {c}")
            for url in sorted(missing):  # a favicon, a stylesheet or a script that is not there
                failures += 1
                print(f"MISSING {user:16} {url}")
            print(f"{user}: {len(pages)} pages checked at {WIDTHS}", flush=True)
            context.close()
        browser.close()
    print(f"{checked} page views, {failures} wider than the viewport or missing a file")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
