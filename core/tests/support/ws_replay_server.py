#!/usr/bin/env python3
"""An independent WebSocket server for interop tests: serves the WebSocket frames of a corpus
TSV capture with Python's `websockets` (and OpenSSL TLS when given a certificate), filtered by
the streams named in the URL (`/stream?streams=a/b`, Binance's combined-stream form).

Prints its URL on stdout, then serves until stdin closes or --seconds pass.
"""
import argparse, asyncio, json, ssl, sys, urllib.parse

import websockets


def load_frames(path):
    frames = []
    with open(path, encoding="utf-8") as f:
        next(f)  # header
        for line in f:
            cols = line.rstrip("\n").split("\t", 3)
            if len(cols) < 4 or cols[2] == "client_sent" or cols[2].startswith("rest_"):
                continue
            frames.append(cols[3])
    return frames


def stream_of(frame):
    try:
        return json.loads(frame).get("stream")
    except Exception:
        return None


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    frames = [(stream_of(f), f) for f in load_frames(args.file)]
    ctx = None
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)

    async def handler(ws):
        q = urllib.parse.urlparse(ws.request.path).query
        wanted = set(urllib.parse.parse_qs(q).get("streams", [""])[0].split("/"))
        for stream, frame in frames:
            if stream in wanted:
                await ws.send(frame)
        await ws.wait_closed()

    async with websockets.serve(handler, "127.0.0.1", 0, ssl=ctx, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"{'wss' if ctx else 'ws'}://127.0.0.1:{port}", flush=True)
        loop = asyncio.get_running_loop()
        stdin_closed = loop.run_in_executor(None, sys.stdin.read)
        await asyncio.wait([asyncio.ensure_future(stdin_closed)], timeout=args.seconds)


asyncio.run(main())
