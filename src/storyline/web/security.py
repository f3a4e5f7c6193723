"""What keeps scraped text and other sites from turning the reader against its user.

- Every response carries a strict Content-Security-Policy: no script at all, styles from this
  server only, no frames. Templates autoescape, so a page's own markup is shown, never run.
- Requests whose Host is not a name this server answers to are refused (400): a page elsewhere
  cannot reach a local server by pointing its own domain at 127.0.0.1 (DNS rebinding).
- Request bodies are bounded (413), whether or not they state their length.
- Writes need proof they come from the reader itself: the form's CSRF token (which matches a
  signed cookie), or a request no other site's page can send without a CORS preflight (JSON, or
  a custom header). Bound to a non-loopback address, every write also needs the write token.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets

from starlette.datastructures import Headers

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
CSRF_COOKIE = "storyline_csrf"
TOKEN_HEADER = "x-storyline-token"


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def served_names(host: str, extra: list[str] | None = None) -> set[str]:
    """The Host names a request may carry: the bound address, loopback names when bound to
    loopback (or to every interface), and any the user adds (`--allowed-host`)."""
    names = {host.lower()} | {h.lower() for h in extra or []}
    if is_loopback(host) or host in ("0.0.0.0", "::"):
        names |= {"localhost", "127.0.0.1", "[::1]", "::1"}
    return names


class Csrf:
    """Double-submit tokens: a random value signed with this server's secret, set as a cookie
    and echoed by every form. Another site can neither read the cookie nor forge the signature."""

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)

    def new(self) -> str:
        nonce = secrets.token_urlsafe(18)
        return f"{nonce}.{self._sign(nonce)}"

    def _sign(self, nonce: str) -> str:
        return hmac.new(self.secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def valid(self, cookie: str | None, submitted: str | None) -> bool:
        # Tokens are ASCII; a cookie or field that is not (planted by another app on localhost) is
        # invalid, and never reaches compare_digest, which refuses non-ASCII strings with a TypeError.
        if not cookie or not submitted or not cookie.isascii() or not submitted.isascii() \
                or not hmac.compare_digest(cookie, submitted):
            return False
        nonce, _, signature = cookie.partition(".")
        return hmac.compare_digest(signature, self._sign(nonce))


def _error(status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"error": {"status": status, "code": code, "message": message}}).encode()


class Guard:
    """ASGI middleware: Host check, body limit and security headers on every response."""

    def __init__(self, app, *, names: set[str], max_body: int) -> None:
        self.app = app
        self.names = names
        self.max_body = max_body

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "").lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name not in self.names:
            await _reply(send, *_error(400, "bad_host", f"this server does not answer to {host[:100]!r}"))
            return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _reply(send, *_error(413, "too_large", f"request bodies are limited to {self.max_body} bytes"))
            return
        seen = 0

        async def bounded_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        try:
            await self.app(scope, bounded_receive, send_with_headers)
        except BodyTooLarge:  # the app answers it itself (an exception handler); this is the fallback
            if not started:
                await _reply(send, *_error(413, "too_large", f"request bodies are limited to {self.max_body} bytes"))


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request bodies are limited to {limit} bytes")
        self.limit = limit


async def _reply(send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})
