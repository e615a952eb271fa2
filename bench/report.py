#!/usr/bin/env python3
"""Benchmark report: targets T1-T10, every criterion benchmark, the peers, plots.

    python bench/report.py [--criterion DIR] [--results DIR] [--out DIR] [--since EPOCH]
                           [--latest PATH | --no-latest]

Inputs (each may be missing: its rows then say "not measured" and why):
  * criterion's output: DIR/**/new/benchmark.json + estimates.json (median point estimate, ns
    per iteration; throughput from benchmark.json). Default: $CARGO_TARGET_DIR/criterion, else
    target/native/criterion (where `make bench` builds), else target/criterion. With --since,
    results older than that time (earlier runs left in the directory) are listed as stale and
    used for nothing.
  * RESULTS/live.json (bench/src/bin/live.rs), memory.json (bench/src/bin/memory.rs),
    python.json (examples/python/bench.py with TW_BENCH_OUT).
Writes OUT/report.md (OUT defaults to RESULTS) with PNG plots next to it (matplotlib; without
it the plots are skipped and the report says so), and copies the report to --latest (default
bench/results/latest.md) with the image links pointing into OUT.

Standard library + matplotlib only. Every figure in the report comes from these inputs; the
verdicts are computed from them against the targets of docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import platform
import re
import shutil
import subprocess
import sys
from typing import Any, Dict, List, Optional, Tuple

ROOT = pathlib.Path(__file__).resolve().parents[1]
MB = 1024 * 1024

# ------------------------------------------------------------------------------------------------
# inputs


def load_json(path: pathlib.Path) -> Tuple[Optional[Dict[str, Any]], str]:
    """(data, reason if missing/unreadable)."""
    if not path.exists():
        return None, f"no {path.name} in {path.parent}"
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        return None, f"{path.name} unreadable: {e}"
    if not isinstance(data, dict):
        return None, f"{path.name}: not a JSON object"
    return data, ""


def default_criterion_dir() -> pathlib.Path:
    cands = []
    if os.environ.get("CARGO_TARGET_DIR"):
        cands.append(pathlib.Path(os.environ["CARGO_TARGET_DIR"]) / "criterion")
    cands += [ROOT / "target/native/criterion", ROOT / "target/criterion"]
    for c in cands:
        if c.is_dir():
            return c
    return cands[0]


class Bench:
    def __init__(self, full_id: str, group: str, median_ns: float, mean_ns: float,
                 throughput: Optional[Dict[str, Any]], mtime: float):
        self.id = full_id
        self.group = group
        self.median_ns = median_ns
        self.mean_ns = mean_ns
        self.throughput = throughput or {}
        self.mtime = mtime

    @property
    def elements(self) -> Optional[float]:
        v = self.throughput.get("Elements")
        return float(v) if v else None

    @property
    def bytes(self) -> Optional[float]:
        v = self.throughput.get("Bytes") or self.throughput.get("BytesDecimal")
        return float(v) if v else None

    def per_s(self) -> Optional[float]:
        """elements/s (or bytes/s) at the median."""
        n = self.elements or self.bytes
        if n and self.median_ns > 0:
            return n / (self.median_ns * 1e-9)
        return None

    def per_element_ns(self) -> float:
        return self.median_ns / (self.elements or 1.0)


def load_criterion(root: pathlib.Path, since: Optional[float]) -> Tuple[Dict[str, Bench], List[str], str]:
    """({full_id: Bench} of this run, [stale ids], reason if none)."""
    if not root.is_dir():
        return {}, [], f"no criterion directory {root}"
    out: Dict[str, Bench] = {}
    stale: List[str] = []
    for bj in sorted(root.glob("**/new/benchmark.json")):
        ej = bj.parent / "estimates.json"
        try:
            b = json.loads(bj.read_text(encoding="utf-8"))
            e = json.loads(ej.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        full = b.get("full_id") or "/".join(
            x for x in (b.get("group_id"), b.get("function_id"), b.get("value_str")) if x)
        mtime = ej.stat().st_mtime
        if since is not None and mtime < since:
            stale.append(full)
            continue
        med = (e.get("median") or {}).get("point_estimate")
        mean = (e.get("mean") or {}).get("point_estimate")
        if med is None:
            continue
        out[full] = Bench(full, b.get("group_id", ""), float(med), float(mean or med), b.get("throughput"), mtime)
    if not out:
        why = f"no criterion estimates under {root}"
        if stale:
            why += f" from this run ({len(stale)} older results ignored)"
        return out, stale, why
    return out, stale, ""


# ------------------------------------------------------------------------------------------------
# formatting


def ns(v: Optional[float]) -> str:
    if v is None:
        return "—"
    if v >= 1e9:
        return f"{v / 1e9:.3g} s"
    if v >= 1e6:
        return f"{v / 1e6:.3g} ms"
    if v >= 1e3:
        return f"{v / 1e3:.3g} µs"
    return f"{v:.3g} ns"


def rate(v: Optional[float], unit: str = "/s") -> str:
    if v is None:
        return "—"
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:.3g} {suf}{unit}"
    return f"{v:.3g} {unit}"


def fmt(v: Any, spec: str, suffix: str = "") -> str:
    x = num(v)
    return "—" if x is None else f"{x:{spec}}{suffix}"


def mib(v: Optional[float]) -> str:
    return "—" if v is None else f"{v / MB:.1f} MiB"


def num(v: Any) -> Optional[float]:
    try:
        return None if v is None or isinstance(v, bool) else float(v)
    except (TypeError, ValueError):
        return None


def verdict(ok: Optional[bool]) -> str:
    return {True: "met", False: "missed", None: "not measured"}[ok]


def table(head: List[str], rows: List[List[Any]], align: Optional[str] = None) -> str:
    align = align or "l" * len(head)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(sep) + " |"]
    for r in rows:
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# machine


def run(cmd: List[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> List[Tuple[str, str]]:
    lscpu = run(["lscpu"])
    info = {}
    for ln in lscpu.splitlines():
        k, _, v = ln.partition(":")
        info[k.strip()] = v.strip()
    model = info.get("Model name") or platform.processor() or "unknown"
    rustc = run(["rustc", "--version"]) or "rustc not found"
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(next(ln for ln in f if ln.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return [
        ("date (UTC)", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")),
        ("CPU", model),
        ("cores (logical)", info.get("CPU(s)") or str(os.cpu_count())),
        ("threads per core", info.get("Thread(s) per core", "?")),
        ("memory", mem or "?"),
        ("kernel", platform.release()),
        ("rustc", rustc),
        ("python", sys.version.split()[0]),
        ("load average at report time", " ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


# ------------------------------------------------------------------------------------------------
# targets


class Row:
    def __init__(self, t: str, what: str, target: str, measured: str, ok: Optional[bool]):
        self.t, self.what, self.target, self.measured, self.ok = t, what, target, measured, ok


def find(benches: Dict[str, Bench], *ids: str) -> Optional[Bench]:
    for i in ids:
        if i in benches:
            return benches[i]
    return None


def targets(benches: Dict[str, Bench], crit_why: str, live: Optional[dict], live_why: str,
            mem: Optional[dict], mem_why: str, py: Optional[dict], py_why: str) -> List[Row]:
    rows: List[Row] = []
    nm = "not measured: "

    # T1
    tw = find(benches, "binance_trade_frame/tickwire")
    sj = find(benches, "binance_trade_frame/serde_json_generic")
    what, target = "Binance trade frame → event", "≤ 150 ns; ≥ 3× serde_json generic (same run)"
    if tw and sj:
        r = sj.median_ns / tw.median_ns
        rows.append(Row("T1", what, target, f"{ns(tw.median_ns)}; serde_json {ns(sj.median_ns)}: {r:.2f}×",
                        tw.median_ns <= 150 and r >= 3))
    else:
        rows.append(Row("T1", what, target, nm + (crit_why or "binance_trade_frame/{tickwire,serde_json_generic} missing"), None))

    # T2
    b = find(benches, "binance_depth_frame/parse_and_book_apply/20")
    what, target = "depthUpdate, 20 levels → events + book", "≤ 700 ns"
    if b:
        rows.append(Row("T2", what, target, f"{ns(b.median_ns)} (binance_depth_frame/parse_and_book_apply/20)", b.median_ns <= 700))
    else:
        rows.append(Row("T2", what, target, nm + (crit_why or "binance_depth_frame/parse_and_book_apply/20 missing"), None))

    # T3
    what, target = "socket → consumer, TLS, one io core", "≥ 3 M msgs/s; ≥ 80 % of tungstenite TLS read-only"
    tls = [r for r in ((live or {}).get("throughput") or []) if r.get("transport") == "tls"]
    if tls:
        parts, ok_any = [], False
        for r in tls:
            tv, ratio = num(r.get("tickwire_msgs_per_s")), num(r.get("ratio"))
            tg = num(r.get("tungstenite_msgs_per_s"))
            if ratio is None and tv and tg:
                ratio = tv / tg
            ok = tv is not None and ratio is not None and tv >= 3e6 and ratio >= 0.8
            ok_any |= ok
            parts.append(f"{r.get('wait', '?')}: {rate(tv)} = {ratio * 100:.0f} % of {rate(tg)}" if ratio is not None
                         else f"{r.get('wait', '?')}: {rate(tv)}")
        rows.append(Row("T3", what, target, "; ".join(parts) + " (met if any wait mode meets both)", ok_any))
    else:
        rows.append(Row("T3", what, target, nm + (live_why or "no tls row in live.json throughput"), None))

    # T4
    what, target = "latency added, socket read → consumer (spin)", "p50 ≤ 1 µs, p99.9 ≤ 20 µs (lowest rate)"
    lat = [r for r in ((live or {}).get("latency") or [])
           if r.get("stage") == "socket_to_consumer" and r.get("wait") == "spin"]
    if lat:
        lat.sort(key=lambda r: num(r.get("rate")) or 0)
        lo = lat[0]
        p50, p999 = num(lo.get("p50_ns")), num(lo.get("p999_ns"))
        ok = None if p50 is None or p999 is None else (p50 <= 1000 and p999 <= 20000)
        parts = [f"{rate(num(r.get('rate')), ' msg/s')}: p50 {ns(num(r.get('p50_ns')))}, p99.9 {ns(num(r.get('p999_ns')))}"
                 for r in lat]
        rows.append(Row("T4", what, target, "; ".join(parts) + " (verdict: lowest rate)", ok))
    else:
        rows.append(Row("T4", what, target, nm + (live_why or "no spin socket_to_consumer row in live.json latency"), None))

    # T5
    what, target = "ring, two threads", "≥ 100 M events/s batched; ≤ 120 ns one way"
    bt, bl = find(benches, "ring_throughput/tickwire/batch64"), find(benches, "ring_latency/tickwire")
    if bt or bl:
        tput = bt.per_s() if bt else None
        parts = [f"batch64 {rate(tput, ' ev/s')}" if bt else "batch64 missing",
                 f"one-way {ns(bl.median_ns)}" if bl else "latency missing"]
        ok = None if not (bt and bl and tput) else (tput >= 1e8 and bl.median_ns <= 120)
        rows.append(Row("T5", what, target, "; ".join(parts), ok))
    else:
        rows.append(Row("T5", what, target, nm + (crit_why or "ring_throughput/tickwire/batch64, ring_latency/tickwire missing"), None))

    # T6
    what, target = "decimal string → mantissa", "≤ 8 ns a field"
    d = find(benches, "decimal/mixed64/tickwire")
    if d:
        per = d.per_element_ns()
        rows.append(Row("T6", what, target, f"{per:.2f} ns a field (decimal/mixed64/tickwire, {d.elements:.0f} fields)", per <= 8))
    else:
        rows.append(Row("T6", what, target, nm + (crit_why or "decimal/mixed64/tickwire missing"), None))

    # T7
    what, target = "allocations in steady state", "0 per trade frame, 0 per book frame"
    allocs = (mem or {}).get("allocs_per_message") or []
    if allocs:
        def kind(r: dict) -> str:
            f = str(r.get("frame", "")).lower()
            if "trade" in f:
                return "trade"
            if any(k in f for k in ("book", "depth", "l2", "diff", "update", "snapshot")):
                return "book"
            return "other"
        ok, per_kind, nonzero = True, {"trade": [], "book": []}, []
        for r in allocs:
            k, per = kind(r), num(r.get("per_message"))
            if per is None and num(r.get("allocs")) is not None and num(r.get("messages")):
                per = num(r.get("allocs")) / num(r.get("messages"))
            if k in per_kind:
                per_kind[k].append(per)
                ok = ok and per == 0
            if per != 0:
                nonzero.append(f"{r.get('venue', '?')} {r.get('frame', '?')}: {per if per is not None else '?'}")
        parts = [f"{k} frames: max {max((p for p in v if p is not None), default='?')} a message over {len(v)} venue/frame rows"
                 for k, v in per_kind.items()]
        if nonzero:
            parts.append("not zero: " + ", ".join(nonzero))
        su_m = sum(num(r.get("setup_messages")) or 0 for r in allocs)
        su_a = sum(num(r.get("setup_allocs")) or 0 for r in allocs)
        if su_m:
            parts.append(f"set-up messages left out (first sight of an instrument, exact id memory, "
                         f"a book deeper than ever): {su_m:g} with {su_a:g} allocations")
        if not (per_kind["trade"] and per_kind["book"]):
            ok = None
            parts.append("(no trade or no book row: no verdict)")
        rows.append(Row("T7", what, target, "; ".join(parts), ok))
    else:
        rows.append(Row("T7", what, target, nm + (mem_why or "no allocs_per_message in memory.json"), None))

    # T8
    what, target = "Python: events into numpy / as single objects", "≥ 10 M/s / ≥ 1 M/s"
    npy, obj = num((py or {}).get("numpy_events_per_s")), num((py or {}).get("objects_events_per_s"))
    if npy is not None or obj is not None:
        ok = None if npy is None or obj is None else (npy >= 1e7 and obj >= 1e6)
        rows.append(Row("T8", what, target, f"numpy {rate(npy, ' ev/s')}; objects {rate(obj, ' ev/s')}", ok))
    else:
        rows.append(Row("T8", what, target, nm + (py_why or "no numpy_events_per_s in python.json"), None))

    # T9
    what, target = "C poll, copy-out into the caller's array", "≥ 50 M events/s"
    # copy-out alone: c_feed_poll/preloaded* (events parsed before the clock starts); the
    # streaming variant includes parsing and is shown beside it, not judged
    ch = [b for k, b in sorted(benches.items()) if k.startswith("c_feed_poll/preloaded")]
    ch_t = [(b, b.per_s()) for b in ch if b.elements]
    ctx = [b for k, b in sorted(benches.items()) if k.startswith("c_feed_poll/streaming") and b.elements]
    if ch_t:
        best = max(ch_t, key=lambda x: x[1] or 0)
        parts = [f"{b.id}: {rate(v, ' ev/s')}" for b, v in ch_t]
        extra = "".join(f"; with parsing, {b.id}: {rate(b.per_s(), ' ev/s')}" for b in ctx)
        rows.append(Row("T9", what, target, "; ".join(parts) + f" (verdict: best, {best[0].id})" + extra,
                        (best[1] or 0) >= 5e7))
    else:
        rows.append(Row("T9", what, target,
                        nm + (crit_why or "no c_feed_poll/preloaded* benchmark with element throughput"), None))

    # T10
    what, target = "memory, 1,000 instruments (trades + BBO + L2 books)", "RSS ≤ 64 MiB"
    rss = num((mem or {}).get("rss_1000_instruments_bytes"))
    if rss is not None:
        extra = ""
        base = num((mem or {}).get("rss_baseline_bytes"))
        if base is not None:
            extra = f" (baseline {mib(base)})"
        rows.append(Row("T10", what, target, f"{mib(rss)}{extra}", rss <= 64 * MB))
    else:
        rows.append(Row("T10", what, target, nm + (mem_why or "no rss_1000_instruments_bytes in memory.json"), None))
    return rows


# ------------------------------------------------------------------------------------------------
# plots


def plots(out: pathlib.Path, live: Optional[dict], py: Optional[dict], benches: Dict[str, Bench]) -> Tuple[List[Tuple[str, str]], str]:
    """[(title, file name)], reason if none."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "matplotlib is not installed in this Python (use target/pyvenv)"
    made: List[Tuple[str, str]] = []

    lat = [r for r in ((live or {}).get("latency") or []) if r.get("cdf")]
    floor = (live or {}).get("floor") or {}
    if lat or floor:
        stages = sorted({r.get("stage", "?") for r in lat}) or ["floor"]
        fig, axes = plt.subplots(1, len(stages), figsize=(6.5 * len(stages), 4.8), squeeze=False)
        for ax, stage in zip(axes[0], stages):
            for r in sorted((r for r in lat if r.get("stage", "?") == stage),
                            key=lambda r: (str(r.get("wait")), num(r.get("rate")) or 0)):
                pts = [(num(p[0]), num(p[1])) for p in r["cdf"] if isinstance(p, (list, tuple)) and len(p) >= 2]
                pts = [(x, q) for x, q in pts if x is not None and q is not None and x > 0]
                if pts:
                    ax.step([p[0] for p in pts], [p[1] for p in pts], where="post",
                            label=f"{r.get('wait', '?')} @ {rate(num(r.get('rate')), ' msg/s')}")
            for mode, style in (("busy_poll", "k--"), ("blocking", "k:")):
                f = floor.get(mode) or {}
                if f.get("cdf"):
                    pts = [(num(p[0]), num(p[1])) for p in f["cdf"]]
                    pts = [(x, q) for x, q in pts if x and q is not None]
                    ax.step([p[0] for p in pts], [p[1] for p in pts], style, where="post", label=f"floor: {mode}")
                else:
                    qs = [(num(f.get(k)), q) for k, q in (("p50_ns", 0.5), ("p99_ns", 0.99), ("p999_ns", 0.999))]
                    qs = [(x, q) for x, q in qs if x]
                    if qs:
                        ax.plot([x for x, _ in qs], [q for _, q in qs], style, marker="o", label=f"floor: {mode} (p50/p99/p99.9)")
            ax.set_xscale("log")
            ax.set_xlabel("latency (ns)")
            ax.set_ylabel("quantile")
            ax.set_title(stage)
            ax.grid(True, which="both", alpha=0.3)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
        fig.suptitle("live latency CDF per rate and wait mode; loopback floor")
        fig.tight_layout()
        fig.savefig(out / "latency_cdf.png", dpi=110)
        plt.close(fig)
        made.append(("latency CDF", "latency_cdf.png"))

    peers = (py or {}).get("peers") or []
    bars: List[Tuple[str, float, float, Optional[float]]] = []
    for p in peers:
        c, t, tn = num(p.get("cryptofeed_us_per_frame")), num(p.get("tickwire_us_per_frame")), num(p.get("tickwire_us_per_frame_net"))
        if c is not None and t is not None:
            bars.append((f"{p.get('venue', '?')}\n{p.get('message_type', '?')}", c * 1e3, t * 1e3,
                         tn * 1e3 if tn is not None and tn > 0 else None))
    native = [(k, b.per_element_ns()) for k, b in benches.items()
              if k in ("binance_trade_frame/tickwire", "binance_trade_frame/serde_json_generic",
                       "binance_depth_frame/parse_and_book_apply/20")]
    if bars or native:
        n = (1 if bars else 0) + (1 if native else 0)
        fig, axes = plt.subplots(1, n, figsize=(max(7, 1.3 * len(bars) + 3) if bars else 6, 4.8), squeeze=False,
                                 gridspec_kw={"width_ratios": ([max(len(bars), 1)] if bars else []) + ([2] if native else [])})
        i = 0
        if bars:
            ax = axes[0][i]
            i += 1
            xs = range(len(bars))
            ax.bar([x - 0.27 for x in xs], [b[1] for b in bars], 0.27, label="cryptofeed (Python handler)")
            ax.bar(list(xs), [b[2] for b in bars], 0.27, label="tickwire (whole Python replay → numpy)")
            if any(b[3] for b in bars):
                ax.bar([x + 0.27 for x in xs], [b[3] or 0 for b in bars], 0.27, label="tickwire, fixed cost removed")
            ax.set_xticks(list(xs))
            ax.set_xticklabels([b[0] for b in bars], fontsize=7)
            ax.set_yscale("log")
            ax.set_ylabel("ns per frame (log)")
            ax.set_title("same frames, same run")
            ax.legend(fontsize=7)
            ax.grid(True, axis="y", which="both", alpha=0.3)
        if native:
            ax = axes[0][i]
            ax.bar(range(len(native)), [v for _, v in native], color="tab:green")
            ax.set_xticks(range(len(native)))
            ax.set_xticklabels([k.replace("/", "/\n", 1) for k, _ in native], fontsize=6)
            ax.set_ylabel("ns per frame (criterion median)")
            ax.set_title("Rust, criterion")
            ax.grid(True, axis="y", alpha=0.3)
        fig.tight_layout()
        fig.savefig(out / "per_frame.png", dpi=110)
        plt.close(fig)
        made.append(("per-frame time: tickwire vs peers", "per_frame.png"))
    e2e = [e for e in ((py or {}).get("end_to_end") or []) if num(e.get("cpu_s_per_msg")) is not None]
    if e2e:
        rates_ = sorted({num(e.get("rate")) or 0 for e in e2e})
        whos = sorted({str(e.get("who")) for e in e2e})
        fig, ax = plt.subplots(figsize=(max(5, 2 * len(rates_) + 2), 4.2))
        w = 0.8 / max(len(whos), 1)
        for j, who in enumerate(whos):
            vals = []
            for r in rates_:
                m = [num(e.get("cpu_s_per_msg")) for e in e2e if str(e.get("who")) == who and (num(e.get("rate")) or 0) == r]
                vals.append(m[0] * 1e6 if m else 0)
            ax.bar([i + (j - (len(whos) - 1) / 2) * w for i in range(len(rates_))], vals, w, label=who)
        ax.set_xticks(range(len(rates_)))
        ax.set_xticklabels([rate(r, " msg/s") for r in rates_])
        ax.set_xlabel("offered rate (tickwire sim, loopback TLS)")
        ax.set_ylabel("client CPU µs per message")
        ax.set_title("end to end: CPU per message")
        ax.legend(fontsize=8)
        ax.grid(True, axis="y", alpha=0.3)
        fig.tight_layout()
        fig.savefig(out / "e2e_cpu.png", dpi=110)
        plt.close(fig)
        made.append(("end to end CPU per message", "e2e_cpu.png"))
    return made, ("" if made else "nothing to plot (no live latency, floor, peers or parse benchmarks)")


# ------------------------------------------------------------------------------------------------
# report


def build(args: argparse.Namespace) -> str:
    results = pathlib.Path(args.results)
    out = pathlib.Path(args.out or args.results)
    out.mkdir(parents=True, exist_ok=True)
    crit_dir = pathlib.Path(args.criterion) if args.criterion else default_criterion_dir()
    if args.criterion_skipped:
        benches, stale, crit_why = {}, [], args.criterion_skipped
    else:
        benches, stale, crit_why = load_criterion(crit_dir, args.since)
    live, live_why = load_json(results / "live.json")
    mem, mem_why = load_json(results / "memory.json")
    py, py_why = load_json(results / "python.json")

    md: List[str] = [f"# tickwire benchmark report, {dt.date.today().isoformat()}", ""]
    md += ["Generated by `bench/report.py` from this run's outputs only; verdicts are computed from "
           "the figures against docs/performance.md. The machine is shared and noisy: compare ratios "
           "within one run.", ""]
    md += ["## Machine", "", table(["", ""], [list(x) for x in machine()]), ""]
    md += [f"Inputs: criterion `{crit_dir if not args.criterion_skipped else 'not read'}`" + (f" (results older than this run ignored: {len(stale)})" if stale else "")
           + f"; results `{results}`.", ""]

    rows = targets(benches, crit_why, live, live_why, mem, mem_why, py, py_why)
    md += ["## Targets", "", table(["#", "what", "target", "measured", "verdict"],
                                   [[r.t, r.what, r.target, r.measured, verdict(r.ok)] for r in rows]), ""]
    met = sum(1 for r in rows if r.ok is True)
    missed = sum(1 for r in rows if r.ok is False)
    md += [f"{met} met, {missed} missed, {len(rows) - met - missed} not measured.", ""]

    md += ["## Criterion benchmarks (every id, median)", ""]
    if benches:
        crow = []
        for k, b in sorted(benches.items()):
            tp = ""
            if b.elements:
                tp = rate(b.per_s(), " elem/s")
                if b.elements != 1:
                    tp += f" ({b.elements:.0f} elem/iter: {ns(b.per_element_ns())} each)"
            elif b.bytes:
                tp = rate(b.per_s(), "B/s")
            crow.append([f"`{k}`", f"{b.median_ns:,.1f}", ns(b.mean_ns), tp or "—"])
        md += [table(["benchmark", "median ns", "mean", "throughput (at median)"], crow, "lrrr"), ""]
    else:
        md += [f"Not measured: {crit_why}.", ""]

    md += ["## Live path (live.json)", ""]
    if live:
        thr = live.get("throughput") or []
        if thr:
            md += [table(["transport", "wait", "messages", "tungstenite read-only", "tickwire", "ratio"],
                         [[r.get("transport", "?"), r.get("wait", "?"), r.get("messages", "—"),
                           rate(num(r.get("tungstenite_msgs_per_s")), " msg/s"), rate(num(r.get("tickwire_msgs_per_s")), " msg/s"),
                           f"{num(r.get('ratio')):.2f}" if num(r.get("ratio")) is not None else "—"] for r in thr], "llrrrr"), ""]
        lat = live.get("latency") or []
        if lat:
            md += [table(["rate", "wait", "stage", "p50", "p99", "p99.9", "max", "count"],
                         [[rate(num(r.get("rate")), " msg/s"), r.get("wait", "?"), r.get("stage", "?"), ns(num(r.get("p50_ns"))),
                           ns(num(r.get("p99_ns"))), ns(num(r.get("p999_ns"))), ns(num(r.get("max_ns"))), r.get("count", "—")]
                          for r in sorted(lat, key=lambda r: (str(r.get("stage")), str(r.get("wait")), num(r.get("rate")) or 0))],
                         "lllrrrrr"), ""]
        fl = live.get("floor") or {}
        if fl:
            md += ["Loopback floor (no tickwire in the path):", "",
                   table(["mode", "p50", "p99", "p99.9", "max", "count"],
                         [[k, ns(num(v.get("p50_ns"))), ns(num(v.get("p99_ns"))), ns(num(v.get("p999_ns"))),
                           ns(num(v.get("max_ns"))), v.get("count", "—")] for k, v in fl.items() if isinstance(v, dict)],
                         "lrrrrr"), ""]
        if not (thr or lat or fl):
            md += ["live.json has no throughput, latency or floor entries.", ""]
    else:
        md += [f"Not measured: {live_why}.", ""]

    md += ["## Memory (memory.json)", ""]
    if mem:
        md += [table(["what", "value"], [["RSS baseline", mib(num(mem.get("rss_baseline_bytes")))],
                                         ["RSS, 1,000 instruments", mib(num(mem.get("rss_1000_instruments_bytes")))],
                                         ["high-water mark", mib(num(mem.get("hwm_bytes")))],
                                         ["book depth", mem.get("book_depth", "—")]]), ""]
        var = mem.get("variants") or []
        if var:
            md += [table(["variant", "RSS"], [[v.get("name", "?"), mib(num(v.get("rss_bytes")))] for v in var], "lr"), ""]
        al = mem.get("allocs_per_message") or []
        if al:
            md += [table(["venue", "frame", "messages", "allocations", "per message"],
                         [[a.get("venue", "?"), a.get("frame", "?"), a.get("messages", "—"), a.get("allocs", "—"),
                           a.get("per_message", "—")] for a in al], "llrrr"), ""]
    else:
        md += [f"Not measured: {mem_why}.", ""]

    md += ["## Python and peers (python.json)", ""]
    if py:
        t8 = [[k, rate(num(v), " ev/s")] for k, v in py.items() if k.endswith("_per_s")]
        if t8:
            md += [table(["measure", "events/s"], t8, "lr"), ""]
        for note in py.get("notes") or []:
            md += [f"* {note}"]
        if py.get("notes"):
            md += [""]
        peers = py.get("peers") or []
        if peers:
            md += ["Same frames, same run: cryptofeed's own handler (its venv) vs tickwire's Python replay into numpy.", "",
                   table(["venue", "message type", "frames", "cryptofeed µs/frame", "tickwire µs/frame", "ratio",
                          "tickwire µs/frame, fixed cost removed", "ratio"],
                         [[p.get("venue", "?"), p.get("message_type", "?"), p.get("frames", "—"), fmt(p.get("cryptofeed_us_per_frame"), ".2f"),
                           fmt(p.get("tickwire_us_per_frame"), ".3f"), fmt(p.get("ratio"), ".1f", "×"),
                           fmt(p.get("tickwire_us_per_frame_net"), ".3f"), fmt(p.get("ratio_net"), ".1f", "×")] for p in peers],
                         "llrrrrrr"), "",
                   "tickwire's figures are whole Python replays (file open, parse, books, dedupe, numpy batches); the "
                   "fixed-cost column subtracts a header-only (Binance; depth: a snapshot-only) replay, or for OKX is the slope over the frames repeated K times, "
                   "measured in the same run (see examples/python/bench.py).", ""]
        ps = py.get("peers_skipped")
        if ps:
            md += ["Peers skipped: " + "; ".join(ps if isinstance(ps, list) else [str(ps)]) + ".", ""]
        e2e = py.get("end_to_end") or []
        if e2e:
            md += ["End to end over loopback TLS from the same simulator (`tickwire sim --venue binance`), "
                   "one client at a time, same offered rate:", "",
                   table(["who", "transport", "offered rate", "msgs/s", "CPU s/msg", "CPU µs/msg", "note"],
                         [[e.get("who", "?"), e.get("transport", "?"), rate(num(e.get("rate")), " msg/s"),
                           rate(num(e.get("msgs_per_s")), " msg/s"),
                           f"{num(e.get('cpu_s_per_msg')):.3g}" if num(e.get("cpu_s_per_msg")) is not None else "—",
                           f"{num(e.get('cpu_s_per_msg')) * 1e6:.2f}" if num(e.get("cpu_s_per_msg")) is not None else "—",
                           e.get("skipped") and f"skipped: {e['skipped']}" or e.get("note", "")] for e in e2e],
                         "llrrrrl"), ""]
        elif py.get("end_to_end_skipped"):
            md += [f"End to end skipped: {py['end_to_end_skipped']}.", ""]
    else:
        md += [f"Not measured: {py_why}.", ""]

    made, why = plots(out, live, py, benches)
    md += ["## Plots", ""]
    for title, f in made:
        md += [f"![{title}]({f})", ""]
    if not made:
        md += [f"No plots: {why}.", ""]
    if stale:
        md += ["## Ignored", "", f"{len(stale)} criterion results older than this run (e.g. `{stale[0]}`).", ""]
    text = "\n".join(md)
    (out / "report.md").write_text(text, encoding="utf-8")
    return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--criterion", help="criterion output directory")
    ap.add_argument("--results", default=str(ROOT / "bench/results" / dt.date.today().isoformat()),
                    help="directory with live.json, memory.json, python.json")
    ap.add_argument("--out", help="where report.md and the plots go (default: --results)")
    ap.add_argument("--criterion-skipped", metavar="REASON",
                    help="do not read criterion results; the rows say not measured: REASON")
    ap.add_argument("--since", type=float, help="ignore criterion results older than this Unix time")
    ap.add_argument("--since-file", help="ignore criterion results older than this file's mtime")
    ap.add_argument("--latest", default=str(ROOT / "bench/results/latest.md"), help="copy of the report")
    ap.add_argument("--no-latest", action="store_true", help="do not write the latest copy")
    args = ap.parse_args()
    if args.since_file and args.since is None and os.path.exists(args.since_file):
        args.since = os.path.getmtime(args.since_file)
    text = build(args)
    out = pathlib.Path(args.out or args.results)
    if not args.no_latest:
        latest = pathlib.Path(args.latest)
        rel = os.path.relpath(out.resolve(), latest.resolve().parent)
        latest.write_text(re.sub(r"\]\(([^)/]+\.png)\)", lambda m: f"]({rel}/{m.group(1)})", text), encoding="utf-8")
    print(f"report: {out / 'report.md'}" + ("" if args.no_latest else f" (copy: {args.latest})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
