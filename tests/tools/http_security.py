# http_security: issue 13 acceptance 4 against the real binary. segstream
# serves HTTPS (--http-tls-cert/--http-tls-key, a self-signed certificate
# made here with the openssl CLI) with bearer tokens (--http-token-file):
# no token -> 401, a wrong one -> 401, the right one over TLS -> 200;
# /healthz and /readyz open; /metrics closed unless --http-open-metrics;
# plain HTTP on the TLS port gets no HTTP answer; SIGHUP reloads the token
# file; tokens never reach the logs. Hostile clients over TLS (stalled
# handshakes, a half ClientHello, garbage, a flood of connections) leave the
# engine serving and exiting 0.
import json
import os
import signal
import socket
import ssl
import subprocess
import time

import segtest
from segtest import check

TOKEN = "s3cret-token-0123456789abcdef"
TOKEN2 = "rotated-token-fedcba9876543210"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(work):
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def request(port, path, cafile, token=None, timeout=10):
    """One HTTPS GET; returns (status, body)."""
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            if token is not None:
                head += f"Authorization: Bearer {token}\r\n"
            s.sendall((head + "\r\n").encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def start(ctx, name, port, cert, key, tokens, *extra):
    proc = subprocess.Popen([ctx.segstream, "run", "--input", "-", "--state", ctx.fresh(f"{name}/state"),
                             "--out", ctx.fresh(f"{name}/out"), "--http", f"127.0.0.1:{port}", "--quiet",
                             "--no-model", "--http-tls-cert", cert, "--http-tls-key", key,
                             "--http-token-file", tokens, *extra],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # More than the 64 KiB the file source reads before the server starts.
    lines = [json.dumps({"invoice": "9%06d" % i, "stock_code": "22139", "quantity": 1, "unit_price": 1.5,
                         "invoice_ts": "2011-07-01T10:00:00Z", "customer_id": str(500000 + i % 97)})
             for i in range(1500)]
    proc.stdin.write(("\n".join(lines) + "\n").encode())
    proc.stdin.flush()
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if request(port, "/healthz", cert, timeout=2)[0] == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"{name}: HTTPS server never answered /healthz: {proc.stderr.read().decode()[-1000:]}")


def stop(proc, what):
    proc.stdin.close()
    proc.wait(timeout=60)
    err = proc.stderr.read().decode(errors="replace")
    check(proc.returncode == 0, f"{what}: exit {proc.returncode}: {err[-2000:]}")
    check(TOKEN not in err and TOKEN2 not in err, f"{what}: a token reached the log")
    return err


def main():
    ctx, _ = segtest.parse_args()
    cert, key = make_cert(ctx.work)
    tokens = os.path.join(ctx.work, "tokens")
    with open(tokens, "w") as f:
        f.write(f"# segstream API tokens\n\n  {TOKEN}  \n")
    port = free_port()
    proc = start(ctx, "tls", port, cert, key, tokens)
    try:
        check(request(port, "/segments", cert)[0] == 401, "no token: expected 401")
        check(request(port, "/segments", cert, token="wrong")[0] == 401, "wrong token: expected 401")
        check(request(port, "/segments", cert, token=TOKEN[:-1])[0] == 401, "token prefix: expected 401")
        check(request(port, "/segments", cert, token=TOKEN + "x")[0] == 401, "token + suffix: expected 401")
        status, body = request(port, "/segments", cert, token=TOKEN)
        check(status == 200 and b"segments" in body, f"right token: {status} {body[:200]}")
        status, _ = request(port, "/customers/500001", cert, token=TOKEN)
        check(status in (200, 404), f"/customers with the token: {status}")
        check(request(port, "/customers/500001", cert)[0] == 401, "/customers without a token: expected 401")
        check(request(port, "/metrics", cert)[0] == 401, "/metrics without --http-open-metrics: expected 401")
        check(request(port, "/metrics", cert, token=TOKEN)[0] == 200, "/metrics with the token: expected 200")
        check(request(port, "/healthz", cert)[0] == 200, "/healthz must stay open")
        check(request(port, "/readyz", cert)[0] in (200, 503), "/readyz must not ask for a token")

        # Plain HTTP on the TLS port: no HTTP answer.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                data = s.recv(4096)
            except (ConnectionResetError, socket.timeout):
                data = b""
        check(not data.startswith(b"HTTP/"), f"plain HTTP on the TLS port was answered: {data[:80]!r}")

        # Hostile clients over TLS.
        hostile = []
        for _ in range(20):  # connect and stall before the handshake
            hostile.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        half = socket.create_connection(("127.0.0.1", port), timeout=10)
        half.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a ClientHello cut short
        hostile.append(half)
        for junk in (b"\x00" * 5000, os.urandom(20000), b"\x16\x03\x03\xff\xff" + os.urandom(100)):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            try:
                s.sendall(junk)
            except OSError:
                pass
            hostile.append(s)
        for _ in range(100):  # a flood of connections closed at once
            socket.create_connection(("127.0.0.1", port), timeout=10).close()
        time.sleep(0.5)
        # Served again once the stalled ones hit the read deadline (5 s).
        deadline = time.time() + 30
        status = 0
        while time.time() < deadline and status != 200:
            try:
                status = request(port, "/segments", cert, token=TOKEN, timeout=5)[0]
            except OSError:
                time.sleep(0.2)
        check(status == 200, "after hostile TLS clients the API does not answer")
        for s in hostile:
            s.close()
        check(proc.poll() is None, "segstream died under hostile TLS clients")

        # SIGHUP reloads the token file.
        with open(tokens, "w") as f:
            f.write(TOKEN2 + "\n")
        proc.send_signal(signal.SIGHUP)
        check(request(port, "/segments", cert, token=TOKEN2)[0] == 200, "new token after SIGHUP: expected 200")
        check(request(port, "/segments", cert, token=TOKEN)[0] == 401, "old token after SIGHUP: expected 401")
        # A broken file on reload keeps the tokens that were there.
        with open(tokens, "w") as f:
            f.write("# nothing\n")
        proc.send_signal(signal.SIGHUP)
        check(request(port, "/segments", cert, token=TOKEN2)[0] == 200, "an empty token file must not lock out")
    finally:
        if proc.poll() is None:
            stop(proc, "tls run")

    # /metrics opened for Prometheus.
    with open(tokens, "w") as f:
        f.write(TOKEN + "\n")
    port = free_port()
    proc = start(ctx, "open-metrics", port, cert, key, tokens, "--http-open-metrics")
    try:
        status, body = request(port, "/metrics", cert)
        check(status == 200 and b"segstream_" in body, f"--http-open-metrics: /metrics {status}")
        check(request(port, "/segments", cert)[0] == 401, "--http-open-metrics opens only /metrics")
    finally:
        stop(proc, "open-metrics run")

    # Usage errors: a cert without a key, a missing token file.
    p = subprocess.run([ctx.segstream, "run", "--input", ctx.sample, "--http-tls-cert", cert, "--state",
                        ctx.fresh("e/state"), "--out", ctx.fresh("e/out")], capture_output=True, timeout=60)
    check(p.returncode == 2 and b"--http-tls-key" in p.stderr, f"cert without key: {p.returncode} {p.stderr[-300:]}")
    print("http_security: ok")


if __name__ == "__main__":
    main()
