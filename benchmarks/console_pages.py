"""What the issuer console's pages cost as an organization grows (issue 14: "pages
cost what they show, not what the tenant holds").

Two organizations in one table under moto in-process, one holding 1,000 credentials
and one 20,000 (written directly, as the sweep benchmark does; the page reads them
exactly as issued ones). For each, an admin's console session renders, through the
whole Chalice app (guard, session, member, view, template), the credentials list
(its first page), the dashboard (the console's home page) and the templates list;
every AWS call botocore makes during the request is counted, whatever the service
(each listed with the number of items it returned).
Prints the calls per page and size, then `console_read_growth` last: the calls at
20,000 divided by the calls at 1,000, summed over the pages (target 1.0)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _moto_env import setup  # noqa: E402

setup()

SIZES = (1_000, 20_000)
PAGES = {"credentials": "/console/credentials", "dashboard": "/console", "templates": "/console/templates"}


def _organization(size: int) -> tuple[str, str]:
    """(tenant id, console cookie) of an organization with `size` credentials and an
    active admin signed in."""
    from chalicelib.domain import ids
    from chalicelib.schemas import OrganizationIn, TemplateIn
    from chalicelib.services import console_auth, issuers, templates
    from chalicelib.store import credentials as store
    from chalicelib.store import members as member_store
    from chalicelib.store.models import CredentialItem

    admin = f"admin{size}@bench.example"
    made = issuers.create_organization(OrganizationIn(name=f"Bench {size}", url="https://bench.example",
                                                      email="badges@bench.example", admin_email=admin), admin)
    tenant = made["issuer"]["id"]
    template = templates.create(tenant, TemplateIn(name="Bench badge", description="A benchmark badge",
                                                            criteria={"narrative": "Be counted"}))
    snapshot = {"issuer": {"id": tenant, "name": f"Bench {size}"},
                "template": {"id": template["id"], "name": "Bench badge"}}
    with CredentialItem.batch_write() as batch:
        for i in range(size):
            email = f"e{i}@example.com"
            batch.save(store.build({
                "credential_id": ids.new_credential_id(tenant), "tenant_id": tenant, "template_id": template["id"],
                "status": "accepted", "email": email, "email_hash": ids.email_hash(email),
                "first_name": "E", "last_name": str(i), "issued_at": "2026-01-01T00:00:00Z",
                "expires_at": None, "evidence": [], "snapshot": snapshot, "accepted_at": "2026-01-02T00:00:00Z",
                "created_at": f"2026-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                "updated_at": "2026-01-02T00:00:00Z"}))
    member = next(m for m in member_store.members(tenant))
    return tenant, console_auth.start_session(member, "mail")


def main() -> None:
    from botocore.client import BaseClient
    from moto import mock_aws

    with mock_aws():
        from chalice.test import Client

        from app import app
        from chalicelib.cli import init_resources

        init_resources()
        cookies = {size: _organization(size)[1] for size in SIZES}
        calls: dict[tuple[str, int], list[str]] = {}
        original = BaseClient._make_api_call

        with Client(app) as client:
            for page, path in PAGES.items():
                for size in SIZES:
                    client.http.get(path, headers={"Cookie": f"laurel_console={cookies[size]}"})  # warm caches
                    seen: list[str] = []

                    def counting(self, operation, params, seen=seen):
                        response = original(self, operation, params)
                        read = len(response.get("Items", [])) + (1 if response.get("Item") else 0)
                        seen.append(f"{self.meta.service_model.service_name}.{operation}:{read}")
                        return response

                    BaseClient._make_api_call = counting
                    try:
                        res = client.http.get(path, headers={"Cookie": f"laurel_console={cookies[size]}"})
                    finally:
                        BaseClient._make_api_call = original
                    assert res.status_code == 200, (path, res.status_code, res.body[:300])
                    calls[(page, size)] = seen
    small, large = SIZES
    for page in PAGES:
        for size in SIZES:
            print(f"{page}_calls_{size} {len(calls[(page, size)])}  ({', '.join(calls[(page, size)])})")
    total_small = sum(len(calls[(p, small)]) for p in PAGES)
    total_large = sum(len(calls[(p, large)]) for p in PAGES)
    print(f"console_read_growth {total_large / total_small:.2f}")


if __name__ == "__main__":
    main()
