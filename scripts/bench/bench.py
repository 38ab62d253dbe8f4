#!/usr/bin/env python3
"""Footprint benchmark: edgemonitor (NativeAOT) and prometheus-blackbox-exporter side by side,
probing the same loopback targets (TCP, TLS, HTTP, DNS) at the same rate for a bounded time.

Started by scripts/bench.sh (which installs the servers and finds/publishes the binary).
Every server listens on 127.0.0.1 only; every process started here is killed on exit.

Measures, per subject: binary size, start-up to ready, VmRSS idle and under load (sampled
/proc/PID/status each second; VmHWM at the end), CPU ms per 1000 probes (utime+stime from
/proc/PID/stat). edgemonitor runs as the daemon (`run`, READY over NOTIFY_SOCKET) when its
--help lists `run`; otherwise one `check` process per interval (CPU and max RSS per process
(wait4) and peak RSS (VmHWM polled) per process, start-up = the wall time of a one-target check).
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

CLK_TCK = os.sysconf("SC_CLK_TCK")
procs = []


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, **kw):
    p = subprocess.Popen(cmd, stdout=kw.pop("stdout", subprocess.DEVNULL), stderr=kw.pop("stderr", subprocess.DEVNULL),
                         start_new_session=True, **kw)
    procs.append(p)
    return p


def teardown(*_):
    for p in reversed(procs):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.time() + 5
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def wait_until(pred, what, within=20.0):
    deadline = time.time() + within
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.01)
    raise SystemExit(f"bench: timed out waiting for {what}")


def tcp_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon"):
                out[k] = int(v.split()[0])  # kB
    return out


def cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / CLK_TCK  # utime + stime


def measure(cmd, env):
    """Runs cmd to completion: (CPU ms, peak RSS kB, peak RssAnon kB). wait4's ru_maxrss would count the forking
    parent's RSS (Linux keeps the pre-exec high-water mark), so the peak is VmHWM read from
    /proc while the process lives."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    hwm = anon = 0
    while True:
        try:
            st = status(p.pid)
            hwm, anon = max(hwm, st.get("VmHWM", 0)), max(anon, st.get("RssAnon", 0))
        except OSError:
            pass
        pid, _, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            p.returncode = 0
            return (ru.ru_utime + ru.ru_stime) * 1000, hwm, anon
        time.sleep(0.002)


def run_cmd(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--blackbox", default=shutil.which("prometheus-blackbox-exporter") or "/usr/bin/prometheus-blackbox-exporter")
    ap.add_argument("--duration", type=int, default=180, help="seconds under load")
    ap.add_argument("--interval", type=int, default=5, help="seconds between rounds")
    ap.add_argument("--per-kind", type=int, default=9, help="targets of each kind per round")
    ap.add_argument("--out", default="")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for edgemonitor (GC knobs)")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="edgemonitor-bench.")
    os.chmod(tmp, 0o755)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return bench(a, tmp)
    finally:
        teardown()
        shutil.rmtree(tmp, ignore_errors=True)


def bench(a, tmp):
    # --- lab servers on 127.0.0.1 -------------------------------------------------------------
    ca_key, ca_crt = f"{tmp}/ca.key", f"{tmp}/ca.crt"
    key, csr, crt = f"{tmp}/srv.key", f"{tmp}/srv.csr", f"{tmp}/srv.crt"
    run_cmd(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt,
             "-days", "2", "-subj", "/CN=EdgeMonitor bench CA"])
    run_cmd(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=bench.test"])
    with open(f"{tmp}/ext.cnf", "w") as f:
        f.write("subjectAltName=DNS:bench.test,IP:127.0.0.1\n")
    run_cmd(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
             "-days", "2", "-extfile", f"{tmp}/ext.cnf"])
    for fn in (key, crt, ca_crt):
        os.chmod(fn, 0o644)

    tcp_port, tls_port, http_port, dns_port, bb_port = (free_port() for _ in range(5))
    os.makedirs(f"{tmp}/nginx", exist_ok=True)
    with open(f"{tmp}/nginx.conf", "w") as f:
        f.write(f"""worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx/error.log;
events {{ worker_connections 512; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/nginx/body; proxy_temp_path {tmp}/nginx/proxy;
  fastcgi_temp_path {tmp}/nginx/fcgi; uwsgi_temp_path {tmp}/nginx/uwsgi; scgi_temp_path {tmp}/nginx/scgi;
  server {{ listen 127.0.0.1:{tls_port} ssl; ssl_certificate {crt}; ssl_certificate_key {key};
           location / {{ return 200 "ok\\n"; }} }}
  server {{ listen 127.0.0.1:{http_port}; location / {{ return 200 "ok\\n"; }} }}
}}
""")
    start(["nginx", "-c", f"{tmp}/nginx.conf", "-p", f"{tmp}/nginx", "-g", "daemon off;"])
    start(["dnsmasq", "-k", "--conf-file=/dev/null", f"--port={dns_port}", "--listen-address=127.0.0.1",
           "--bind-interfaces", "--no-resolv", "--no-hosts", "--address=/bench.test/127.0.0.1",
           f"--pid-file={tmp}/dnsmasq.pid"])
    # A plain TCP listener: accepts and closes (its own process, not measured).
    start([sys.executable, "-c", f"""
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", {tcp_port})); s.listen(512)
while True:
    c, _ = s.accept(); c.close()
"""])
    for port in (tls_port, http_port, tcp_port):
        wait_until(lambda: tcp_open(port), f"listener on {port}")

    # --- which kinds this edgemonitor has (tls/http/dns may still be on other branches) -------
    kinds = {"tcp": tcp_port, "tls": tls_port, "http": http_port, "dns": 53}
    env = dict(os.environ)
    for kv in a.env:
        k, _, v = kv.partition("=")
        env[k] = v
    base = {"site": "bench", "node": "bench", "probe": {"timeoutMs": 5000, "ipv6": "off", "concurrency": 16},
            "dns": {"server": f"127.0.0.1:{dns_port}"}, "tls": {"extraCaFile": ca_crt},
            "addressMap": {f"bench.test:{tls_port}": f"127.0.0.1:{tls_port}", f"bench.test:{http_port}": f"127.0.0.1:{http_port}"},
            "monitor": {"intervalSeconds": a.interval, "jitter": 0, "failuresToFail": 1, "successesToRecover": 1}}

    def target(kind, i):
        t = {"id": f"{kind}{i}", "kind": kind, "port": kinds[kind]}
        t["host"] = {"tcp": "127.0.0.1", "tls": "bench.test", "http": "bench.test", "dns": "dns.bench.test"}[kind]
        return t

    def config(path, targets):
        with open(path, "w") as f:
            json.dump(dict(base, targets=targets), f, indent=1)
        return path

    have = []
    for k in kinds:
        r = subprocess.run([a.binary, "check", "--json", "--config", config(f"{tmp}/k-{k}.json", [target(k, 0)])],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
        if r.returncode == 0:
            have.append(k)
        elif "probe kind" in r.stderr:
            log(f"edgemonitor has no '{k}' probe yet: left out of both subjects")
        else:
            raise SystemExit(f"bench: edgemonitor check of one {k} target failed (exit {r.returncode}):\n{r.stdout}{r.stderr}")
    targets = [target(k, i) for k in have for i in range(a.per_kind)]
    per_round = len(targets)
    em_conf = config(f"{tmp}/edgemonitor.json", targets)
    help_text = subprocess.run([a.binary, "--help"], stdout=subprocess.PIPE, text=True).stdout
    daemon = any(line.split()[:1] == ["run"] for line in help_text.splitlines())
    log(f"kinds {have}, {per_round} probes every {a.interval} s for {a.duration} s; edgemonitor mode: {'run' if daemon else 'check per round'}")

    # --- blackbox_exporter ----------------------------------------------------------------------
    with open(f"{tmp}/blackbox.yml", "w") as f:
        f.write(f"""modules:
  tcp: {{prober: tcp, timeout: 5s, tcp: {{preferred_ip_protocol: ip4}}}}
  tls: {{prober: tcp, timeout: 5s, tcp: {{preferred_ip_protocol: ip4, tls: true, tls_config: {{ca_file: "{ca_crt}", server_name: bench.test}}}}}}
  http: {{prober: http, timeout: 5s, http: {{preferred_ip_protocol: ip4, headers: {{Host: bench.test}}}}}}
  dns: {{prober: dns, timeout: 5s, dns: {{preferred_ip_protocol: ip4, transport_protocol: udp, query_name: dns.bench.test, query_type: A, valid_rcodes: [NOERROR]}}}}
""")
    bb_target = {"tcp": f"127.0.0.1:{tcp_port}", "tls": f"127.0.0.1:{tls_port}", "http": f"http://127.0.0.1:{http_port}/",
                 "dns": f"127.0.0.1:{dns_port}"}
    bb_urls = [f"http://127.0.0.1:{bb_port}/probe?module={t['kind']}&target={bb_target[t['kind']]}" for t in targets]
    t0 = time.monotonic()
    bb = start([a.blackbox, f"--config.file={tmp}/blackbox.yml", f"--web.listen-address=127.0.0.1:{bb_port}"])

    def bb_ready():
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{bb_port}/-/healthy", timeout=0.2).status == 200
        except OSError:
            return False
    wait_until(bb_ready, "blackbox_exporter /-/healthy")
    bb_start_ms = (time.monotonic() - t0) * 1000
    for k in have:  # every module really succeeds: the comparison is of working probes
        body = urllib.request.urlopen(bb_urls[have.index(k) * a.per_kind], timeout=10).read().decode()
        if "probe_success 1" not in body:
            raise SystemExit(f"bench: blackbox_exporter module {k} does not succeed:\n{body}")

    # --- edgemonitor ----------------------------------------------------------------------------
    em = None
    em_start_ms = None
    if daemon:
        sock_path = f"{tmp}/notify.sock"
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(sock_path)
        ns.settimeout(30)
        t0 = time.monotonic()
        em = start([a.binary, "run", "--config", em_conf, "--state-dir", f"{tmp}/state"],
                   env=dict(env, NOTIFY_SOCKET=sock_path), stdout=open(f"{tmp}/em.log", "w"), stderr=subprocess.STDOUT)
        while True:
            msg = ns.recv(4096).decode()
            if "READY=1" in msg:
                break
        em_start_ms = (time.monotonic() - t0) * 1000
        em_ready_at = time.monotonic()
    else:
        one = config(f"{tmp}/one.json", [target("tcp", 0)])
        walls = []
        for _ in range(5):
            t0 = time.monotonic()
            subprocess.run([a.binary, "check", "--config", one], stdout=subprocess.DEVNULL, env=env)
            walls.append((time.monotonic() - t0) * 1000)
        em_start_ms = sorted(walls)[2]

    # --- idle -------------------------------------------------------------------------------------
    time.sleep(2)
    bb_idle = status(bb.pid)["VmRSS"]
    if daemon:
        em_idle = status(em.pid)["VmRSS"]
    else:
        em_idle = measure([a.binary, "--version"], env)[1]

    # --- load -------------------------------------------------------------------------------------
    bb_cpu0 = cpu_ms(bb.pid)
    em_cpu0 = cpu_ms(em.pid) if daemon else 0.0
    bb_ok = bb_fail = 0
    check_cpu = 0.0
    check_rss = []
    check_anon = []
    check_probes = 0
    samples = {"bb": [], "em": [], "bb_anon": [], "em_anon": []}
    start_t = time.monotonic()
    next_round = start_t
    lock = threading.Lock()

    def drive_bb():
        nonlocal bb_ok, bb_fail
        # One curl per round, the URLs in turn over one connection; each answer is a metrics page.
        r = subprocess.run(["curl", "-s", "--max-time", "30"] + bb_urls, stdout=subprocess.PIPE, text=True)
        ok = r.stdout.count("\nprobe_success 1")
        with lock:
            bb_ok += ok
            bb_fail += len(bb_urls) - ok

    def drive_check():
        nonlocal check_cpu, check_probes
        cpu, hwm, anon = measure([a.binary, "check", "--config", em_conf], env)
        with lock:
            check_cpu += cpu
            check_rss.append(hwm)
            check_anon.append(anon)
            check_probes += per_round

    threads = []
    while time.monotonic() - start_t < a.duration:
        now = time.monotonic()
        if now >= next_round:
            for fn in ([drive_bb] if daemon else [drive_bb, drive_check]):
                th = threading.Thread(target=fn)
                th.start()
                threads.append(th)
            next_round += a.interval
        st = status(bb.pid)
        samples["bb"].append(st["VmRSS"])
        samples["bb_anon"].append(st["RssAnon"])
        if daemon:
            if em.poll() is not None:
                raise SystemExit(f"bench: edgemonitor run exited {em.returncode}; see its log")
            st = status(em.pid)
            samples["em"].append(st["VmRSS"])
            samples["em_anon"].append(st["RssAnon"])
        time.sleep(max(0.0, min(1.0, next_round - time.monotonic())))
    for th in threads:
        th.join(60)
    elapsed = time.monotonic() - start_t

    bb_cpu = cpu_ms(bb.pid) - bb_cpu0
    bb_hwm = status(bb.pid)["VmHWM"]
    if daemon:
        em_cpu = cpu_ms(em.pid) - em_cpu0
        em_hwm = status(em.pid)["VmHWM"]
        # The daemon probes every target once per interval on its own clock.
        em_probes = per_round * int(elapsed // a.interval)
        try:
            with open(f"{tmp}/state/status.json") as f:
                st = json.load(f)
            failing = [r["target"] for r in st.get("results", []) if r.get("outcome") != "pass"]
            if failing:
                log(f"warning: edgemonitor reports failing targets: {failing}")
        except (OSError, ValueError) as e:
            log(f"no status.json: {e}")
        em_rss = samples["em"]
        em_anon = samples["em_anon"]
    else:
        em_cpu, em_probes = check_cpu, check_probes
        em_hwm = max(check_rss)
        em_rss = check_rss
        em_anon = check_anon
    if bb_fail:
        log(f"warning: {bb_fail} blackbox_exporter probe requests failed")

    def steady(xs):  # the second half: after the first GCs
        h = xs[len(xs) // 2:]
        return sum(h) / len(h)

    rows = [
        ("binary size (MB)", os.path.getsize(a.binary) / 1e6, os.path.getsize(a.blackbox) / 1e6),
        ("start-up to ready (ms)" + ("" if daemon else " [edgemonitor: one-target check wall time]"), em_start_ms, bb_start_ms),
        ("RSS idle (MB)" + ("" if daemon else " [edgemonitor: --version max RSS]"), em_idle / 1024, bb_idle / 1024),
        ("RSS under load, mean of 2nd half (MB)" + ("" if daemon else " [per check process]"), steady(em_rss) / 1024, steady(samples["bb"]) / 1024),
        ("RSS peak, VmHWM (MB)", em_hwm / 1024, bb_hwm / 1024),
        ("private RSS under load (RssAnon, no shared file pages), mean of 2nd half (MB)", steady(em_anon) / 1024, steady(samples["bb_anon"]) / 1024),
        ("CPU per 1000 probes (ms)", em_cpu / em_probes * 1000, bb_cpu / max(1, bb_ok) * 1000),
    ]
    mode = "edgemonitor run" if daemon else "edgemonitor check, one process per round"
    lines = [f"Footprint: {per_round} probes ({', '.join(have)}; {a.per_kind} each) every {a.interval} s on loopback, "
             f"{int(elapsed)} s under load; {mode}; blackbox_exporter driven by curl at the same rate.",
             f"Probes counted: edgemonitor {em_probes}, blackbox_exporter {bb_ok} ok / {bb_fail} failed. "
             f"Env: {' '.join(a.env) or '(none)'}",
             "",
             "| measure | edgemonitor | blackbox_exporter | ratio |",
             "|---|---:|---:|---:|"]
    for name, em_v, bb_v in rows:
        lines.append(f"| {name} | {em_v:.1f} | {bb_v:.1f} | {em_v / bb_v:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
