#!/usr/bin/env python3
"""MQTT round trip of a running reporter: `recheck` published on the command topic to the next
retained status arriving at a subscriber (command -> check of one loopback target -> report).
A measurement, kept out of the test suite (it asserts nothing).

usage: scripts/bench/mqtt-latency.py EDGEMONITOR_BINARY [N]   (default N: 200)
Starts its own mosquitto on a free 127.0.0.1 port; everything it starts is stopped on exit.
"""
import os, socket, subprocess, sys, tempfile, threading, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def main():
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    d = tempfile.mkdtemp(prefix="mqtt-latency-")
    port, target = free_port(), socket.socket()
    target.bind(("127.0.0.1", 0)); target.listen(64)
    # The target accepts and closes, so every check passes quickly.
    threading.Thread(target=lambda: [c.close() for c, _ in iter(target.accept, None)], daemon=True).start()
    with open(os.path.join(d, "m.conf"), "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    prefix = "edgemonitor/bench/latency"
    with open(os.path.join(d, "c.json"), "w") as f:
        f.write('{ "site": "bench", "node": "latency", "profiles": [], '
                f'"mqtt": {{ "host": "127.0.0.1", "port": {port}, "topicPrefix": "{prefix}" }}, '
                f'"targets": [ {{ "profile": "bench", "id": "t", "kind": "tcp", "host": "127.0.0.1", "port": {target.getsockname()[1]} }} ] }}')
    procs = []
    try:
        procs.append(subprocess.Popen(["mosquitto", "-c", os.path.join(d, "m.conf")], stderr=subprocess.DEVNULL))
        time.sleep(0.3)
        procs.append(subprocess.Popen([binary, "mqtt-test", "--config", os.path.join(d, "c.json"), "--state-dir", os.path.join(d, "state")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t", f"{prefix}/status"],
                               stdout=subprocess.PIPE, text=True)
        procs.append(sub)
        sub.stdout.readline()  # the first status: connected and reporting
        times = []
        for _ in range(n):
            t0 = time.monotonic()
            subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", f"{prefix}/command", "-m", "recheck"], check=True)
            sub.stdout.readline()
            times.append((time.monotonic() - t0) * 1000)
        times.sort()
        print(f"recheck -> status at a subscriber, {n} rounds: median {times[n // 2]:.1f} ms, "
              f"p90 {times[n * 9 // 10]:.1f} ms, max {times[-1]:.1f} ms (includes mosquitto_pub start-up)")
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait()

if __name__ == "__main__":
    main()
