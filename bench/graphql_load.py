"""Load-test Kembar's GraphQL API on PostgreSQL with wrk: a nested page vs `{ __typename }`.

    .venv/bin/python bench/graphql_load.py [--duration 10] [--connections 32] [--keep-db]

1. Creates a fresh PostgreSQL database (127.0.0.1:5432, user postgres), runs `kembar migrate`,
   `kembar import-cities`, `kembar seed-demo`, `kembar import-pairs` on the worldwide twinning list
   and the Indonesian one (read from ../shared/data, never copied), then gives the first pages of
   partnerships stages, papers, programs and activities through the real services
   (bench/synthetic.py). Prints the dataset sizes and how long each step took.
2. Starts one uvicorn worker (`kembar serve`, KEMBAR_REDIS_URL unset) on a free port.
3. Checks once that both queries answer 200 with data and no errors (and 20 edges), counts the SQL
   statements one request of each costs, then runs wrk (bench/graphql_post.lua) on each query with
   the same connections and duration and prints req/s, p50, p99 and the ratio.
4. Stops the server and drops the database (unless --keep-db).

Needs wrk (Debian: `sudo apt-get install -y wrk`). Loads only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data"
WORLD_PAIRS = DATA / "twin_cities_geocoded.csv"
INDONESIA_PAIRS = DATA / "indonesia_sister_cities.csv"
LUA = HERE / "graphql_post.lua"
PG = "postgres://postgres@127.0.0.1:5432"

PAGE_QUERY = (
    "{ partnerships(first: 20) { edges { node { id stage "
    "indonesianRegion { name } foreignRegion { name country { name } } "
    "programs { title budget } history { toStage at actor } } } } }"
)
TRIVIAL_QUERY = "{ __typename }"
QUERIES = {"page": PAGE_QUERY, "typename": TRIVIAL_QUERY}
LABELS = {"page": "(a) page of 20 partnerships", "typename": "(b) { __typename }"}

COUNTED_TABLES = (
    "country",
    "city",
    "partnership",
    "stage_change",
    "document",
    "approval",
    "program",
    "activity",
    "outbox_event",
)


class BenchError(RuntimeError):
    """A step failed; the message says which and why."""


@dataclass
class LoadResult:
    query: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int]
    non_2xx: int
    wrk_rps: float | None  # wrk's own "Requests/sec" line, as a cross-check
    wrk_p50: str | None
    wrk_p99: str | None
    server_cpu_s: float
    raw: str = field(repr=False, default="")
    loadavg: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after


# ---------------------------------------------------------------------------------------------
# database


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(f"{PG}/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _counts(db: str) -> dict[str, int]:
    conn = await asyncpg.connect(f"{PG}/{db}")
    try:
        return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in COUNTED_TABLES}
    finally:
        await conn.close()


async def _vacuum(db: str) -> None:
    conn = await asyncpg.connect(f"{PG}/{db}")
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


# ---------------------------------------------------------------------------------------------
# steps


def _run_step(label: str, argv: list[str], env: dict[str, str], timings: dict[str, float]) -> str:
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    timings[label] = seconds
    if proc.returncode != 0:
        raise BenchError(
            f"{label} failed (exit {proc.returncode}):\n"
            f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    summary = [ln for ln in proc.stdout.splitlines() if ln.strip() and "━" not in ln]
    notes = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    print(f"  {label:<34} {seconds:6.1f} s  {summary[-1] if summary else ''}")
    if notes:
        shown = "; ".join(notes[:4])
        more = f" (+{len(notes) - 4} more)" if len(notes) > 4 else ""
        print(f"  {'':<34} {'':>8}  stderr: {shown}{more}")
    return proc.stdout


def _load_data(env: dict[str, str], pages: int, token_file: Path) -> dict[str, float]:
    kembar = str(Path(sys.executable).with_name("kembar"))
    timings: dict[str, float] = {}
    _run_step("kembar migrate", [kembar, "migrate"], env, timings)
    _run_step("kembar import-cities", [kembar, "import-cities"], env, timings)
    # seed-demo only seeds an empty partnership table, so it has to come before the imports.
    _run_step("kembar seed-demo", [kembar, "seed-demo"], env, timings)
    _run_step(
        f"kembar import-pairs {WORLD_PAIRS.name}",
        [kembar, "import-pairs", str(WORLD_PAIRS)],
        env,
        timings,
    )
    _run_step(
        f"kembar import-pairs {INDONESIA_PAIRS.name}",
        [kembar, "import-pairs", str(INDONESIA_PAIRS)],
        env,
        timings,
    )
    _run_step(
        f"synthetic data ({pages} pages)",
        [
            sys.executable,
            str(HERE / "synthetic.py"),
            "--pages",
            str(pages),
            "--token-file",
            str(token_file),
        ],
        env,
        timings,
    )
    return timings


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


AUTH: dict[str, str] = {}  # Authorization header, when the product has accounts


def _post(url: str, query: str, timeout: float = 10.0) -> tuple[int, dict]:
    body = json.dumps({"query": query}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json", **AUTH}
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        text = exc.read().decode(errors="replace")
        try:
            return exc.code, json.loads(text)
        except ValueError:
            return exc.code, {"raw": text[:500]}


def _start_server(server: str, env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    if server == "kembar":
        argv = [str(Path(sys.executable).with_name("kembar")), "serve", "--port", str(port)]
    else:  # plain uvicorn without the per-request access log, for comparison
        argv = [
            sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
            "--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
    log = open(log_path, "wb")  # a file, not a pipe: a full pipe would stall the server
    return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def _wait_ready(proc: subprocess.Popen, url: str, log_path: Path, timeout: float = 60.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise BenchError(f"the server exited ({proc.returncode}):\n{_tail(log_path)}")
        try:
            status, _ = _post(url, TRIVIAL_QUERY, timeout=2)
            if status == 200:
                return time.perf_counter() - started
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    raise BenchError(f"the server did not answer within {timeout:.0f} s:\n{_tail(log_path)}")


def _stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def _verify(url: str) -> dict[str, object]:
    """Each query once: 200, data, no errors; the page has 20 edges. Returns what the page held."""
    facts: dict[str, object] = {}
    for name, query in QUERIES.items():
        status, payload = _post(url, query)
        if status != 200 or payload.get("errors") or not payload.get("data"):
            raise BenchError(f"{LABELS[name]}: HTTP {status}: {json.dumps(payload)[:1500]}")
        if name == "page":
            edges = payload["data"]["partnerships"]["edges"]
            if len(edges) != 20:
                raise BenchError(f"{LABELS[name]}: {len(edges)} edges, expected 20")
            nodes = [e["node"] for e in edges]
            facts["programs"] = sum(len(n["programs"]) for n in nodes)
            facts["history"] = sum(len(n["history"]) for n in nodes)
            facts["with_programs"] = sum(1 for n in nodes if n["programs"])
            facts["stages"] = sorted({n["stage"] for n in nodes})
            facts["bytes"] = len(json.dumps(payload, separators=(",", ":")))
        elif payload["data"] != {"__typename": "Query"}:
            raise BenchError(f"{LABELS[name]}: unexpected data {payload['data']}")
    return facts


def _sql_counts(env: dict[str, str], token: Path | None) -> None:
    """SQL statements per request, counted in-process by bench/sqlcount.py (same app, no HTTP)."""
    env = dict(env)
    if token is not None:
        env["BENCH_TOKEN"] = token.read_text().strip()
    proc = subprocess.run(
        [sys.executable, str(HERE / "sqlcount.py")],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if proc.returncode != 0:
        print(f"  (SQL count failed: {proc.stderr.strip().splitlines()[-1:]})")
        return
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    parts = []
    for name, row in found.items():
        flag = (
            "" if row["status"] == 200 and not row["errors"] else f" (HTTP {row['status']}, errors)"
        )
        tables = ",".join(row["tables"])
        parts.append(f"{name}: {row['statements']} [{tables}]{flag}")
    print("SQL statements per request (in-process count): " + "; ".join(parts))
    print(
        "one client, in-process, no HTTP (median ms): "
        + ", ".join(f"{name} {row['median_ms']}" for name, row in found.items())
    )


def _wait_idle(pid: int, timeout: float = 90.0) -> float:
    """Wait until the server has finished the requests wrk left in flight (uvicorn finishes a
    request whose client went away), so that one run's backlog does not slow the next."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        before = _cpu_seconds(pid)
        time.sleep(0.5)
        if _cpu_seconds(pid) - before < 0.05:  # under 10 % of a core
            break
    return time.perf_counter() - started


def _cpu_seconds(pid: int) -> float:
    """User+system CPU of a process and its children that exited (from /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[i]) for i in (11, 12)) / ticks  # utime, stime


_LAT_LINE = re.compile(r"^\s*(50|99)%\s+(\S+)", re.M)


def _wrk(
    name: str,
    url: str,
    args: argparse.Namespace,
    body_file: Path,
    duration: float,
    pid: int,
    token_file: Path | None,
) -> LoadResult:
    argv = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration:g}s", "--latency",
        "--timeout", "10s", "-s", str(LUA), url, "--", str(body_file),
    ]  # fmt: skip
    if token_file is not None:
        argv.append(str(token_file))
    cpu_before = _cpu_seconds(pid)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    cpu = _cpu_seconds(pid) - cpu_before
    if proc.returncode != 0:
        raise BenchError(f"wrk failed ({proc.returncode}): {proc.stderr}\n{proc.stdout}")
    match = re.search(r"^BENCH_RESULT (\{.*\})$", proc.stdout, re.M)
    if not match:
        raise BenchError(f"no BENCH_RESULT line in wrk's output:\n{proc.stdout}")
    data = json.loads(match.group(1))
    lat = data["latency_us"]
    seconds = data["duration_us"] / 1e6
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", proc.stdout)
    wrk_rps = re.search(r"Requests/sec:\s+([\d.]+)", proc.stdout)
    percentiles = dict(_LAT_LINE.findall(proc.stdout))
    return LoadResult(
        query=name,
        requests=data["requests"],
        seconds=seconds,
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=lat["p50"] / 1000,
        p90_ms=lat["p90"] / 1000,
        p99_ms=lat["p99"] / 1000,
        max_ms=lat["max"] / 1000,
        errors=data["errors"],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        wrk_rps=float(wrk_rps.group(1)) if wrk_rps else None,
        wrk_p50=percentiles.get("50"),
        wrk_p99=percentiles.get("99"),
        server_cpu_s=cpu,
        raw=proc.stdout,
    )


# ---------------------------------------------------------------------------------------------
# main


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark Kembar's GraphQL API on PostgreSQL with wrk.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per query")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=2, help="unreported seconds of load first")
    parser.add_argument("--pages", type=int, default=5, help="pages of 20 given synthetic data")
    parser.add_argument(
        "--server",
        choices=("kembar", "uvicorn"),
        default="kembar",
        help="kembar: `kembar serve` as shipped; uvicorn: `uvicorn api.main:app --no-access-log`",
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the database (and print it)")
    parser.add_argument("--db", help="reuse this existing, loaded database (skips loading)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print wrk's own output too")
    args = parser.parse_args()
    if args.threads > args.connections:
        parser.error("--threads must not exceed --connections")

    if shutil.which("wrk") is None:
        print(
            "wrk is not installed. On Debian/Ubuntu: sudo apt-get install -y wrk", file=sys.stderr
        )
        return 2
    for path in (WORLD_PAIRS, INDONESIA_PAIRS):
        if not path.is_file() and not args.db:
            print(f"missing dataset {path} (expected in ../shared/data)", file=sys.stderr)
            return 2

    db = args.db or f"kembar_bench_{secrets.token_hex(4)}"
    url_db = f"{PG}/{db}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEMBAR_")}
    env["KEMBAR_DATABASE_URL"] = url_db  # and no KEMBAR_REDIS_URL: the embedded event setup
    env["PYTHONUNBUFFERED"] = "1"
    # One client on one IP with one token: the per-token/per-IP rate limits would measure the
    # limiter (HTTP 429), not the API. 0 turns them off (ignored by versions without limits).
    env["KEMBAR_RATE_LIMIT_PER_MINUTE"] = "0"
    env["KEMBAR_RATE_LIMIT_IP_PER_MINUTE"] = "0"
    began = time.perf_counter()
    created = False
    proc: subprocess.Popen | None = None
    workdir = Path(tempfile.mkdtemp(prefix="kembar_bench_"))
    log_path = workdir / "server.log"
    try:
        print(f"database {db} on 127.0.0.1:5432")
        token_file = workdir / "token"
        if not args.db:
            asyncio.run(_admin(f'CREATE DATABASE "{db}"'))
            created = True
            _load_data(env, args.pages, token_file)
        else:  # only a token
            synthetic = [sys.executable, str(HERE / "synthetic.py"), "--pages", "0"]
            _run_step("viewer token", [*synthetic, "--token-file", str(token_file)], env, {})
        token: Path | None = None
        if token_file.is_file() and token_file.read_text().strip():
            token = token_file
            AUTH["Authorization"] = f"Bearer {token_file.read_text().strip()}"
            print("auth: requests carry a viewer's bearer token (anonymous may not read history)")
        asyncio.run(_vacuum(db))  # fresh statistics, and no autovacuum during the measurement
        counts = asyncio.run(_counts(db))
        print(
            "dataset: "
            + ", ".join(f"{counts[t]:,} {t}" for t in COUNTED_TABLES)
            + "  (stage_change = history rows)"
        )

        port = _free_port()
        url = f"http://127.0.0.1:{port}/graphql"
        proc = _start_server(args.server, env, port, log_path)
        ready = _wait_ready(proc, url, log_path)
        print(f"server: {args.server} (pid {proc.pid}) at {url}, answered after {ready:.1f} s")

        facts = _verify(url)
        print(
            f"verified: both queries 200 with data and no errors; the page has 20 edges, "
            f"{facts['with_programs']} with programs, {facts['programs']} programs, "
            f"{facts['history']} history rows, stages {', '.join(facts['stages'])}; "
            f"{facts['bytes']:,} bytes of JSON"
        )
        _sql_counts(env, token)

        results: dict[str, LoadResult] = {}
        print(
            f"load: wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s per query "
            f"(after {args.warmup:g} s warm-up each), 127.0.0.1 only"
        )
        for name, query in QUERIES.items():
            body = workdir / f"{name}.json"
            body.write_text(json.dumps({"query": query}))
            if args.warmup > 0:
                _wrk(name, url, args, body, args.warmup, proc.pid, token)
                _wait_idle(proc.pid)
            load_before = os.getloadavg()[0]
            result = _wrk(name, url, args, body, args.duration, proc.pid, token)
            result.loadavg = (load_before, os.getloadavg()[0])
            drained = _wait_idle(proc.pid)
            if drained > 1.0:
                print(
                    f"  {LABELS[name]}: the server took {drained:.1f} s to finish in-flight"
                    " requests"
                )
            results[name] = result
            if args.verbose:
                print(result.raw)
            bad = sum(result.errors.values())
            if bad or result.non_2xx:
                print(
                    f"  WARNING {LABELS[name]}: socket/status errors {result.errors}, "
                    f"non-2xx {result.non_2xx}"
                )
        _verify(url)  # still healthy after the load

        print()
        print(f"{'query':<30} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9} "
              f"{'requests':>9} {'srv CPU ms/req':>15}")  # fmt: skip
        for name, r in results.items():
            cpu_ms = 1000 * r.server_cpu_s / r.requests if r.requests else float("nan")
            print(
                f"{LABELS[name]:<30} {r.rps:9.1f} {r.p50_ms:9.2f} {r.p99_ms:9.2f} {r.max_ms:9.1f} "
                f"{r.requests:9d} {cpu_ms:15.2f}"
            )
        page, trivial = results["page"], results["typename"]
        ratio = page.rps / trivial.rps if trivial.rps else float("nan")
        print(f"ratio (a)/(b) req/s: {ratio:.3f}  ((b) is {1 / ratio:.1f}x (a))")
        print(
            "wrk's own figures: "
            + "; ".join(
                f"{LABELS[n]}: {r.wrk_rps} req/s, p50 {r.wrk_p50}, p99 {r.wrk_p99}"
                for n, r in results.items()
            )
        )
        server_share = {n: r.server_cpu_s / r.seconds for n, r in results.items()}
        print(
            "server process CPU during load (1.0 = one core): "
            + ", ".join(f"{LABELS[n]}: {s:.2f}" for n, s in server_share.items())
        )
        print(
            f"machine: {os.cpu_count()} CPUs; 1-min load average before/after each run: "
            + ", ".join(
                f"{LABELS[n]}: {r.loadavg[0]:.2f}/{r.loadavg[1]:.2f}" for n, r in results.items()
            )
            + " (above ~1.5 on 2 cores, other processes are competing: figures are low)"
        )
        return 0
    except BenchError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if proc is not None:
            _stop_server(proc)
        if created and not args.keep_db:
            try:
                asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
                print(f"dropped {db}")
            except Exception as exc:
                print(f"could not drop {db}: {exc}", file=sys.stderr)
        elif created or args.db:
            print(f"kept {db}: KEMBAR_DATABASE_URL={url_db}")
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"total {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
