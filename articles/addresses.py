"""Absolute URLs: the one rule for feeds, sitemaps, canonical links and social meta.

The site's public origin is SITE_URL when set (the address readers use, e.g. behind a proxy
that does not forward the host), else the origin of the request being answered.
"""

from html import escape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.encoding import iri_to_uri


def public_origin(scheme: str, host: str) -> str:
    """`https://host` readers reach the site at, without a trailing slash, for a request made
    with `scheme` to `host`."""
    return settings.SITE_URL.rstrip("/") or f"{scheme}://{host}"


def site_origin(request) -> str:
    return public_origin(request.scheme, request.get_host())


def absolute_url(request, url: str) -> str:
    """`url` (a path, or already absolute) as an absolute URL on the site's public origin."""
    return iri_to_uri(urljoin(site_origin(request) + "/", url))


def origin_parts(scheme: str, host: str) -> tuple[str, str]:
    """(scheme, host) of `public_origin`: what Django's sitemaps build their URLs from."""
    parts = urlsplit(public_origin(scheme, host))
    return parts.scheme, parts.netloc


# Attributes holding one URL, and `srcset`, which holds a list of "URL descriptor" pairs.
_URL_ATTRIBUTES = {"href", "src", "cite", "poster", "action", "longdesc"}
_URL_SCHEMES = {"http", "https", "mailto"}
_ASCII_WHITESPACE = " \t\n\r\f"  # what separates srcset candidates (HTML), nothing else


class _AbsoluteURLs(HTMLParser):
    """Re-emits HTML with every URL-bearing attribute resolved against a base URL.

    Text, entities and tag structure pass through untouched; only attribute values are
    rewritten (and re-escaped), so odd but valid input cannot be mangled the way a regular
    expression would mangle it. Comments, declarations and processing instructions are dropped.
    """

    def __init__(self, base_url: str):
        super().__init__(convert_charrefs=False)
        self.base_url, self.out = base_url, []

    def _resolve(self, url: str) -> str | None:
        # Never strip: str.strip() also removes Unicode spaces (NBSP, U+2028...), which would turn
        # an inert "\u00a0javascript:" into a live script URL. The result is parsed, and only a
        # web or mail address is kept.
        try:
            resolved = urljoin(self.base_url, url)
            scheme = urlsplit(resolved).scheme.lower()
        except ValueError:  # e.g. a malformed IPv6 host: drop the attribute rather than fail the page
            return None
        return resolved if scheme in _URL_SCHEMES else None

    def _srcset(self, value: str) -> str | None:
        candidates = []
        for candidate in value.split(","):
            url, _, descriptor = candidate.strip(_ASCII_WHITESPACE).partition(" ")
            if url:
                resolved = self._resolve(url)
                if resolved is None:
                    return None
                candidates.append(f"{resolved} {descriptor.strip(_ASCII_WHITESPACE)}".strip(_ASCII_WHITESPACE))
        return ", ".join(candidates)

    def _tag(self, tag, attrs, close):
        parts = [tag]
        for name, value in attrs:
            if value is not None and name in _URL_ATTRIBUTES:
                value = self._resolve(value)
            elif value is not None and name == "srcset":
                value = self._srcset(value)
            if value is None and name in _URL_ATTRIBUTES | {"srcset"}:
                continue
            parts.append(name if value is None else f'{name}="{escape(value, quote=True)}"')
        return "<" + " ".join(parts) + close

    def handle_starttag(self, tag, attrs):
        self.out.append(self._tag(tag, attrs, ">"))

    def handle_startendtag(self, tag, attrs):
        self.out.append(self._tag(tag, attrs, " />"))

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(data)

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")


def absolute_html(html: str, base_url: str) -> str:
    """`html` with every link, image and srcset URL made absolute against `base_url`."""
    parser = _AbsoluteURLs(base_url)
    parser.feed(html)
    parser.close()
    return "".join(parser.out)
