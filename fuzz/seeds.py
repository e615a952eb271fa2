#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into fuzz/seeds/<target>/ (not committed: made from the
fixture captures in core/tests/fixtures, whose NOTICE.md names their sources and licences).

frames: per fixture file a few inputs in the `frames` target's format (venue byte, then
        messages split by 0xFF, each `tag body`: tag 0 WebSocket frame, 1 REST body): the first
        rows of the capture, the rows from its first REST snapshot on (so that diffs bridge a
        snapshot), and one of each channel label. At most MAX_INPUT bytes each.
record: small .twrec files (written here in the format of core/src/record.rs) and TSV heads.
http: HTTP responses (Content-Length, chunked, read to close) around small REST bodies.
decimal, spec: hand-written strings.

`python3 fuzz/seeds.py [OUT_DIR]` (default fuzz/seeds); prints how many seeds it wrote.
"""

import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "core", "tests", "fixtures")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "seeds")
MAX_INPUT = 16 << 10  # bytes per seed (the runs use -max_len=65536)
ROWS = 12  # messages per seed

# Venue::ALL order (core/src/event.rs): the frames target maps byte b to ALL[b % 14]
VENUES = ["binance", "binance-usdm", "binance-coinm", "okx", "bybit-spot", "bybit-linear",
          "bybit-inverse", "coinbase", "kraken", "gateio", "gateio-futures", "bitget",
          "bitget-futures", "hyperliquid"]


def venue_of(folder, name):
    if folder == "bybit":
        return "bybit-spot" if "spot" in name else "bybit-inverse" if "inverse" in name else "bybit-linear"
    if folder == "bitget":
        return "bitget-futures" if "mix" in name else "bitget"
    return folder.replace("_", "-")


def rows(path):
    with open(path, "rb") as f:
        for line in f:
            cols = line.rstrip(b"\r\n").split(b"\t", 3)
            if len(cols) == 4 and cols[0].isdigit() and cols[2] != b"client_sent":
                yield cols[2].decode("utf-8", "replace"), cols[3]


def frames_input(venue, msgs):
    out = bytes([VENUES.index(venue)])
    parts = []
    for label, payload in msgs:
        tag = b"\x01" if label.startswith("rest_") else b"\x00"
        part = tag + payload
        if len(out) + sum(len(p) + 1 for p in parts) + len(part) > MAX_INPUT:
            break
        parts.append(part)
    return out + b"\xff".join(parts) if parts else None


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def twrec(venue, msgs):
    out = b"TWREC\x00" + struct.pack("<HH", 1, len(venue)) + venue.encode()
    for i, (label, payload) in enumerate(msgs):
        kind = 3 if label.startswith("rest_") else 1
        meta = b"BTCUSDT" if kind == 3 else b""
        head = struct.pack("<BBHq", kind, len(meta), i % 3, 1_700_000_000_000_000_000 + i)
        crc = zlib.crc32(head + meta + payload) & 0xFFFFFFFF
        out += struct.pack("<I", len(payload)) + head + struct.pack("<I", crc) + meta + payload
    return out


def main():
    n = 0
    for folder in sorted(os.listdir(FIXTURES)):
        d = os.path.join(FIXTURES, folder)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith(".tsv"):
                continue
            venue = venue_of(folder, name)
            all_rows = list(rows(os.path.join(d, name)))
            small = [r for r in all_rows if len(r[1]) < MAX_INPUT // 2]
            stem = f"{folder}-{name[:-4]}"
            seeds = {"head": small[:ROWS]}
            rest = [i for i, r in enumerate(all_rows) if r[0].startswith("rest_depth")]
            if rest:
                seeds["snapshot"] = all_rows[rest[0]:rest[0] + ROWS]
            by_label = {}
            for r in small:
                by_label.setdefault(r[0], r)
            seeds["labels"] = list(by_label.values())
            for kind, msgs in seeds.items():
                data = frames_input(venue, msgs)
                if data:
                    write("frames", f"{stem}-{kind}", data)
                    n += 1
            if small:
                write("record", f"{stem}.twrec", twrec(venue, small[:4]))
                write("record", f"{stem}.tsv", b"recv_ns\tconn\tchannel\tframe\n"
                      + b"".join(b"%d\tc\t%s\t%s\n" % (i, r[0].encode(), r[1]) for i, r in enumerate(small[:4])))
                n += 2
    decimals = ["61837.63000000", "0.00000123", "35", "-1.5e-7", "+007", ".5", "5.", "1e0000005",
                "-9223372036854775808", "9223372036854775807", "0e99", "-0.000", "1E+3", "12.3456789012345678"]
    for i, s in enumerate(decimals):
        for j, exp in enumerate((-8, -2, 0, 3, -18)):
            write("decimal", f"d{i}-{j}", bytes([exp & 0xFF]) + s.encode())
            n += 1
    bodies = [b'{"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}', b"{}"]
    for i, body in enumerate(bodies):
        write("http", f"h{i}-length", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[k:k + 40]), body[k:k + 40]) for k in range(0, len(body), 40))
        write("http", f"h{i}-chunked", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0;x=y\r\n\r\n")
        write("http", f"h{i}-close", b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nConnection: close\r\n\r\n" + body)
        n += 3
    specs = ["binance:BTCUSDT:trades,bbo,book", "okx:BTC-USDT:trades,book=books-l2-tbt",
             "bybit:BTCUSDT:book=50", "gateio:BTC_USDT:book=obu", "kraken:XBT/USD:book=100",
             "hyperliquid:kPEPE", "binance-usdm:btcusdt:aggtrades,candles", "coinbase:BTC-USD:bbo",
             "bitget-futures:BTCUSDT:book=books5,trades"]
    for i, s in enumerate(specs):
        write("spec", f"s{i}", s.encode())
        n += 1
    print(f"seeds: {n} written under {OUT}")


if __name__ == "__main__":
    main()
