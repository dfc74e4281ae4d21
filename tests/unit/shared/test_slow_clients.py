"""Slow clients cannot hold connections: late headers get 408 and a close, a late body a close; answers that take
long (the live stream) and large bodies sent at once are untouched. A real uvicorn server, raw sockets."""

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from portcullis.shared.serve import guarded_protocol

HEADER_TIMEOUT_S = 0.6
BODY_TIMEOUT_S = 1.2


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @app.get("/slow-stream")
    async def slow_stream() -> StreamingResponse:
        async def ticks() -> AsyncIterator[str]:
            for n in range(8):  # 2 s: longer than both timeouts
                yield f"data: {n}\n\n"
                await asyncio.sleep(0.25)

        return StreamingResponse(ticks(), media_type="text/event-stream")

    return app


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, int]]:
    config = uvicorn.Config(
        _app(),
        log_config=None,
        http=guarded_protocol(HEADER_TIMEOUT_S, BODY_TIMEOUT_S),
        lifespan="off",
    )
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listening]))
    await asyncio.sleep(0.3)  # startup: the socket already accepts, uvicorn serves it once started
    yield "127.0.0.1", port
    server.should_exit = server.force_exit = True  # a connection the guard failed to close must not hang the test
    await asyncio.wait_for(task, 10)


async def _connect(address: tuple[str, int]) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(*address)


async def _closed_after(reader: asyncio.StreamReader, limit_s: float) -> tuple[float, bytes]:
    """Seconds until the server closed the connection, and what it sent."""
    started = time.monotonic()
    received = await asyncio.wait_for(reader.read(), limit_s)
    return time.monotonic() - started, received


async def test_headers_sent_a_line_at_a_time_are_cut_off_with_408(server: tuple[str, int]) -> None:
    reader, writer = await _connect(server)
    started = time.monotonic()
    writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\n")

    async def trickle() -> None:
        for n in range(100):
            await asyncio.sleep(0.1)
            writer.write(f"X-Slow-{n}: a\r\n".encode())
            await writer.drain()

    dripping = asyncio.create_task(trickle())
    try:
        _, received = await _closed_after(reader, 5)
    finally:
        dripping.cancel()
    elapsed = time.monotonic() - started
    assert HEADER_TIMEOUT_S <= elapsed < HEADER_TIMEOUT_S + 1
    assert received.startswith(b"HTTP/1.1 408 ")
    writer.close()


async def test_a_client_still_sending_when_cut_off_reads_the_408_not_a_reset(server: tuple[str, int]) -> None:
    # The client keeps writing header lines past the deadline and reads only afterwards: a server that closed at
    # once would answer those lines with a reset, and the reset discards the 408 waiting in the client's buffer.
    reader, writer = await _connect(server)
    writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\n")
    for n in range(int((HEADER_TIMEOUT_S + 0.6) / 0.05)):
        await asyncio.sleep(0.05)
        writer.write(f"X-Slow-{n}: a\r\n".encode())
        await writer.drain()
    _, received = await _closed_after(reader, 5)
    assert received.startswith(b"HTTP/1.1 408 ")
    writer.close()


async def test_a_connection_that_sends_nothing_is_closed(server: tuple[str, int]) -> None:
    reader, writer = await _connect(server)
    elapsed, _ = await _closed_after(reader, 5)
    assert elapsed < HEADER_TIMEOUT_S + 1
    writer.close()


async def test_a_body_sent_a_byte_at_a_time_is_cut_off(server: tuple[str, int]) -> None:
    reader, writer = await _connect(server)
    writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    started = time.monotonic()

    async def trickle() -> None:
        for _ in range(1000):
            await asyncio.sleep(0.1)
            writer.write(b" ")
            await writer.drain()

    dripping = asyncio.create_task(trickle())
    try:
        _, received = await _closed_after(reader, 5)
    finally:
        dripping.cancel()
    assert BODY_TIMEOUT_S <= time.monotonic() - started < BODY_TIMEOUT_S + 1
    assert b"200 OK" not in received
    writer.close()


async def test_a_long_answer_and_a_large_body_sent_at_once_are_not_cut(server: tuple[str, int]) -> None:
    reader, writer = await _connect(server)
    writer.write(b"GET /slow-stream HTTP/1.1\r\nHost: x\r\n\r\n")
    started = time.monotonic()
    received = await asyncio.wait_for(reader.readuntil(b"0\r\n\r\n"), 5)  # the chunked answer's end
    assert received.startswith(b"HTTP/1.1 200 OK")
    assert b"data: 7" in received
    assert time.monotonic() - started > BODY_TIMEOUT_S
    # The same connection, kept alive, takes the next request, with 8 MiB of body.
    body = b"[" + b"1," * (4 * 1024 * 1024) + b"1]"
    writer.write(f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    answer = await asyncio.wait_for(reader.readuntil(b"}"), 10)
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert answer.endswith(f'{{"bytes":{len(body)}}}'.encode())
    writer.close()
