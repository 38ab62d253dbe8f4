#!/usr/bin/env python3
"""Soak benchmark (not a test): the daemon for a long time on faults that come and go.

Started by scripts/soak.sh inside a network namespace of its own (only its loopback exists),
so every server, every nftables rule and the daemon live there and nothing leaves the machine.

Targets: TCP listeners, TLS and HTTP on nginx, DNS on dnsmasq, all on 127.0.0.1. Every
--flip seconds each target takes one of four states at random: up, down (SYN answered with a
reset: refused), drop (silently dropped) or reset (established connections reset). Every
--broker-restart seconds mosquitto is killed and started again after --broker-down seconds.
Every --sample seconds the daemon's VmRSS, RssAnon, thread count and open fds go to a CSV.
At the end: slopes after --settle seconds (least squares, kB/min), min/max of threads and fds,
and an SVG curve.

--peer PATH runs a second edgemonitor binary beside the first, on the same targets, faults and
broker, in the same window (its own config node name, state dir and log; --peer-env for its
environment): both are sampled, summarised and drawn, so two builds compare without the
noise of different runs. --store-reload S points both daemons at a copy of the system trust
store (SSL_CERT_DIR, in the soak's temp dir; the host's store is only read) and touches that
copy every S seconds: .NET re-reads a store whose directory changed (within 5 s), so the
5-minute reload it otherwise does on its own comes every S seconds instead.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from common import (free_port, make_ca, proc_status, start, start_dnsmasq, start_nginx, start_tcp_listeners, stop,
                    tcp_open, teardown, wait_until)


def nft(script):
    subprocess.run(["nft", "-f", "-"], input=script, text=True, check=True)


def slope_kb_per_min(ts, ys):
    n = len(ts)
    if n < 2:
        return 0.0
    mt, my = sum(ts) / n, sum(ys) / n
    var = sum((t - mt) ** 2 for t in ts)
    return 0.0 if var == 0 else sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / var * 60


def svg(series, path):
    """RSS and RssAnon (MB) over minutes, one polyline each per daemon (the peer dashed);
    threads on the right axis. series: {label: rows}."""
    w, h, pad = 720, 300, 40
    every = [r for rows in series.values() for r in rows]
    t_max = max(r["t"] for r in every) or 1
    mb_max = max(r["VmRSS"] for r in every) / 1024 * 1.15
    th_max = max(r["Threads"] for r in every) * 1.3

    def pts(rows, key, scale):
        return " ".join(f"{pad + r['t'] / t_max * (w - 2 * pad):.1f},{h - pad - r[key] / scale * (h - 2 * pad):.1f}"
                        for r in rows)
    grid = "".join(f'<line x1="{pad}" x2="{w - pad}" y1="{h - pad - i / 4 * (h - 2 * pad):.0f}" y2="{h - pad - i / 4 * (h - 2 * pad):.0f}" stroke="#ddd"/>'
                   f'<text x="4" y="{h - pad - i / 4 * (h - 2 * pad) + 4:.0f}" font-size="10">{mb_max * i / 4:.0f} MB</text>'
                   for i in range(5))
    mins = "".join(f'<text x="{pad + m * 60 / t_max * (w - 2 * pad):.0f}" y="{h - 22}" font-size="10">{m}</text>'
                   for m in range(0, int(t_max / 60) + 1, max(1, int(t_max / 60 / 12))))
    lines, legend = "", ""
    for i, (label, rows) in enumerate(series.items()):
        dash = "" if i == 0 else ' stroke-dasharray="6,3"'
        lines += (f'<polyline fill="none" stroke="#c0392b" stroke-width="1.5"{dash} points="{pts(rows, "VmRSS", mb_max * 1024)}"/>'
                  f'<polyline fill="none" stroke="#2471a3" stroke-width="1.5"{dash} points="{pts(rows, "RssAnon", mb_max * 1024)}"/>'
                  f'<polyline fill="none" stroke="#7d7d7d" stroke-width="1" stroke-dasharray="{"3,2" if i == 0 else "1,3"}" points="{pts(rows, "Threads", th_max)}"/>')
        if len(series) > 1:
            legend += f'<text x="{pad + 360 + i * 150}" y="16" font-size="11">{"solid" if i == 0 else "dashed"}: {label}</text>'
    with open(path, "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif">'
                f'<rect width="{w}" height="{h}" fill="white"/>{grid}{mins}'
                f'<text x="{w / 2 - 20}" y="{h - 6}" font-size="11">minutes</text>{lines}'
                f'<text x="{pad + 8}" y="16" font-size="11" fill="#c0392b">VmRSS</text>'
                f'<text x="{pad + 60}" y="16" font-size="11" fill="#2471a3">RssAnon</text>'
                f'<text x="{pad + 125}" y="16" font-size="11" fill="#7d7d7d">threads (right scale, max {th_max / 1.3:.0f})</text>'
                f'{legend}</svg>\n')


def summary(rows, settle):
    """What one daemon did over the soak: first/last/max RSS, slopes after `settle` seconds."""
    late = [r for r in rows if r["t"] >= settle] or rows
    ts = [r["t"] for r in late]
    return {
        "rss_mb_first": rows[0]["VmRSS"] / 1024, "rss_mb_last": rows[-1]["VmRSS"] / 1024,
        "rss_mb_max": max(r["VmRSS"] for r in rows) / 1024,
        "rss_anon_mb_last": rows[-1]["RssAnon"] / 1024,
        "rss_slope_kb_per_min_after_settle": slope_kb_per_min(ts, [r["VmRSS"] for r in late]),
        "anon_slope_kb_per_min_after_settle": slope_kb_per_min(ts, [r["RssAnon"] for r in late]),
        "threads_min_max_after_settle": [min(r["Threads"] for r in late), max(r["Threads"] for r in late)],
        "fds_min_max_after_settle": [min(r["fds"] for r in late), max(r["fds"] for r in late)],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--duration", type=int, default=3600, help="seconds")
    ap.add_argument("--per-kind", type=int, default=6)
    ap.add_argument("--interval", type=int, default=5, help="probe interval, seconds")
    ap.add_argument("--flip", type=int, default=45, help="seconds between fault changes")
    ap.add_argument("--broker-restart", type=int, default=300)
    ap.add_argument("--broker-down", type=int, default=20)
    ap.add_argument("--sample", type=int, default=10)
    ap.add_argument("--settle", type=int, default=600, help="slopes are taken after this many seconds")
    ap.add_argument("--out", default="artifacts/soak")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the daemon (repeatable)")
    ap.add_argument("--peer", help="a second edgemonitor binary, run and sampled beside the first")
    ap.add_argument("--peer-env", action="append", default=[], help="NAME=VALUE for the peer (repeatable)")
    ap.add_argument("--store-reload", type=int, default=0,
                    help="seconds between touches of a private trust-store copy (0: the system store, reloaded every 5 min)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.peer and not os.access(a.peer, os.X_OK):
        ap.error(f"--peer {a.peer}: not an executable file")
    random.seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="edgemonitor-soak.")
    os.chmod(tmp, 0o755)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return soak(a, tmp)
    finally:
        teardown()
        shutil.rmtree(tmp, ignore_errors=True)


def soak(a, tmp):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    ca_crt, crt, key = make_ca(tmp, "soak.test")
    n = a.per_kind
    tcp_ports = [free_port() for _ in range(n)]
    tls_ports = [free_port() for _ in range(n)]
    http_ports = [free_port() for _ in range(n)]
    dns_port = free_port()
    mqtt_port = free_port()
    start_nginx(tmp, crt, key, tls_ports, http_ports)
    start_dnsmasq(tmp, dns_port, "soak.test")
    start_tcp_listeners(tcp_ports)
    with open(f"{tmp}/mosquitto.conf", "w") as f:
        f.write(f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\npersistence false\n")

    def broker():
        return start(["mosquitto", "-c", f"{tmp}/mosquitto.conf"])
    mq = broker()
    wait_until(lambda: tcp_open(mqtt_port), "mosquitto")

    # Faults: one nftables table, a set per fault; a port's state is which set holds it.
    nft(f"""table inet soak {{
  set f_down {{ type inet_service; }}
  set f_drop {{ type inet_service; }}
  set f_reset {{ type inet_service; }}
  chain input {{ type filter hook input priority 0; policy accept;
    tcp dport @f_down tcp flags syn reject with tcp reset
    tcp dport @f_drop drop
    udp dport @f_drop drop
    tcp dport @f_reset ct state established reject with tcp reset
  }}
}}""")

    targets = ([{"id": f"tcp{i}", "kind": "tcp", "host": "127.0.0.1", "port": p} for i, p in enumerate(tcp_ports)]
               + [{"id": f"tls{i}", "kind": "tls", "host": "soak.test", "port": p} for i, p in enumerate(tls_ports)]
               + [{"id": f"http{i}", "kind": "http", "host": "soak.test", "port": p} for i, p in enumerate(http_ports)]
               + [{"id": f"dns{i}", "kind": "dns", "host": f"n{i}.soak.test", "port": 53} for i in range(n)])
    # dns targets all ask the one resolver (dns.server): a fault on its port hits them together.
    amap = {f"soak.test:{p}": f"127.0.0.1:{p}" for p in tls_ports + http_ports}
    store = None
    if a.store_reload:
        # A private copy of the trust store's directory (symlinks kept: they still resolve to the
        # system's files, which are only read). Touching the copy makes .NET reload it.
        store = f"{tmp}/certs"
        subprocess.run(["cp", "-a", "/etc/ssl/certs", store], check=True)

    def daemon(label, binary, env_args):
        conf = {"site": "soak", "node": label, "targets": targets, "profiles": [],
                "probe": {"timeoutMs": 3000, "ipv6": "off", "concurrency": 16},
                "dns": {"server": f"127.0.0.1:{dns_port}"}, "tls": {"extraCaFile": ca_crt}, "addressMap": amap,
                "monitor": {"intervalSeconds": a.interval, "jitter": 0.1},
                "mqtt": {"enabled": True, "host": "127.0.0.1", "port": mqtt_port, "keepAliveSeconds": 10}}
        with open(f"{tmp}/{label}.json", "w") as f:
            json.dump(conf, f, indent=1)
        env = dict(os.environ)
        if store:
            env["SSL_CERT_DIR"] = store
        for kv in env_args:
            k, _, v = kv.partition("=")
            env[k] = v
        out = open(f"{a.out}/{'daemon' if label == 'main' else label}.log", "w")
        return start([binary, "run", "--config", f"{tmp}/{label}.json", "--state-dir", f"{tmp}/state-{label}"],
                     env=env, stdout=out, stderr=subprocess.STDOUT)
    daemons = {"main": daemon("main", a.binary, a.env)}
    if a.peer:
        daemons["peer"] = daemon("peer", a.peer, a.peer_env)

    flippable = [("tcp", p) for p in tcp_ports + tls_ports + http_ports] + [("dns", dns_port)]
    state = {p: "up" for _, p in flippable}
    rows = {label: [] for label in daemons}
    t0 = time.monotonic()
    next_touch = t0 + a.store_reload if store else None
    reloads = 0
    next_flip = t0 + a.flip
    next_broker = t0 + a.broker_restart
    broker_back = None
    flips = restarts = 0
    csv = open(f"{a.out}/soak.csv", "w")
    csv.write("seconds,daemon,rss_kb,rss_anon_kb,threads,fds,faulty_targets,broker_up\n")
    while (now := time.monotonic()) - t0 < a.duration:
        for label, em in daemons.items():
            if em.poll() is not None:
                raise SystemExit(f"soak: the {label} daemon exited {em.returncode} after {now - t0:.0f} s; see its log in {a.out}")
        if next_touch is not None and now >= next_touch:
            os.utime(store)
            reloads += 1
            next_touch += a.store_reload
        if now >= next_flip:
            for _, p in flippable:
                new = random.choice(["up", "up", "down", "drop", "reset"])
                if new != state[p]:
                    if state[p] != "up":
                        subprocess.run(["nft", "delete", "element", "inet", "soak", "f_" + state[p], f"{{ {p} }}"], check=True)
                    if new != "up":
                        subprocess.run(["nft", "add", "element", "inet", "soak", "f_" + new, f"{{ {p} }}"], check=True)
                    state[p] = new
            flips += 1
            next_flip += a.flip
        if now >= next_broker and broker_back is None:
            stop(mq, signal.SIGKILL)
            broker_back = now + a.broker_down
            restarts += 1
            next_broker += a.broker_restart
        if broker_back is not None and now >= broker_back:
            mq = broker()
            broker_back = None
        faulty = sum(1 for v in state.values() if v != "up")
        for label, em in daemons.items():
            s = proc_status(em.pid)
            s["t"] = now - t0
            rows[label].append(s)
            csv.write(f"{s['t']:.0f},{label},{s['VmRSS']},{s['RssAnon']},{s['Threads']},{s['fds']},{faulty},{int(broker_back is None)}\n")
        csv.flush()
        time.sleep(a.sample)

    main_rows = rows["main"]
    res = {
        "duration_s": int(main_rows[-1]["t"]), "samples": len(main_rows), "fault_flips": flips,
        "broker_restarts": restarts, "store_touches": reloads,
        "binaries": {label: (a.binary if label == "main" else a.peer) for label in daemons},
        **{label: summary(r, a.settle) for label, r in rows.items()},
    }
    svg(rows, f"{a.out}/soak.svg")
    with open(f"{a.out}/soak.json", "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
