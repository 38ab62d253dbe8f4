#!/usr/bin/env python3
"""Footprint benchmark: edgemonitor (the NativeAOT daemon, `run`) and prometheus-blackbox-exporter
side by side, in the same time window, probing the same kinds of loopback servers at the same rate.

Started by scripts/bench.sh (which installs the servers and finds/publishes the binary). Every
server listens on 127.0.0.1 only; every process started here is killed on exit. Needs root for
the nftables counters.

Honest by construction:
- each tool gets its own server ports, and every probe is counted where it arrives: an
  nftables counter per port (TCP SYNs; DNS queries), not computed from the schedule;
- idle RSS is read at READY (edgemonitor) / healthy (blackbox), before either has probed
  anything (the counters prove it: they are read at the same moment);
- the mix is a third TLS by default (12 tcp, 12 tls, 6 http, 6 dns every 5 s);
- CPU is process time (utime + stime of the one process);
- every sample goes to a CSV beside the table; the table prints ratios.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from common import (cpu_ms, free_port, log, make_ca, proc_status, start, start_dnsmasq, start_nginx,
                    start_tcp_listeners, teardown, wait_until)

TOOLS = ("em", "bb")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--blackbox", default=shutil.which("prometheus-blackbox-exporter") or "/usr/bin/prometheus-blackbox-exporter")
    ap.add_argument("--duration", type=int, default=180, help="seconds under load")
    ap.add_argument("--interval", type=int, default=5, help="seconds between rounds")
    ap.add_argument("--mix", default="tcp=12,tls=12,http=6,dns=6", help="targets of each kind per round")
    ap.add_argument("--out", default="")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for edgemonitor (GC knobs)")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench: needs root (nftables counters count the probes at the servers)")
    tmp = tempfile.mkdtemp(prefix="edgemonitor-bench.")
    os.chmod(tmp, 0o755)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    table = f"embench{os.getpid()}"
    try:
        return bench(a, tmp, table)
    finally:
        teardown()
        subprocess.run(["nft", "delete", "table", "inet", table], stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


def counters(table):
    """{port: packets} from the table's named counters."""
    out = json.loads(subprocess.run(["nft", "-j", "list", "counters", "table", "inet", table],
                                    check=True, stdout=subprocess.PIPE, text=True).stdout)
    res = {}
    for item in out["nftables"]:
        c = item.get("counter")
        if c:
            res[int(c["name"].split("_")[1])] = c["packets"]
    return res


def bench(a, tmp, table):
    mix = {k: int(v) for k, v in (kv.split("=") for kv in a.mix.split(","))}
    ca_crt, crt, key = make_ca(tmp, "bench.test")
    port = {(tool, kind): free_port() for tool in TOOLS for kind in ("tcp", "tls", "http", "dns")}
    bb_port = free_port()
    start_nginx(tmp, crt, key, [port[t, "tls"] for t in TOOLS], [port[t, "http"] for t in TOOLS])
    for t in TOOLS:
        start_dnsmasq(tmp, port[t, "dns"], "bench.test")
    start_tcp_listeners([port[t, "tcp"] for t in TOOLS])

    # A counter per server port: TCP SYNs (one per probe connection), DNS queries.
    rules = []
    for (t, kind), p in port.items():
        match = f"udp dport {p}" if kind == "dns" else f"tcp dport {p} tcp flags syn / syn,ack"
        rules.append((f"  counter c_{p} {{ }}", f"    iif lo {match} counter name c_{p}"))
    script = (f"table inet {table} {{\n" + "\n".join(c for c, _ in rules)
              + "\n  chain input { type filter hook input priority -10; policy accept;\n"
              + "\n".join(r for _, r in rules) + "\n  }\n}\n")
    subprocess.run(["nft", "-f", "-"], input=script, text=True, check=True)

    def count(tool):
        c = counters(table)
        return sum(c[port[tool, k]] for k in mix)

    # --- edgemonitor config ---------------------------------------------------------------------
    env = dict(os.environ)
    for kv in a.env:
        k, _, v = kv.partition("=")
        env[k] = v
    # dns targets ask distinct names: identical lookups in flight would be shared.
    host = {"tcp": "127.0.0.1", "tls": "bench.test", "http": "bench.test"}
    targets = [{"id": f"{k}{i}", "kind": k, "host": f"d{i}.bench.test" if k == "dns" else host[k],
                "port": 53 if k == "dns" else port["em", k]} for k, n in mix.items() for i in range(n)]
    per_round = len(targets)
    conf = {"site": "bench", "node": "bench", "profiles": [], "targets": targets,
            "probe": {"timeoutMs": 5000, "ipv6": "off", "concurrency": 16},
            "dns": {"server": f"127.0.0.1:{port['em', 'dns']}"}, "tls": {"extraCaFile": ca_crt},
            "addressMap": {f"bench.test:{port['em', k]}": f"127.0.0.1:{port['em', k]}" for k in ("tls", "http")},
            "monitor": {"intervalSeconds": a.interval, "jitter": 0, "failuresToFail": 1, "successesToRecover": 1}}
    with open(f"{tmp}/edgemonitor.json", "w") as f:
        json.dump(conf, f, indent=1)

    # --- blackbox_exporter config: the same kinds, its own ports --------------------------------
    with open(f"{tmp}/blackbox.yml", "w") as f:
        f.write(f"""modules:
  tcp: {{prober: tcp, timeout: 5s, tcp: {{preferred_ip_protocol: ip4}}}}
  tls: {{prober: tcp, timeout: 5s, tcp: {{preferred_ip_protocol: ip4, tls: true, tls_config: {{ca_file: "{ca_crt}", server_name: bench.test}}}}}}
  http: {{prober: http, timeout: 5s, http: {{preferred_ip_protocol: ip4, headers: {{Host: bench.test}}}}}}
  dns: {{prober: dns, timeout: 5s, dns: {{preferred_ip_protocol: ip4, transport_protocol: udp, query_name: dns.bench.test, query_type: A, valid_rcodes: [NOERROR]}}}}
""")
    bb_target = {"tcp": f"127.0.0.1:{port['bb', 'tcp']}", "tls": f"127.0.0.1:{port['bb', 'tls']}",
                 "http": f"http://127.0.0.1:{port['bb', 'http']}/", "dns": f"127.0.0.1:{port['bb', 'dns']}"}
    bb_urls = [f"http://127.0.0.1:{bb_port}/probe?module={t['kind']}&target={bb_target[t['kind']]}" for t in targets]

    # --- start both; idle is read before either has probed ----------------------------------------
    t0 = time.monotonic()
    bb = start([a.blackbox, f"--config.file={tmp}/blackbox.yml", f"--web.listen-address=127.0.0.1:{bb_port}"])

    def bb_ready():
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{bb_port}/-/healthy", timeout=0.2).status == 200
        except OSError:
            return False
    wait_until(bb_ready, "blackbox_exporter /-/healthy")
    bb_start_ms = (time.monotonic() - t0) * 1000
    bb_idle = proc_status(bb.pid)
    bb_idle_probes = count("bb")

    sock_path = f"{tmp}/notify.sock"
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(sock_path)
    ns.settimeout(30)
    t0 = time.monotonic()
    em = start([a.binary, "run", "--config", f"{tmp}/edgemonitor.json", "--state-dir", f"{tmp}/state"],
               env=dict(env, NOTIFY_SOCKET=sock_path), stdout=open(f"{tmp}/em.log", "w"), stderr=subprocess.STDOUT)
    while "READY=1" not in ns.recv(4096).decode():
        pass
    em_start_ms = (time.monotonic() - t0) * 1000
    em_idle = proc_status(em.pid)
    em_idle_probes = count("em")
    log(f"{per_round} probes every {a.interval} s ({a.mix}) for {a.duration} s; idle read after "
        f"{em_idle_probes} (edgemonitor) and {bb_idle_probes} (blackbox) probes")

    # --- load -------------------------------------------------------------------------------------
    # The daemon runs on its own clock from READY; blackbox is driven by curl at the same rate.
    bb_cpu0, em_cpu0 = cpu_ms(bb.pid), cpu_ms(em.pid)
    bb_n0, em_n0 = count("bb"), count("em")
    bb_ok = bb_fail = 0
    lock = threading.Lock()

    def drive_bb():
        nonlocal bb_ok, bb_fail
        r = subprocess.run(["curl", "-s", "--max-time", "30"] + bb_urls, stdout=subprocess.PIPE, text=True)
        ok = r.stdout.count("\nprobe_success 1")
        with lock:
            bb_ok += ok
            bb_fail += len(bb_urls) - ok

    rows = []
    threads = []
    start_t = time.monotonic()
    next_round = start_t
    while (now := time.monotonic()) - start_t < a.duration:
        if em.poll() is not None:
            raise SystemExit(f"bench: edgemonitor run exited {em.returncode}; see its log")
        if now >= next_round:
            th = threading.Thread(target=drive_bb)
            th.start()
            threads.append(th)
            next_round += a.interval
        e, b = proc_status(em.pid), proc_status(bb.pid)
        rows.append((now - start_t, e, b))
        time.sleep(max(0.0, min(1.0, next_round - time.monotonic())))
    for th in threads:
        th.join(60)
    elapsed = time.monotonic() - start_t
    em_cpu, bb_cpu = cpu_ms(em.pid) - em_cpu0, cpu_ms(bb.pid) - bb_cpu0
    em_probes, bb_probes = count("em") - em_n0, count("bb") - bb_n0
    em_hwm, bb_hwm = proc_status(em.pid)["VmHWM"], proc_status(bb.pid)["VmHWM"]
    try:
        with open(f"{tmp}/state/status.json") as f:
            failing = [r["target"] for r in json.load(f).get("results", []) if r.get("outcome") != "pass"]
        if failing:
            log(f"warning: edgemonitor reports failing targets: {failing}")
    except (OSError, ValueError) as e:
        log(f"no status.json: {e}")
    if bb_fail:
        log(f"warning: {bb_fail} blackbox_exporter probe requests failed")

    def steady(tool, key):  # minute 1 to the end: after start-up and the first GCs
        xs = [(e if tool == "em" else b)[key] for t, e, b in rows if t >= min(60, elapsed / 2)]
        return sum(xs) / len(xs)

    table_rows = [
        ("binary size (MB)", os.path.getsize(a.binary) / 1e6, os.path.getsize(a.blackbox) / 1e6),
        ("start-up to ready (ms; edgemonitor READY, blackbox /-/healthy)", em_start_ms, bb_start_ms),
        ("RSS idle, before the first probe (MB)", em_idle["VmRSS"] / 1024, bb_idle["VmRSS"] / 1024),
        ("RssAnon idle (MB)", em_idle["RssAnon"] / 1024, bb_idle["RssAnon"] / 1024),
        ("RSS under load, mean from minute 1 (MB)", steady("em", "VmRSS") / 1024, steady("bb", "VmRSS") / 1024),
        ("RssAnon under load, mean from minute 1 (MB)", steady("em", "RssAnon") / 1024, steady("bb", "RssAnon") / 1024),
        ("RSS peak, VmHWM (MB)", em_hwm / 1024, bb_hwm / 1024),
        ("threads, mean under load", steady("em", "Threads"), steady("bb", "Threads")),
        ("CPU per 1000 probes (ms, process utime+stime)", em_cpu / max(1, em_probes) * 1000, bb_cpu / max(1, bb_probes) * 1000),
    ]
    lines = [f"Footprint: {per_round} probes ({a.mix}) every {a.interval} s on loopback, {int(elapsed)} s under load, "
             "both tools in the same window; edgemonitor `run` on its own schedule, blackbox_exporter driven by curl.",
             f"Probes counted at the servers (nftables counters on each tool's own ports): edgemonitor {em_probes}, "
             f"blackbox_exporter {bb_probes} ({bb_ok} probe_success 1, {bb_fail} not). Env: {' '.join(a.env) or '(none)'}",
             "",
             "| measure | edgemonitor | blackbox_exporter | ratio |",
             "|---|---:|---:|---:|"]
    for name, e, b in table_rows:
        lines.append(f"| {name} | {e:.1f} | {b:.1f} | {e / b:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            f.write(text)
        with open(os.path.splitext(a.out)[0] + ".csv", "w") as f:
            f.write("seconds,em_rss_kb,em_anon_kb,em_threads,em_fds,bb_rss_kb,bb_anon_kb,bb_threads,bb_fds\n")
            for t, e, b in rows:
                f.write(f"{t:.1f},{e['VmRSS']},{e['RssAnon']},{e['Threads']},{e['fds']},"
                        f"{b['VmRSS']},{b['RssAnon']},{b['Threads']},{b['fds']}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
