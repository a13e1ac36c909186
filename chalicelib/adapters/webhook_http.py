"""Outbound webhook POSTs to issuers' endpoints, behind the same SSRF fence as
`adapters.fetch`: the URL is checked, the host resolved once, every address must
be public (unless the policy allows private ones, i.e. the local stage), and the
connection goes to the checked address with TLS verified for the host name.

Redirects are not followed (a 3xx is an answer like any other non-2xx). The whole
exchange has a deadline; at most 64 KiB of the answer is read and 1 KiB kept.
"""

from __future__ import annotations

import http.client
import socket
import threading
from typing import NamedTuple

from .fetch import FetchError, Policy, _PinnedHTTPConnection, _PinnedHTTPSConnection, _resolve, check_url

MAX_READ = 64 * 1024
MAX_EXCERPT = 1024
USER_AGENT = "Laurel-Webhooks/1.0"

__all__ = ["FetchError", "Policy", "Result", "check_endpoint", "excerpt", "post", "policy_for"]


def policy_for(is_local: bool, timeout: float = 5.0) -> Policy:
    """Deployed stages: HTTPS to public addresses only. Local: HTTP and private too."""
    return Policy(allow_http=is_local, allow_private=is_local, timeout=timeout, max_bytes=MAX_READ, max_redirects=0)


class Result(NamedTuple):
    """(status, excerpt): the HTTP status and the first KiB of the answer as text."""

    status: int
    excerpt: str


def check_endpoint(url: str, policy: Policy) -> None:
    """Refuse (FetchError) a URL the policy would refuse to POST to: scheme, shape,
    and the addresses its host resolves to now."""
    _, host, port, _ = check_url(url, policy)
    _resolve(host, port, policy)


def post(url: str, body: bytes, headers: dict[str, str], policy: Policy) -> Result:
    """POST `body` and return (status, first KiB of the answer, decoded leniently).
    Raises FetchError when the URL is refused or nothing usable came back.

    The whole exchange ends after twice the policy's timeout: a watchdog timer, started
    before the connection, shuts the socket down, so an endpoint dripping its headers
    or body byte by byte cannot hold a delivery worker longer than that. The timer is
    the deadline: this module never reads the clock (services/clock.py does)."""
    scheme, host, port, path = check_url(url, policy)
    ip = _resolve(host, port, policy)
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    budget = 2 * policy.timeout
    conn = cls(host, ip, port, policy.timeout)
    watch = _Watchdog(budget)
    try:
        watch.start()
        conn.connect()
        watch.guard(conn.sock)
        conn.request("POST", path, body=body, headers={
            "User-Agent": USER_AGENT, "Content-Type": "application/json", **headers,
            "Content-Length": str(len(body)), "Connection": "close"})
        response = conn.getresponse()
        if watch.fired.is_set():  # cut off before the headers were complete: no answer at all
            raise FetchError(f"{host} did not answer within {budget:g} seconds")
        data = _read_until(response, watch.fired, min(policy.max_bytes, MAX_READ))
        return Result(response.status, excerpt(data))
    except (OSError, http.client.HTTPException) as exc:
        if watch.fired.is_set():  # the watchdog's shutdown broke the read: that is the timeout, not a network error
            raise FetchError(f"{host} did not answer within {budget:g} seconds") from exc
        raise FetchError(f"could not reach {host}: {exc.__class__.__name__}") from exc
    finally:
        watch.cancel()
        conn.close()


class _Watchdog:
    """After `seconds`, set `fired` and shut down the guarded socket: any read on it
    (the response keeps using it after the connection object lets go of it) ends."""

    def __init__(self, seconds: float) -> None:
        self.fired = threading.Event()
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._abort)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def guard(self, sock: socket.socket | None) -> None:
        """Watch the connected socket. If the time ran out while connecting, give up now:
        the timer set `fired` before it looked for a socket, so one of the two sees the other."""
        self._sock = sock
        if self.fired.is_set():
            raise TimeoutError("the deadline passed while connecting")

    def _abort(self) -> None:
        self.fired.set()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def excerpt(data: bytes) -> str:
    """The first KiB of an answer as display text: control characters (other than
    newlines and tabs) become spaces, so a stored excerpt stays small once in JSON."""
    text = data[:MAX_EXCERPT].decode("utf-8", "replace")
    return "".join(c if c in "\n\t" or (c >= " " and c != "\x7f") else " " for c in text)


def _read_until(response: http.client.HTTPResponse, stop: threading.Event, limit: int) -> bytes:
    """Read up to `limit` bytes or until the watchdog fires, whichever comes first."""
    chunks: list[bytes] = []
    size = 0
    while size < limit and not stop.is_set():
        try:
            chunk = response.read1(min(4096, limit - size))
        except (OSError, http.client.HTTPException, ValueError):
            break  # the status line already arrived; a broken body only shortens the excerpt
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
