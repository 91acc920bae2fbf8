"""The browser layer: Debian's Chromium, driven by Playwright, against pytest-django's live server.

- Chromium is `/usr/bin/chromium` (PEIXUN_CHROMIUM overrides it); `scripts/ensure-chromium.sh`
  installs it with `make test`. Missing, every e2e test fails (never skips).
- Each person is a `Portal`: their own browser context (cookies) and page. Every page a journey
  reaches is scanned with axe-core (axe-playwright-python): no serious or critical violation.
- Every page runs under the portal's Content-Security-Policy: a violation Chromium reports (on
  its console) fails the journey (`CspViolation`), checked at each page scanned and at the end.
- A failing test leaves a screenshot and the HTML of each of its pages in artifacts/e2e/.
- The database is the test database (SQLite, or PostgreSQL when DATABASE_URL says so); journeys
  that need Celery take the `celery_worker` fixture: a real worker when CELERY_BROKER_URL is set,
  the eager in-process default otherwise.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from tests.claims.conftest import (  # noqa: F401 - the claims world's fixtures
    admin_user,
    allocation,
    completed_class,
    employer,
    filer,
    officer,
    reviewed,
)
from tests.classes.conftest import lathe, make_class, operator, rates, school  # noqa: F401 - the class world
from tests.factories import PASSWORD
from tests.integration.conftest import celery_worker_process  # noqa: F401 - the same worker

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls (factories,
# the checks against the database) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "e2e"
CHROMIUM = os.environ.get("PEIXUN_CHROMIUM", "/usr/bin/chromium")
BLOCKING = ("serious", "critical")
_FAILED = pytest.StashKey[list]()  # each phase's outcome, for the artefacts of a failed test


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"找不到 Chromium（{CHROMIUM}）：运行 scripts/ensure-chromium.sh 安装 Debian 的 chromium，"
            "或用 PEIXUN_CHROMIUM 指向它",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    }


@pytest.fixture(scope="session")
def _serialized_databases(django_db_setup):
    """What the test databases held after their migrations (districts, occupations…), as
    Django serialized it for `serialized_rollback`, read before Playwright starts."""
    from django.db import connections

    return {alias: connections[alias].__dict__.get("_test_serialized_contents") for alias in connections}


@pytest.fixture(scope="session")
def playwright(_serialized_databases, playwright):
    """pytest-playwright's, started after the test databases. Starting Playwright's sync API
    leaves this thread in another context, where Django's `connections` are new objects without
    the serialized contents: every `serialized_rollback` test after the first browser test (this
    suite's and tests/integration's) would then start from a flushed database without its
    districts. The contents are carried over."""
    from django.db import connections

    for alias, contents in _serialized_databases.items():
        if contents is not None and "_test_serialized_contents" not in connections[alias].__dict__:
            connections[alias]._test_serialized_contents = contents
    return playwright


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" or report.failed:
        item.stash.setdefault(_FAILED, []).append(report.failed)
    return report


class A11yViolation(AssertionError):
    pass


class CspViolation(AssertionError):
    pass


# Violations that are the policy working, each with its reason. Redoc's sidebar always shows a logo
# from its makers' CDN (https://cdn.redoc.ly/redoc/logo-mini.svg, no option turns it off): refused,
# as every outside resource is (the extranet reaches none).
EXPECTED_VIOLATIONS = ("https://cdn.redoc.ly/",)


def _page_key(url: str, html_has_errors: bool) -> str:
    path = re.sub(r"\d+", "N", url.split("://", 1)[-1].split("/", 1)[-1].split("?")[0].split("#")[0])
    return f"/{path}{' (errors)' if html_has_errors else ''}"


class Portal:
    """One person at one browser: navigation helpers that scan every new page with axe-core."""

    def __init__(self, context, base_url: str, scanned: dict[str, list[str]], scans: bool = True):
        self.context = context
        self.scans = scans
        self.page = context.new_page()
        self.page.set_default_timeout(15_000)
        self.base_url = base_url
        self._scanned = scanned
        self._loads = 0
        self._seen_loads = 0
        self.csp_violations: list[str] = []
        self.page.on("load", self._loaded)
        self.page.on("console", self._console)

    def _loaded(self, _page) -> None:
        self._loads += 1

    def _console(self, message) -> None:
        if (
            message.type == "error"
            and "Content Security Policy" in message.text
            and not any(expected in message.text for expected in EXPECTED_VIOLATIONS)
        ):
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def check_csp(self) -> None:
        """No script, style, image, form or frame the portal's policy refused on any page so far."""
        if self.csp_violations:
            found, self.csp_violations = self.csp_violations, []
            raise CspViolation("浏览器报告违反内容安全策略（CSP）：\n" + "\n".join(found[:10]))

    # navigation -------------------------------------------------------------------------------
    def goto(self, path: str):
        self.page.goto(self.base_url + path)
        self.scan()
        return self.page

    def submit(self, locator) -> None:
        """Click a submit button (a locator or its visible name) and wait for the next page."""
        if isinstance(locator, str):
            locator = self.page.get_by_role("button", name=locator, exact=True)
        with self.page.expect_navigation():
            locator.click()
        self.scan()

    def follow(self, name: str, exact: bool = True) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("link", name=name, exact=exact).first.click()
        self.scan()

    def follow_in(self, within, name: str) -> None:
        with self.page.expect_navigation():
            within.get_by_role("link", name=name).first.click()
        self.scan()

    def login(self, username: str, password: str = PASSWORD) -> Portal:
        self.goto("/accounts/login/")
        self.field("用户名").fill(username)
        self.field("密码").fill(password)
        self.submit("登录")
        assert "/accounts/login/" not in self.page.url, self.text("main")
        return self

    def field(self, label: str, within=None):
        """The input labelled exactly `label` (the required-field star aside)."""
        return (within or self.page).get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))

    # reading ----------------------------------------------------------------------------------
    def text(self, selector: str = "main") -> str:
        return self.page.locator(selector).first.inner_text()

    def message(self) -> str:
        return self.text("ul.messages")

    # the accessibility scan ---------------------------------------------------------------------
    def scan(self) -> None:
        """axe-core on the page now shown, once per page kind (path with ids, errors or not)."""
        from axe_playwright_python.sync_playwright import Axe

        self.check_csp()
        if not self.scans or self._loads == self._seen_loads:
            return
        self._seen_loads = self._loads
        self.page.wait_for_load_state("load")
        has_errors = self.page.locator(".error-summary, .field-error").count() > 0
        key = _page_key(self.page.url, has_errors)
        if key in self._scanned:
            return
        results = Axe().run(self.page, options={"resultTypes": ["violations"]})
        blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
        self._scanned[key] = [v["id"] for v in blocking]
        if blocking:
            lines = [f"axe-core 在 {key} 发现 {len(blocking)} 项严重的无障碍问题："]
            for v in blocking:
                targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
                lines.append(f"- {v['id']} ({v['impact']}): {v['help']} → {targets}")
            raise A11yViolation("\n".join(lines))


@pytest.fixture
def portal(browser, live_server, request):
    """`portal()` opens a fresh browser (context) for one more person; `portal(user)` logs them in.
    `portal(user, javascript=False)` is a browser with JavaScript turned off, whose pages are not
    scanned (axe-core is JavaScript: its run never ends there); a journey scans the same pages in
    a browser with JavaScript."""
    portals: list[Portal] = []
    scanned: dict[str, list[str]] = {}

    def open_portal(user=None, javascript: bool = True) -> Portal:
        context = browser.new_context(
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1366, "height": 768},
            java_script_enabled=javascript,
        )
        one = Portal(context, live_server.url, scanned, scans=javascript)
        portals.append(one)
        if user is not None:
            one.login(user.username)
        return one

    yield open_portal
    failed = any(request.node.stash.get(_FAILED, []))
    if failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::")[-1])
        for number, one in enumerate(portals, start=1):
            try:
                one.page.screenshot(path=str(ARTIFACTS / f"{name}-{number}.png"), full_page=True)
                (ARTIFACTS / f"{name}-{number}.html").write_text(one.page.content(), encoding="utf-8")
            except Exception as exc:  # the page may be gone; keep the others
                (ARTIFACTS / f"{name}-{number}.txt").write_text(repr(exc), encoding="utf-8")
    for one in portals:
        one.context.close()
    if not failed:
        for one in portals:
            one.check_csp()


class Screen:
    """A portal at one width that measures every page it reaches (the document's scrollWidth):
    `too_wide()` lists the pages wider than the screen."""

    def __init__(self, portal: Portal, width: int):
        self.portal = portal
        self.width = width
        portal.page.set_viewport_size({"width": width, "height": 844})
        self.widths: list[tuple[str, int]] = []

    def measure(self) -> None:
        page = self.portal.page
        key = page.url.removeprefix(self.portal.base_url)
        self.widths.append((key, page.evaluate("document.documentElement.scrollWidth")))

    def too_wide(self) -> list[tuple[str, int]]:
        return [(path, width) for path, width in self.widths if width > self.width]


def workbook(download):
    """A downloaded .xlsx, opened with openpyxl; and all its cells as one text."""
    import openpyxl

    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    text = " ".join(
        str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
    )
    return book, text


@pytest.fixture
def import_storage(tmp_path, settings, monkeypatch):
    """Where large uploads wait for their task, for this test's web and (in the environment it
    inherits) a real worker alike: ask for it before `celery_worker`."""
    root = str(tmp_path / "imports")
    monkeypatch.setenv("IMPORT_STORAGE_ROOT", root)
    settings.IMPORT_STORAGE_ROOT = root
    return root


@pytest.fixture
def celery_worker(request):
    """A real worker on the test database when a broker is configured; eager mode otherwise."""
    if not os.environ.get("CELERY_BROKER_URL"):
        yield None
        return
    yield request.getfixturevalue("celery_worker_process")
