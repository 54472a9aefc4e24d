"""Downloading a key server's export files: its signing keys, the region's index, then each new file, verified.

The server lists the files of a region oldest first in ``exposure/exports/<region>/index.txt``, one path from
the site root per line (the layout of the Exposure Notification key server). A phone keeps the paths it has
already processed and fetches only the others. Every file is verified with the keys the phone trusts before
any key in it is used.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from phongdich.exposure.client.export import ExportBatch, ExportError, load_public_keys, read_export_zip

Fetch = Callable[[str], bytes]

# A file of the largest batch (750,000 keys, the format's usual cap) stays well below this.
MAX_DOWNLOAD_BYTES = 32 * 1024 * 1024
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Downloaded:
    path: str
    batch: ExportBatch


def http_fetch(url: str) -> bytes:
    """GET ``url`` (http or https only), refusing bodies larger than :data:`MAX_DOWNLOAD_BYTES`."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ExportError(f"not an http(s) address: {url}")
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (scheme checked above)
        data: bytes = response.read(MAX_DOWNLOAD_BYTES + 1)
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise ExportError(f"larger than {MAX_DOWNLOAD_BYTES} bytes: {url}")
    return data


def _site(base_url: str) -> str:
    return base_url if base_url.endswith("/") else base_url + "/"


def index_paths(text: str) -> list[str]:
    """The file paths an index lists. Only paths relative to the site are accepted: an index may not send
    the phone to another host."""
    paths = []
    for number, raw in enumerate(text.splitlines(), start=1):
        path = raw.strip()
        if not path:
            continue
        if path.startswith("/") or urlsplit(path).scheme or urlsplit(path).netloc or ".." in path.split("/"):
            raise ExportError(f"index line {number}: not a path on this server")
        paths.append(path)
    return paths


def fetch_public_keys(base_url: str, *, fetch: Fetch = http_fetch) -> dict[tuple[str, str], ec.EllipticCurvePublicKey]:
    """The server's published export signing keys. A real phone is configured with them out of band (the
    health authority registers them with the platform); this is for tests and the province's own tools."""
    return load_public_keys(fetch(urljoin(_site(base_url), "exposure/keys.txt")).decode("utf-8"))


def download_exports(
    base_url: str,
    region: str,
    public_keys: Mapping[tuple[str, str], ec.EllipticCurvePublicKey],
    *,
    seen: Collection[str] = (),
    fetch: Fetch = http_fetch,
) -> list[Downloaded]:
    """The region's export files not in ``seen``, oldest first, each verified (:class:`ExportError` if not)."""
    site = _site(base_url)
    index = fetch(urljoin(site, f"exposure/exports/{region}/index.txt")).decode("utf-8")
    downloaded = []
    for path in index_paths(index):
        if path in seen:
            continue
        batch = read_export_zip(fetch(urljoin(site, path)), public_keys)
        if batch.region != region:
            raise ExportError(f"{path}: a file of region {batch.region!r}, not {region!r}")
        downloaded.append(Downloaded(path, batch))
    return downloaded
