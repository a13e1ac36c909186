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

    def key(self, tenant_id: str, name: str) -> str:
        """A verification method's id: a URL that answers with the key itself (the
        issuer profile lists it too). Not a fragment of the profile: a fragment never
        reaches the server, and common JSON-LD document loaders (the DCC's https loader)
        return the whole profile for `<profile>#<key>`, which is not a key."""
        return f"{self.issuer(tenant_id)}/keys/{name}"

    def profile_fragment(self, tenant_id: str, fragment: str) -> str:
        """`<profile>#<fragment>`: how credentials signed before issue 18 name the
        Ed25519 key; the profile keeps answering it."""
        return f"{self.issuer(tenant_id)}#{fragment}"

    def did_web(self, tenant_id: str) -> str:
        """The tenant's did:web identifier. did:web method spec: "A port MAY be included
        and the colon MUST be percent encoded to prevent a conflict with paths.
        Directories and subdirectories MAY optionally be included, delimited by colons
        rather than slashes." Read (Resolve): "Replace ":" with "/" in the method
        specific identifier to obtain the fully qualified domain name and optional
        path", then "/did.json" is appended to a path (`did_document` below)."""
        from urllib.parse import quote, urlsplit

        parts = urlsplit(self.base)
        segments = [s for s in parts.path.split("/") if s] + ["ob", "v3", "issuers", tenant_id]
        return "did:web:" + ":".join([quote(parts.netloc, safe="")] + [quote(s, safe="") for s in segments])

    def did_document(self, tenant_id: str) -> str:
        return f"{self.issuer(tenant_id)}/did.json"

    def jwks(self) -> str:
        return f"{self.base}/.well-known/jwks.json"

    def status_list(self, tenant_id: str, list_no: int, form: str = "json") -> str:
        """Where the CDN serves the list (see adapters/objects.public_url), secured as
        Data Integrity (`json`) or as a VC-JWT (`jwt`)."""
        return f"{self.assets}/{status_list_key(tenant_id, list_no, form)}"

    def page(self, cid: str) -> str:
        return f"{self.base}/badges/{cid}"
