"""Reading a version of a list from where it is published: a URL (the file, or for several files their folder URL)
or a local folder (or, for a one-file source, the file itself)."""

from pathlib import Path

import httpx

from portcullis.watchlist.sources.catalogue import Source


class FetchError(Exception):
    """The version could not be read (unreachable, not found, not UTF-8)."""


def is_url(origin: str) -> bool:
    """Whether the origin is an http(s) URL rather than a path."""
    return origin.startswith(("http://", "https://"))


async def fetch_files(source: Source, origin: str, max_bytes: int, timeout_s: float = 120.0) -> dict[str, str]:
    """The files of the source's version at `origin`; optional files that are absent are left out."""
    if is_url(origin):
        return await _from_url(source, origin, max_bytes, timeout_s)
    return _from_path(source, Path(origin), max_bytes)


async def _from_url(source: Source, origin: str, max_bytes: int, timeout_s: float) -> dict[str, str]:
    files: dict[str, str] = {}
    urls = (
        {source.files[0]: origin}
        if len(source.files) == 1
        else {name: f"{origin.rstrip('/')}/{name}" for name in source.files}
    )
    async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=True) as client:
        for name, url in urls.items():
            try:
                response = await client.get(url)
            except httpx.HTTPError as error:
                raise FetchError(f"{url}: {type(error).__name__}") from error
            if response.status_code == 404 and name not in source.required:
                continue
            if response.status_code != 200:
                raise FetchError(f"{url}: HTTP {response.status_code}")
            files[name] = _text(response.content, url, max_bytes)
    return files


def _from_path(source: Source, path: Path, max_bytes: int) -> dict[str, str]:
    if path.is_file() and len(source.files) == 1:
        return {source.files[0]: _text(_read(path), str(path), max_bytes)}
    if not path.is_dir():
        raise FetchError(f"{path}: no such folder")
    files = {}
    for name in source.files:
        if (path / name).is_file():
            files[name] = _text(_read(path / name), str(path / name), max_bytes)
        elif name in source.required:
            raise FetchError(f"{path}: {name} is missing")
    return files


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise FetchError(f"{path}: {error.strerror}") from error


def _text(content: bytes, where: str, max_bytes: int) -> str:
    if len(content) > max_bytes:
        raise FetchError(f"{where}: {len(content)} bytes, over the limit of {max_bytes}")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FetchError(f"{where}: not UTF-8 text (byte {error.start})") from error
    # Universal newlines, as a file read as text has them: the same list gives the same content hash wherever read.
    return text.replace("\r\n", "\n").replace("\r", "\n")
