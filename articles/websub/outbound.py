"""Every request Masthead makes to an address someone else chose (callbacks, webhooks, hubs).

Those addresses come from the internet (anyone may subscribe), so the request must not become
a way to reach the machine itself or its private network (server-side request forgery):

- the host is resolved here, and every address it resolves to must be a public one (no
  loopback, private, link-local, shared, reserved, multicast or unspecified address), unless
  WEBSUB_ALLOW_PRIVATE_CALLBACKS=True (tests, intranets);
- the connection goes to the address that was checked, not to a second lookup, so a name
  that changes its answer between the check and the request gains nothing;
- redirects are never followed (a 3xx is a failed delivery), and only http and https are spoken;
- each request is bounded by WEBSUB_TIMEOUT, and at most `MAX_RESPONSE_BYTES` of the answer is read.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MAX_RESPONSE_BYTES = 64 * 1024


class RefusedAddress(ValueError):
    """The URL may not be requested: not http(s), no host, or a host on a non-public address."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to) for `url`, or RefusedAddress saying why."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise RefusedAddress(f"not a valid URL ({error})") from None
    if parts.scheme not in ("http", "https"):
        raise RefusedAddress("only http and https URLs are accepted")
    if not parts.hostname:
        raise RefusedAddress("the URL has no host")
    if parts.username or parts.password:
        raise RefusedAddress("the URL may not carry a user name or password")
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise RefusedAddress(f"the host {host} does not resolve ({error})") from None
    addresses = [info[4][0] for info in found]
    if not settings.WEBSUB_ALLOW_PRIVATE_CALLBACKS:
        private = [address for address in addresses if not _public(address)]
        if private:
            raise RefusedAddress(
                f"the host {host} resolves to a non-public address ({private[0]}); "
                "set WEBSUB_ALLOW_PRIVATE_CALLBACKS=True to allow loopback and private networks"
            )
    return parts.scheme, host, port, addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the host name says now."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, as for any HTTPS request.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def request(method: str, url: str, body: bytes = b"", headers: dict | None = None) -> Answer:
    """Send one request to `url` and read the start of the answer.

    Raises RefusedAddress for an address that may not be requested, OSError (timeouts included)
    or http.client.HTTPException when the exchange fails.
    """
    scheme, host, port, address = check_url(url)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address, settings.WEBSUB_TIMEOUT)
    try:
        headers = {"User-Agent": "Masthead WebSub hub", **(headers or {})}
        if method != "GET":
            headers.setdefault("Content-Length", str(len(body)))
        connection.request(method, target, body=body if method != "GET" else None, headers=headers)
        response = connection.getresponse()
        return Answer(status=response.status, body=response.read(MAX_RESPONSE_BYTES))
    finally:
        connection.close()
