"""What the footprint benchmark (bench.py) and the soak (soak.py) share: processes started in
their own session and killed on exit, /proc readings, a throwaway CA, a loopback nginx."""
import os
import signal
import socket
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
procs = []


def log(msg):
    print(f"{os.path.basename(sys.argv[0]).removesuffix('.py')}: {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, **kw):
    p = subprocess.Popen(cmd, stdout=kw.pop("stdout", subprocess.DEVNULL), stderr=kw.pop("stderr", subprocess.DEVNULL),
                         start_new_session=True, **kw)
    procs.append(p)
    return p


def stop(p, sig=signal.SIGTERM):
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def teardown():
    for p in reversed(procs):
        stop(p)


def tcp_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until(pred, what, within=20.0):
    deadline = time.time() + within
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.01)
    raise SystemExit(f"timed out waiting for {what}")


def proc_status(pid):
    """VmRSS, VmHWM, RssAnon (kB), Threads, and the open fd count of a live process."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "Threads"):
                out[k] = int(v.split()[0])
    out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return out


def cpu_ms(pid):
    """Process CPU time so far (utime + stime), in ms."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / CLK_TCK


def make_ca(tmp, name):
    """A throwaway CA and a server certificate for `name` and 127.0.0.1: (ca_crt, crt, key)."""
    ca_key, ca_crt, key, csr, crt = (f"{tmp}/{n}" for n in ("ca.key", "ca.crt", "srv.key", "srv.csr", "srv.crt"))
    q = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt,
                    "-days", "3", "-subj", "/CN=EdgeMonitor bench CA"], **q)
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={name}"], **q)
    with open(f"{tmp}/ext.cnf", "w") as f:
        f.write(f"subjectAltName=DNS:{name},IP:127.0.0.1\n")
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
                    "-out", crt, "-days", "3", "-extfile", f"{tmp}/ext.cnf"], **q)
    for fn in (key, crt, ca_crt):
        os.chmod(fn, 0o644)
    return ca_crt, crt, key


def start_nginx(tmp, crt, key, tls_ports, http_ports):
    """One nginx on 127.0.0.1: TLS servers answering 200 on tls_ports, plain HTTP on http_ports."""
    os.makedirs(f"{tmp}/nginx", exist_ok=True)
    servers = "".join(f"  server {{ listen 127.0.0.1:{p} ssl; ssl_certificate {crt}; ssl_certificate_key {key}; "
                      f"location / {{ return 200 \"ok\\n\"; }} }}\n" for p in tls_ports)
    servers += "".join(f"  server {{ listen 127.0.0.1:{p}; location / {{ return 200 \"ok\\n\"; }} }}\n" for p in http_ports)
    with open(f"{tmp}/nginx.conf", "w") as f:
        f.write(f"worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/nginx/error.log;\n"
                f"events {{ worker_connections 1024; }}\n"
                f"http {{\n  access_log off;\n  client_body_temp_path {tmp}/nginx/b; proxy_temp_path {tmp}/nginx/p;\n"
                f"  fastcgi_temp_path {tmp}/nginx/f; uwsgi_temp_path {tmp}/nginx/u; scgi_temp_path {tmp}/nginx/s;\n"
                f"{servers}}}\n")
    p = start(["nginx", "-c", f"{tmp}/nginx.conf", "-p", f"{tmp}/nginx", "-g", "daemon off;"])
    for port in list(tls_ports) + list(http_ports):
        wait_until(lambda: tcp_open(port), f"nginx on {port}")
    return p


def start_dnsmasq(tmp, port, domain):
    """A dnsmasq on 127.0.0.1:port answering every name under `domain` with 127.0.0.1."""
    return start(["dnsmasq", "-k", "--conf-file=/dev/null", f"--port={port}", "--listen-address=127.0.0.1",
                  "--bind-interfaces", "--no-resolv", "--no-hosts", f"--address=/{domain}/127.0.0.1",
                  f"--pid-file={tmp}/dnsmasq-{port}.pid"])


def start_tcp_listeners(ports):
    """One process accepting and closing on every port (not measured)."""
    p = start([sys.executable, "-c", f"""
import socket, selectors
sel = selectors.DefaultSelector()
for p in {list(ports)}:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p)); s.listen(512); sel.register(s, selectors.EVENT_READ)
while True:
    for k, _ in sel.select():
        c, _ = k.fileobj.accept(); c.close()
"""])
    for port in ports:
        wait_until(lambda: tcp_open(port), f"listener on {port}")
    return p
