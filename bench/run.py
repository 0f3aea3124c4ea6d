"""`python -m bench [--quick] [--only sqlite|postgres]`: set up, serve, load, measure, clean up.

For each database: a temporary data directory (and on PostgreSQL its own database,
sparekey_bench_<pid>), `sparekey migrate`, the seed (bench.seed), then `sparekey serve
--no-migrate --workers 2` on a free 127.0.0.1 port with DJANGO_SETTINGS_MODULE=bench.settings,
which is Sparekey's settings plus the ceiling's URL. Every scenario is loaded by wrk on
127.0.0.1, bounded by time and by a number of requests. Batch figures run after the server has
stopped. Whatever happens (an error, Ctrl-C, SIGTERM), every process and database it started is
stopped and removed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from . import load
from .load import Request, Result

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("SPAREKEY_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


@dataclass(frozen=True)
class Plan:
    quick: bool
    workspace_accounts: int
    member_accounts: int
    growth: tuple[int, ...]
    claimers: int
    claim_accounts_each: int
    claim_codes: int
    audit_events: int
    seconds: float
    max_requests: int
    pastes: int

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if quick:
            return cls(True, 10_000, 1_000, (10, 100, 1_000), 8, 5, 100, 100_000, 2, 30_000, 5)
        return cls(
            False, 100_000, 1_000, (10, 100, 1_000, 10_000), 20, 10, 100, 1_000_000, 10, 100_000, 20
        )

    def seed_plan(self) -> dict[str, Any]:
        return {
            "workspace_accounts": self.workspace_accounts,
            "member_accounts": self.member_accounts,
            "growth": list(self.growth),
            "claimers": self.claimers,
            "claim_accounts_each": self.claim_accounts_each,
            "claim_codes": self.claim_codes,
        }


@dataclass
class Row:
    database: str
    scenario: str
    result: Result | None = None
    rss_mb: float | None = None
    figure: str = ""  # a batch figure, already in words

    def percent_of(self, ceiling: Result | None) -> float | None:
        if self.result is None or ceiling is None or not ceiling.rps:
            return None
        return 100 * self.result.rps / ceiling.rps


class Stopped(Exception):
    pass


def on_signal(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signal.Signals(signum).name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Database:
    """One database under test: its environment, and the commands run against it."""

    def __init__(self, name: str, data_dir: Path, url: str | None) -> None:
        self.name, self.data_dir, self.url = name, data_dir, url
        self.env = {
            **os.environ,
            "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "SPAREKEY_DATA_DIR": str(data_dir),
            "SPAREKEY_LOG_LEVEL": "WARNING",
            # Limits raised for the run: one bench member makes thousands of claims an hour.
            "SPAREKEY_REVEALS_PER_HOUR": "100000000",
            "SPAREKEY_API_REQUESTS_PER_MINUTE": "100000000",
            # Notices go nowhere: a mail server is outside what is measured.
            "SPAREKEY_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }
        self.env.pop("DATABASE_URL", None)
        if url:
            self.env["DATABASE_URL"] = url

    def python(self, *args: str, timeout: float = 1800, stdin: str = "") -> str:
        completed = subprocess.run(
            [sys.executable, *args],
            env=self.env,
            cwd=ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:3])} failed:\n{completed.stderr[-3000:]}")
        return completed.stdout

    def sparekey(self, *args: str, timeout: float = 1800) -> str:
        return self.python("-m", "sparekey", *args, timeout=timeout)


@contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    name = f"sparekey_bench_{os.getpid()}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def server(db: Database) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`sparekey serve` as shipped, in its own process group so that all of it stops."""
    port = free_port()
    log = (db.data_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "sparekey", "serve", "--no-migrate", "--workers", "2"),
            *("--host", "127.0.0.1", "--port", str(port)),
        ],
        env=db.env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server stopped: see {db.data_dir / 'server.log'}")
            with suppress(OSError):
                with urllib.request.urlopen(f"{base}/bench/ceiling/", timeout=2) as answer:
                    if answer.status == 200 and len(workers(process.pid)) >= 2:
                        break
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer within 60 s")
            time.sleep(0.2)
        yield base, process
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def workers(master: int) -> list[int]:
    """The gunicorn worker processes: the children of the serve process."""
    children = Path(f"/proc/{master}/task/{master}/children")
    with suppress(OSError):
        return [int(pid) for pid in children.read_text().split()]
    return []


def reset_peak_rss(pids: list[int]) -> None:
    for pid in pids:
        with suppress(OSError):
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # 5: reset VmHWM to VmRSS


def peak_rss_mb(pids: list[int]) -> float | None:
    peaks = []
    for pid in pids:
        with suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
    return max(peaks) if peaks else None


def scenarios(seeded: dict[str, Any], plan: Plan) -> list[tuple[str, list[Request]]]:
    holder = seeded["holder"]

    def page(session: dict[str, str], path: str) -> Request:
        return Request("GET", path, {"Cookie": session["cookie"]})

    def form_post(session: dict[str, str], path: str) -> Request:
        return Request(
            "POST",
            path,
            {
                "Cookie": session["cookie"],
                "Content-Type": "application/x-www-form-urlencoded",
            },
            f"csrfmiddlewaretoken={session['csrf']}",
        )

    def api(token: str, method: str, path: str) -> Request:
        return Request(method, path, {"Authorization": f"Bearer {token}"})

    claimers = seeded["claimers"]
    listed = [
        ("login page (anonymous)", [Request("GET", "/login/")]),
        ("dashboard, 1,000 accounts", [page(holder, "/")]),
        ("account page (Settings tab)", [page(holder, seeded["account_page"])]),
        (
            "View MFA Backup Codes (10)",
            [page(c, f"/accounts/{c['view']}/backup-codes/") for c in claimers],
        ),
        (
            "Use next code (web form)",
            [
                form_post(c, f"/accounts/{account}/backup-codes/next/")
                for c in claimers
                for account in c["claims"]
            ],
        ),
        (
            "Use next code (API claim)",
            [
                api(c["token"], "POST", f"/api/v1/accounts/{account}/backup-codes/claim")
                for c in claimers
                for account in c["claims"]
            ],
        ),
        ("GET /api/v1/accounts, 1,000 accounts", [api(holder["token"], "GET", "/api/v1/accounts")]),
    ]
    for size in plan.growth:
        if size != plan.member_accounts:
            listed.append(
                (f"dashboard, {size:,} accounts", [page(seeded["growth"][str(size)], "/")])
            )
    return listed


def measure(
    db: Database, seeded: dict[str, Any], plan: Plan, replenish_codes: int
) -> tuple[Result, list[Row]]:
    rows: list[Row] = []
    with server(db) as (base, process):
        pids = workers(process.pid)

        def one(name: str, requests: list[Request]) -> Row:
            load.run(base, requests, seconds=1, max_requests=200)  # warm both workers up
            reset_peak_rss(pids)
            result = load.run(base, requests, seconds=plan.seconds, max_requests=plan.max_requests)
            row = Row(db.name, name, result, peak_rss_mb(pids))
            say(f"  {db.name:10} {name:38} {result.rps:8.0f} req/s  errors {result.errors}")
            return row

        ceiling_row = one("ceiling (bare Django view)", [Request("GET", "/bench/ceiling/")])
        rows.append(ceiling_row)
        replenisher = subprocess.Popen(
            [
                *(sys.executable, "-m", "bench.replenish"),
                *(str(db.data_dir / "seeded.json"), str(replenish_codes)),
            ],
            env=db.env,
            cwd=ROOT,
            start_new_session=True,
        )
        try:
            for name, requests in scenarios(seeded, plan):
                rows.append(one(name, requests))
        finally:
            stop(replenisher)
    assert ceiling_row.result is not None
    return ceiling_row.result, rows


def batch(db: Database, plan: Plan) -> list[Row]:
    rows = []
    pastes = json.loads(db.python("-m", "bench.batch", "paste", str(plan.pastes)))
    rows.append(
        Row(db.name, "save a 100-code paste", figure=f"{pastes['saves'] / pastes['seconds']:.0f}/s")
    )
    corpus = json.loads(
        db.python("-m", "bench.batch", "corpus", str(ROOT / "tests/corpus/pasted-codes"))
    )
    rows.append(
        Row(
            db.name,
            f"parse the pasted-codes corpus ({corpus['layouts']} layouts)",
            figure=f"{corpus['parsed'] / corpus['seconds']:,.0f} layouts/s",
        )
    )
    made = json.loads(db.python("-m", "bench.batch", "events", str(plan.audit_events)))
    say(f"  {db.name:10} appended {plan.audit_events:,} audit events in {made['seconds']} s")
    started = time.perf_counter()
    db.sparekey("audit", "verify")
    took = time.perf_counter() - started
    rows.append(
        Row(
            db.name,
            f"sparekey audit verify, {made['events']:,} events",
            figure=f"{made['events'] / took:,.0f} events/s",
        )
    )
    started = time.perf_counter()
    db.sparekey("rotate-key")
    took = time.perf_counter() - started
    rows.append(
        Row(
            db.name,
            f"sparekey rotate-key, {plan.workspace_accounts:,} accounts",
            figure=f"{plan.workspace_accounts / took:,.0f} accounts/s",
        )
    )
    return rows


def bench_database(name: str, url: str | None, plan: Plan, root: Path) -> tuple[Result, list[Row]]:
    data_dir = root / name
    data_dir.mkdir(mode=0o700)
    db = Database(name, data_dir, url)
    say(f"== {name}: migrate and seed a workspace of {plan.workspace_accounts:,} accounts")
    db.sparekey("migrate", "--noinput", "-v0")
    (data_dir / "plan.json").write_text(json.dumps(plan.seed_plan()))
    started = time.monotonic()
    db.python("-m", "bench.seed", str(data_dir / "plan.json"), str(data_dir / "seeded.json"))
    say(f"  seeded in {time.monotonic() - started:.0f} s")
    seeded = json.loads((data_dir / "seeded.json").read_text())
    ceiling, rows = measure(db, seeded, plan, plan.claim_codes)
    rows += batch(db, plan)
    return ceiling, rows


def machine(load_at_start: tuple[float, float, float]) -> str:
    cpu = "unknown CPU"
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    load1, load5, _ = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs ({cpu}){memory}, load average {load_at_start[0]:.2f} at the start, "
        f"{load1:.2f}/{load5:.2f} (1/5 min) at the end, Python {platform.python_version()}"
    )


def table(
    plan: Plan,
    results: dict[str, tuple[Result, list[Row]]],
    generator: str,
    load_at_start: tuple[float, float, float],
) -> str:
    lines = [
        f"Sparekey bench ({'QUICK: smaller data and shorter runs' if plan.quick else 'full'}), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"Machine: {machine(load_at_start)}",
        f"Load: {generator}, 4 connections, {plan.seconds:.0f} s or {plan.max_requests:,} "
        "requests per scenario; server: sparekey serve --workers 2 (gunicorn sync)",
        f"Data: workspace of {plan.workspace_accounts:,} accounts; audit verify over "
        f"{plan.audit_events:,} events; growth members hold "
        + ", ".join(f"{n:,}" for n in plan.growth)
        + " accounts"
        + (
            " (QUICK: the issue names 100,000 accounts, 1,000,000 events, up to 10,000)"
            if plan.quick
            else ""
        ),
        "",
        "| database | scenario | req/s | % of ceiling | p50 ms | p99 ms | errors "
        "| worker peak RSS MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, (ceiling, rows) in results.items():
        for row in rows:
            if row.result is None:
                continue
            r = row.result
            percent = row.percent_of(ceiling)
            lines.append(
                f"| {name} | {row.scenario} | {r.rps:,.0f} | "
                f"{'' if percent is None else f'{percent:.1f} %'} | {r.p50_ms:.1f} | "
                f"{r.p99_ms:.1f} | {r.errors} | "
                f"{'' if row.rss_mb is None else f'{row.rss_mb:.0f}'} |"
            )
    lines += ["", "| database | batch | figure |", "| --- | --- | ---: |"]
    for name, (_, rows) in results.items():
        for row in rows:
            if row.figure:
                lines.append(f"| {name} | {row.scenario} | {row.figure} |")
    return "\n".join(lines)


def last_line(results: dict[str, tuple[Result, list[Row]]]) -> str:
    ceiling, rows = results["sqlite"]

    def percent(scenario: str) -> str:
        for row in rows:
            if row.scenario == scenario and (p := row.percent_of(ceiling)) is not None:
                return f"{p:.1f}"
        return "n/a"

    verify = next((r.figure for r in rows if r.scenario.startswith("sparekey audit verify")), "")
    per_second = verify.split()[0].replace(",", "") if verify else "n/a"
    return (
        f"bench: view-codes {percent('View MFA Backup Codes (10)')}% "
        f"use-next-code {percent('Use next code (web form)')}% "
        f"dashboard-1000 {percent('dashboard, 1,000 accounts')}% "
        f"audit-verify {per_second}/s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller data, shorter runs (< 3 min)")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    args = parser.parse_args(argv)
    if os.environ.get("QUICK", "") not in {"", "0"}:
        args.quick = True
    plan = Plan.make(args.quick)
    load_at_start = os.getloadavg()
    if load.have_wrk():
        generator = "wrk (1 thread)"
    else:
        generator = "Python threads (wrk missing: figures are lower than wrk's)"
        say(f"NOTE: {load.INSTALL_WRK} Falling back to a Python load generator.")
    signal.signal(signal.SIGTERM, on_signal)
    results: dict[str, tuple[Result, list[Row]]] = {}
    root = Path(tempfile.mkdtemp(prefix="sparekey-bench-"))
    try:
        if args.only != "postgres":
            results["sqlite"] = bench_database("sqlite", None, plan, root)
        if args.only != "sqlite":
            with postgres_database() as url:
                results["postgres"] = bench_database("postgres", url, plan, root)
    except (KeyboardInterrupt, Stopped):
        say("Stopped: everything the bench started has been stopped and removed.")
        raise SystemExit(130) from None
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(table(plan, results, generator, load_at_start))
    if "sqlite" in results:
        print(last_line(results))
