"""Where each Open Badges document lives. Every document's `id` is the URL it is
served at, built from the configured public base URL (locally and behind CloudFront)."""

from __future__ import annotations

from dataclasses import dataclass

from ..store.object_keys import status_list_key


@dataclass(frozen=True)
class Urls:
    base: str  # public base URL, no trailing slash
    assets: str  # where S3 objects are served (CDN), no trailing slash

    # Open Badges 2.0 (hosted)
    def assertion(self, cid: str) -> str:
        return f"{self.base}/ob/v2/assertions/{cid}"

    def badge_class(self, cid: str) -> str:
        return f"{self.base}/ob/v2/assertions/{cid}/badge"

    def profile(self, tenant_id: str) -> str:
        return f"{self.base}/ob/v2/issuers/{tenant_id}"

    def revocation_list(self, tenant_id: str) -> str:
        return f"{self.base}/ob/v2/issuers/{tenant_id}/revocations"

    # Open Badges 3.0
    def credential(self, cid: str) -> str:
        return f"{self.base}/ob/v3/credentials/{cid}"

    def issuer(self, tenant_id: str) -> str:
        return f"{self.base}/ob/v3/issuers/{tenant_id}"

    def jwks(self) -> str:
        return f"{self.base}/.well-known/jwks.json"

    def status_list(self, tenant_id: str, list_no: int) -> str:
        """Where the CDN serves the list (see adapters/objects.public_url)."""
        return f"{self.assets}/{status_list_key(tenant_id, list_no)}"

    def page(self, cid: str) -> str:
        return f"{self.base}/badges/{cid}"
