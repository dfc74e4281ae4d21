"""Reading a list version from where it is published: a folder, a file, a URL (for OFAC, the folder URL)."""

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from portcullis.watchlist.sources.catalogue import SOURCES
from portcullis.watchlist.sources.fetch import FetchError, fetch_files
from tests.conftest import REPO

DATA = REPO / "data"
LIMIT = 64 * 1024 * 1024


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The repository's data folder over HTTP on a free local port, plus a folder with sdn.csv alone."""
    (tmp_path / "sdn-only").mkdir()
    (tmp_path / "sdn-only" / "sdn.csv").write_bytes((DATA / "ofac-sdn" / "sdn.csv").read_bytes())
    (tmp_path / "data").symlink_to(DATA)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_a_folder_a_file_and_a_url_give_the_same_version(served: str) -> None:
    folder = await fetch_files(SOURCES["un-sc"], str(DATA / "un-sc"), LIMIT)
    file = await fetch_files(SOURCES["un-sc"], str(DATA / "un-sc" / "consolidated.xml"), LIMIT)
    url = await fetch_files(SOURCES["un-sc"], f"{served}/data/un-sc/consolidated.xml", LIMIT)
    assert folder == file == url
    assert list(url) == ["consolidated.xml"]
    assert url["consolidated.xml"].startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')


async def test_ofac_reads_both_files_from_a_folder_url_and_does_without_the_optional_one(served: str) -> None:
    both = await fetch_files(SOURCES["ofac-sdn"], f"{served}/data/ofac-sdn/", LIMIT)
    assert sorted(both) == ["alt.csv", "sdn.csv"]
    assert both["sdn.csv"] == (DATA / "ofac-sdn" / "sdn.csv").read_text(encoding="utf-8")
    alone = await fetch_files(SOURCES["ofac-sdn"], f"{served}/sdn-only", LIMIT)
    assert list(alone) == ["sdn.csv"]


async def test_what_cannot_be_read_says_where(served: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"/data/un-sc/missing.xml: HTTP 404"):
        await fetch_files(SOURCES["un-sc"], f"{served}/data/un-sc/missing.xml", LIMIT)
    with pytest.raises(FetchError, match=r"sdn\.csv is missing"):
        await fetch_files(SOURCES["ofac-sdn"], str(tmp_path), LIMIT)
    with pytest.raises(FetchError, match="over the limit of 1000"):
        await fetch_files(SOURCES["un-sc"], str(DATA / "un-sc"), 1000)
    (tmp_path / "latin1.xml").write_bytes("<a>é</a>".encode("latin-1"))
    with pytest.raises(FetchError, match=r"not UTF-8 text \(byte 3\)"):
        await fetch_files(SOURCES["un-sc"], str(tmp_path / "latin1.xml"), LIMIT)
