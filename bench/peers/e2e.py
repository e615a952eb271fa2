"""End to end, cryptofeed vs tickwire, from the same simulator over loopback TLS.

For each offered rate: starts one `tickwire sim --venue binance --rate R` (synthetic BTCUSDT,
TLS with a generated CA written to a temp file) and runs, one after the other against it,
cryptofeed's Binance feed (bench/peers/cryptofeed_e2e.py in cryptofeed's venv) and tickwire's
Python Feed (bench/peers/tickwire_e2e.py in this venv), each in its own process so its CPU
time (all threads, user + system) is its own. Each subscribes to trades, best bid/offer and
depth diffs of BTCUSDT; each counts the WebSocket data frames it handled in the same
measurement window after a warm-up. Nothing is estimated: a client that cannot connect gives a
row with "skipped" and the reason.

    python bench/peers/e2e.py [--rates 5000,20000,50000] [--warmup 1] [--measure 4]   # prints JSON

Environment: TICKWIRE_CLI (the tickwire binary), CF_PYTHON (cryptofeed's venv python).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
from typing import Any, Dict, List, Optional

ROOT = pathlib.Path(os.environ.get("TICKWIRE_ROOT", pathlib.Path(__file__).resolve().parents[2]))
PEERS = pathlib.Path(__file__).resolve().parent
EXINFO = ROOT / "core/tests/fixtures/binance/cryptofeed_20211012.tsv"  # recorded exchangeInfo


def tickwire_cli() -> Optional[str]:
    cands = [os.environ.get("TICKWIRE_CLI")]
    if os.environ.get("CARGO_TARGET_DIR"):
        cands.append(os.path.join(os.environ["CARGO_TARGET_DIR"], "release/tickwire"))
    cands.append(str(ROOT / "target/release/tickwire"))
    for c in cands:
        if c and os.access(c, os.X_OK):
            return c
    return None


class Sim:
    def __init__(self, cli: str, rate: int, ca: str, seconds: float):
        self.proc = subprocess.Popen(
            [cli, "sim", "--venue", "binance", "--rate", str(rate), "--tls-cert-out", ca,
             "--duration", f"{seconds:.0f}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr: List[str] = []
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()
        line = self.proc.stdout.readline().strip()  # its first line: wss://127.0.0.1:PORT
        if not line.startswith("wss://"):
            self.proc.kill()
            raise RuntimeError(f"tickwire sim did not start: {line!r} {''.join(self.stderr)[-500:]}")
        self.ws_url = line
        self.rest_url = "https://" + line[len("wss://"):]  # same port (Simulator::rest_url)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def client(cmd: List[str], env: Dict[str, str], timeout: float) -> Dict[str, Any]:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"client timed out after {timeout:.0f} s"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": f"client exited {p.returncode} without a result: {p.stderr.strip()[-400:]}"}
    return json.loads(lines[-1])


def row(who: str, rate: int, r: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {"who": who, "transport": "tls", "rate": rate}
    if r.get("error"):
        out["skipped"] = r["error"]
        return out
    if not r.get("frames"):
        out["skipped"] = "no frames in the measurement window"
        return out
    out["msgs_per_s"] = r["frames"] / r["wall_s"]
    out["cpu_s_per_msg"] = r["cpu_s"] / r["frames"]
    out["frames"] = r["frames"]
    out["wall_s"] = r["wall_s"]
    out["cpu_s"] = r["cpu_s"]
    out["cpu_share"] = r["cpu_s"] / r["wall_s"]  # cores busy on average
    for k in ("events", "callbacks", "ring_drops", "version"):
        if k in r:
            out[k] = r[k]
    return out


def run(rates: List[int], warmup: float, measure: float, cf_python: Optional[str]) -> Dict[str, Any]:
    cli = tickwire_cli()
    if cli is None:
        return {"end_to_end": [], "end_to_end_skipped": "no tickwire binary (set TICKWIRE_CLI)"}
    cf_ok = bool(cf_python and os.access(cf_python, os.X_OK))
    rows: List[Dict[str, Any]] = []
    budget = warmup + measure + 20
    with tempfile.TemporaryDirectory() as d:
        ca = os.path.join(d, "sim-ca.pem")
        for rate in rates:
            sim = Sim(cli, rate, ca, 2 * budget + 10)
            try:
                env = dict(os.environ, SSL_CERT_FILE=ca)  # cryptofeed's aiohttp REST snapshot
                if cf_ok:
                    r = client([cf_python, str(PEERS / "cryptofeed_e2e.py"), sim.ws_url, sim.rest_url, ca, str(EXINFO),
                                str(warmup), str(measure)], env, budget)
                else:
                    r = {"error": f"no cryptofeed venv python ({cf_python})"}
                rows.append(row("cryptofeed", rate, r))
                r = client([sys.executable, str(PEERS / "tickwire_e2e.py"), sim.ws_url, sim.rest_url, ca,
                            str(warmup), str(measure)], dict(os.environ), budget)
                rows.append(row("tickwire", rate, r))
            finally:
                sim.stop()
    return {"end_to_end": rows}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rates", default="5000,20000,50000")
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--measure", type=float, default=4.0)
    a = ap.parse_args()
    cf = os.environ.get("CF_PYTHON", str(ROOT / "target/cfvenv/bin/python"))
    print(json.dumps(run([int(x) for x in a.rates.split(",")], a.warmup, a.measure, cf), indent=1))


if __name__ == "__main__":
    main()
