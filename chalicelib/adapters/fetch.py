"""Outbound HTTP to URLs that others chose (other issuers' badges, organizations'
OpenID providers), hardened against SSRF.

Every hop (the first URL and each redirect) is checked: HTTPS only (plain HTTP only
where the policy allows it, i.e. the local stage), the host name is resolved once,
every address it resolves to must be public (no private, loopback, link-local,
multicast, reserved or unspecified address, IPv4-mapped ones included), and the
connection goes to the address that was checked, so a DNS answer cannot change
between the check and the connection. Short timeouts, a size cap and few redirects.

`fetch` GETs (following redirects; extra headers such as `Authorization` go to the
first URL's origin only); `post_form` POSTs a form-encoded body (the OAuth token
request) and follows no redirect.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urljoin, urlsplit


class FetchError(Exception):
    """The URL was refused or could not be fetched; the message says why (safe to show)."""


@dataclass(frozen=True)
class Policy:
    allow_http: bool = False
    allow_private: bool = False
    timeout: float = 5.0
    max_bytes: int = 1024 * 1024
    max_redirects: int = 3
    # Trust only this CA file for TLS instead of the system's (tests' loopback issuers
    # serve https with a throw-away CA; production never sets it).
    cafile: str | None = None


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    content_type: str
    body: bytes
    cache: str = ""  # the answer's X-Cache header (a CDN says "Hit from cloudfront" when it answered itself)


def _check_address(ip: str, policy: Policy) -> None:
    addr = ipaddress.ip_address(ip)
    if isinstance(addr, ipaddress.IPv6Address):
        # IPv4 embedded in IPv6 (mapped, 6to4, NAT64 64:ff9b::/96) is judged as that IPv4
        if addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        elif addr.sixtofour:
            addr = addr.sixtofour
        elif addr in ipaddress.ip_network("64:ff9b::/96"):
            addr = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if policy.allow_private:
        return
    if (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_multicast or addr.is_reserved
            or addr.is_unspecified or not addr.is_global):
        raise FetchError(f"refusing to fetch from a non-public address ({addr})")


def _resolve(host: str, port: int, policy: Policy) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}") from exc
    addresses = sorted({str(info[4][0]) for info in infos})  # (host, port, ...): a str for IPv4 and IPv6
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    for ip in addresses:  # every answer must be acceptable, not just the first
        _check_address(ip, policy)
    return addresses[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to a pre-checked address while verifying TLS for the host name."""

    def __init__(self, host: str, ip: str, port: int, timeout: float, cafile: str | None = None) -> None:
        self._tls = ssl.create_default_context(cafile=cafile)
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, ip: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


def check_url(url: object, policy: Policy) -> tuple[str, str, int, str]:
    """Validate a URL's shape; return (scheme, host, port, path+query)."""
    if not isinstance(url, str) or len(url) > 2000:
        raise FetchError("the URL is missing or too long")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise FetchError("the URL is not valid") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not policy.allow_http):
        raise FetchError("only https:// URLs can be fetched")
    if not parts.hostname or parts.username or parts.password:
        raise FetchError("the URL must name a host and carry no credentials")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError("the URL's port is not valid") from exc
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~") + \
        (f"?{quote(parts.query, safe='/%:@!$&()*+,;=?-._~')}" if parts.query else "")
    return scheme, parts.hostname, port, path


USER_AGENT = "Laurel-verifier/1.0"
MAX_FORM_BYTES = 64 * 1024


def _exchange(scheme: str, host: str, port: int, method: str, path: str, headers: dict[str, str],
              body: bytes | None, policy: Policy) -> tuple[int, str, str | None, bytes, str]:
    """One request to a checked host: (status, content type, Location, body up to the cap, X-Cache)."""
    ip = _resolve(host, port, policy)
    conn: http.client.HTTPConnection
    if scheme == "https":
        conn = _PinnedHTTPSConnection(host, ip, port, policy.timeout, policy.cafile)
    else:
        conn = _PinnedHTTPConnection(host, ip, port, policy.timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        location = response.getheader("Location")
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        cache = (response.getheader("X-Cache") or "")[:100]
        if response.status in (301, 302, 303, 307, 308):
            return response.status, content_type, location, b"", cache
        data = response.read(policy.max_bytes + 1)
        if len(data) > policy.max_bytes:
            raise FetchError(f"the response is larger than {policy.max_bytes} bytes")
        return response.status, content_type, location, data, cache
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"could not fetch {host}: {exc.__class__.__name__}") from exc
    finally:
        conn.close()


def fetch(url: str, policy: Policy, *, accept: str = "application/json, application/ld+json, */*;q=0.5",
          headers: dict[str, str] | None = None) -> Fetched:
    """GET `url`, following up to `policy.max_redirects` redirects, each hop checked.
    `headers` (a bearer token, say) are sent to the first URL's origin only, never to
    where a redirect leads elsewhere."""
    current = url
    origin = check_url(url, policy)[:3]
    for _ in range(policy.max_redirects + 1):
        scheme, host, port, path = check_url(current, policy)
        extra = (headers or {}) if (scheme, host, port) == origin else {}
        sent = {"Accept": accept, "User-Agent": USER_AGENT, **extra}
        status, content_type, location, body, cache = _exchange(scheme, host, port, "GET", path, sent, None, policy)
        if status in (301, 302, 303, 307, 308):
            if not location:
                raise FetchError("a redirect without a Location")
            current = urljoin(current, location)
            continue
        return Fetched(current, status, content_type, body, cache)
    raise FetchError(f"more than {policy.max_redirects} redirects")


def post_form(url: str, fields: dict[str, str], policy: Policy, *, headers: dict[str, str] | None = None,
              accept: str = "application/json") -> Fetched:
    """POST `fields` as application/x-www-form-urlencoded to `url` (checked like every
    fetch). A redirect is not followed: a POST carrying credentials goes to the URL
    given or nowhere, so a 3xx comes back as the answer. The body is capped at
    MAX_FORM_BYTES, the answer at `policy.max_bytes`."""
    scheme, host, port, path = check_url(url, policy)
    body = urlencode(fields).encode("ascii")
    if len(body) > MAX_FORM_BYTES:
        raise FetchError(f"the form is larger than {MAX_FORM_BYTES} bytes")
    sent = {"Accept": accept, "User-Agent": USER_AGENT, **(headers or {}),
            "Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(len(body))}
    status, content_type, _, data, cache = _exchange(scheme, host, port, "POST", path, sent, body, policy)
    return Fetched(url, status, content_type, data, cache)
