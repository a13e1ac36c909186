"""The console's reports page in Chromium on the local system (`make run`, whose queue
worker runs the export jobs): an admin asks for the awards CSV and the organization
export, watches both reach "Ready" (htmx polling), and downloads the CSV by its link.
At desktop width and on a 390 px phone; axe-core on every page."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_console_browser import Tour, _organization, _sign_in_by_code


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_an_admin_exports_awards_and_the_organization(local_system, browser, artifacts, device):
    info, base = local_system, local_system["api_url"]
    admin = f"ada@reports-{device}.example"
    _organization(info, f"Reporting Org ({device})", admin)
    phone = device == "phone"
    context = browser.new_context(**({"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
                                     if phone else {"viewport": {"width": 1100, "height": 900}}),
                                  accept_downloads=True)
    page = context.new_page()
    tour = Tour(page, base, (base, info["aws_endpoint"]), artifacts,
                "reports-phone" if phone else "reports", phone)
    try:
        page.goto(f"{base}/console")
        page.wait_for_url(re.compile(r"/console/signin"))
        _sign_in_by_code(tour, admin, first=False)
        tour.nav("Reports")
        expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
        tour.check("reports")

        page.get_by_label("Issued from").fill("2020-01-01")
        page.get_by_role("button", name="Prepare the CSV").click()
        page.wait_for_url(re.compile(r"/console/reports/[0-9]{14}[0-9a-f]{16}$"))
        expect(page.get_by_role("status")).to_contain_text("Ready.", timeout=30_000)  # htmx polls the progress
        tour.check("awards-ready")
        with page.expect_download() as download:
            page.get_by_role("link", name=re.compile(r"^Download laurel-.*\.csv$")).click()
        data = open(download.value.path(), "rb").read()
        assert data.startswith(b"\xef\xbb\xbfcredential_id,recipient_email,")
        assert next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[-2:] == ["views", "shares"]

        page.get_by_role("link", name="All reports").click()
        page.get_by_role("button", name="Prepare the export").click()
        expect(page.get_by_role("status")).to_contain_text("Ready.", timeout=30_000)
        expect(page.get_by_role("link", name=re.compile(r"^Download laurel-.*\.zip$"))).to_be_visible()
        tour.check("organization-ready")
        tour.nav("Reports")
        expect(page.get_by_role("table")).to_contain_text("Organization export (ZIP)")
        tour.check("reports-list")
    finally:
        context.close()
    assert tour.foreign == [], f"requests outside Laurel: {tour.foreign}"
    assert tour.complaints == [], "failed requests, script errors or console complaints:\n" + "\n".join(
        sorted(set(tour.complaints)))
