"""Every page links a favicon that exists (no 404 in the log) and the print helper; the print
stylesheet shows rule steps, repeats table headers and leaves out navigation, buttons and forms."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from tests.factories import UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_links_the_favicon_and_the_print_helper(client, signed_in):
    if signed_in:
        client.force_login(UserFactory(officer=True))
    page = client.get(reverse("core:home") if signed_in else reverse("accounts:login")).content.decode()
    assert f'<link rel="icon" href="{static("favicon.ico")}" sizes="32x32">' in page
    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in page
    assert f'<script src="{static("js/print.js")}" defer></script>' in page


def test_the_favicons_are_real_files():
    ico = Path(finders.find("favicon.ico")).read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00" and int.from_bytes(ico[4:6], "little") == 1  # one icon
    assert (ico[6], ico[7]) == (32, 32)
    svg = ET.parse(finders.find("favicon.svg")).getroot()  # noqa: S314 - our own file
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 32 32"


def test_the_print_stylesheet_expands_steps_repeats_headers_and_drops_navigation():
    css = Path(finders.find("css/portal.css")).read_text()
    block = re.search(r"@media print \{(.*?)\n\}", css, re.S)
    assert block, "no print block"
    rules = block.group(1)
    hidden = re.search(r"([^{}]*)\{ *display:none !important; *\}", rules).group(1)
    for selector in (
        ".top",
        ".main-nav",
        "button",
        ".button",
        "main form",
        "details:has(> form)",
        ".filters",
    ):
        assert selector in hidden
    assert "thead { display:table-header-group; }" in rules
    assert "details::details-content { display:block; content-visibility:visible; }" in rules
    helper = Path(finders.find("js/print.js")).read_text()
    assert 'addEventListener("beforeprint"' in helper and 'addEventListener("afterprint"' in helper
