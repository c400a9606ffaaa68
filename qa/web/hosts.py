"""Which Host and Origin the app answers to: a pure decision (`refusal`) and a thin ASGI middleware around it.

A server on 127.0.0.1 is still reachable from any web page the user opens: through DNS rebinding a page at
`evil.example` resolves its own name to 127.0.0.1 and talks to the app as `Host: evil.example:7860`; a form
or `fetch` from another site carries that site in `Origin`. So, as Jupyter server (`check_host`,
`check_origin`) and Vite do, every request (HTTP, the queue's event stream, websockets) must name an allowed
host: the host the app is bound to, `localhost`, `127.0.0.1` or `[::1]`, with any port, plus the names given
with `app.py --allow-host`. A request whose `Origin` is present must come from one of those hosts too
(`Origin: null`, sent by sandboxed and file pages, is refused). Anything else gets a 403 with one line.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_HOST = re.compile(r"^(?P<name>\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(?P<port>[0-9]{1,5}))?$")
_SHOWN_CHARS = 100

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def host_name(value: str | None) -> str | None:
    """The host of a `Host` header value or `--allow-host` name, lower-cased, without port or trailing dot (IPv6
    in brackets); None when it is not a plain host name or address."""
    if not value:
        return None
    text = value.strip().lower()
    if ":" in text and not text.startswith("[") and text.count(":") > 1:
        text = f"[{text}]"  # a bare IPv6 address (from --host or --allow-host)
    match = _HOST.match(text)
    if match is None:
        return None
    name = match.group("name").rstrip(".")
    return name or None


def allowed_hosts(bound: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The host names the app answers to: the bound host, localhost, 127.0.0.1, [::1] and `extra`.
    Raises ValueError naming a value of `extra` that is not a host name."""
    names = set()
    for value in DEFAULT_HOSTS:
        names.add(host_name(value))
    if host_name(bound):
        names.add(host_name(bound))
    for value in extra:
        name = host_name(value)
        if name is None:
            raise ValueError(
                f"--allow-host {value!r} is not a host name or address; give a name such as "
                "myhost.lan or an address such as 192.168.1.20"
            )
        names.add(name)
    return frozenset(n for n in names if n)


def _shown(value: str) -> str:
    text = "".join(ch if " " <= ch < "\x7f" else "?" for ch in value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "..."


def origin_host(origin: str) -> str | None:
    """The host of an `Origin` header (`scheme://host[:port]`), or None for `null` and anything malformed."""
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return host_name(parts.netloc)


def refusal(host: str | None, origin: str | None, allowed: frozenset[str]) -> str | None:
    """Why a request with these `Host` and `Origin` header values is refused, or None when it is allowed."""
    listed = ", ".join(sorted(allowed))
    if host_name(host) not in allowed:
        return (
            f"Host {_shown(host or '(none)')!r} is not allowed: this app answers only to {listed} (any port); "
            "open it by one of those names or start app.py with --allow-host NAME"
        )
    if origin is not None and origin_host(origin) not in allowed:
        return (
            f"Origin {_shown(origin)!r} is not allowed: requests must come from a page of {listed} (any port); "
            "open the app itself rather than another site, or start app.py with --allow-host NAME"
        )
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of header `name` (lower-case), decoded as Latin-1, or None."""
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class HostOriginMiddleware:
    """Refuse HTTP requests and websockets whose Host or Origin `refusal` refuses; pass everything else on."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
    ) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan
            return
        reason = refusal(_header(scope, b"host"), _header(scope, b"origin"), self.allowed)
        if reason is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})  # before accept: a 403
        else:
            body = (reason + "\n").encode("utf-8")
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                        (b"x-content-type-options", b"nosniff"),
                        (b"cache-control", b"no-store"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
