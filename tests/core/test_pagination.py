"""Lists whose count and deepest page are bounded (apps.core.pagination, issue 17, item 6): past
LIST_COUNT_CAP a list says 超过 N 条 and its pages stop there, the API says count_capped; a list
that annotates per-row figures reads them for the page's rows only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.claims.models import Claim
from apps.claims.selectors import claim_list
from apps.core.pagination import Paginator
from tests.claims.test_queue import _claims, yuzhong_filer  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_a_list_past_the_cap_says_so_and_stops_there(client, yuzhong_filer, officer_yuzhong, settings):  # noqa: F811
    _claims(yuzhong_filer, 5)
    settings.LIST_COUNT_CAP, settings.PAGINATE_BY = 3, 2
    client.force_login(officer_yuzhong)
    url = reverse("claims:list")
    first = client.get(url)
    html = first.content.decode()
    assert "超过 3 条，第 1 页" in html and "末页" not in html and "下一页" in html
    assert first.context["page"].paginator.capped
    newest = [c.pk for c in first.context["page"].object_list]
    last = client.get(url + "?page=9")  # past the cap: the last page within it
    assert last.context["page"].number == 2 and len(last.context["page"].object_list) == 1
    assert "下一页" not in last.content.decode()
    shown = newest + [c.pk for c in last.context["page"].object_list]
    assert len(set(shown)) == 3
    # Under the cap, the count is exact and the last page offered.
    settings.LIST_COUNT_CAP = 5
    html = client.get(url).content.decode()
    assert "共 5 条，第 1 / 3 页" in html and "末页" in html


def test_the_api_says_when_its_count_stopped_at_the_cap(api_client, yuzhong_filer, officer_yuzhong, settings):  # noqa: F811
    _claims(yuzhong_filer, 5)
    api_client.force_authenticate(officer_yuzhong)
    body = api_client.get("/api/v1/claims/").json()
    assert (body["count"], body["count_capped"], len(body["results"])) == (5, False, 5)
    settings.LIST_COUNT_CAP = 3
    body = api_client.get("/api/v1/claims/").json()
    assert (body["count"], body["count_capped"], len(body["results"]), body["next"]) == (3, True, 3, None)
    assert api_client.get("/api/v1/claims/?page=2").status_code == 404


def test_the_count_is_bounded_and_the_figures_are_read_for_the_page_alone(yuzhong_filer, officer_yuzhong):  # noqa: F811
    _claims(yuzhong_filer, 5)
    paginator = Paginator(claim_list(user=officer_yuzhong).order_by("-pk"), 2, cap=4)
    with CaptureQueriesContext(connection) as counted:
        assert paginator.count == 4 and paginator.capped
    ((count,),) = [[q["sql"]] for q in counted.captured_queries]
    assert "LIMIT 5" in count and "line_count" not in count.lower()
    with CaptureQueriesContext(connection) as paged:
        page = paginator.page(2)
    ids, rows = (q["sql"] for q in paged.captured_queries)
    # The ids in the list's order, no figure computed; then the page's two rows with theirs.
    assert "claims_claimline" not in ids and "OFFSET 2" in ids
    assert "claims_claimline" in rows
    expected = list(Claim.objects.order_by("-pk").values_list("pk", flat=True))[2:4]
    assert [c.pk for c in page.object_list] == expected
    assert all(c.line_count == 1 and c.has_findings is False for c in page.object_list)
