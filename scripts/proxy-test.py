#!/usr/bin/env python3
"""Two quire instances on one PostgreSQL database behind Debian's nginx, with the guide's
configuration (docs/deploy/nginx.conf, TLS included), checked as their users would notice:

- signed in through one instance, still signed in through the other and through nginx;
- a post published through one is on the other's home page within the page cache's window;
- a comment approved through one is on the post page the other serves, at once;
- rate limits see each client's own address through the proxy, not nginx's;
- nginx passes its request id on, and quire answers with it;
- one instance killed (kill -9), the other keeps serving, sessions included.

    python3 scripts/proxy-test.py            (after `cargo leptos build`: target/debug/quire)

QUIRE_BIN names another binary; QUIRE_TEST_POSTGRES_URL the PostgreSQL server
(postgres://postgres@127.0.0.1:5432/postgres). Standard library only.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUIRE = os.environ.get("QUIRE_BIN", os.path.join(ROOT, "target", "debug", "quire"))
ADMIN_URL = os.environ.get("QUIRE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PASSWORD = "quiet lantern over copper hills"
API_LIMIT = 6


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def say(message):
    print(f"proxy-test: {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One user agent: its own cookies, its own source address, HTTP or HTTPS."""

    def __init__(self, port, tls=False, source="127.0.0.1"):
        self.port, self.tls, self.source = port, tls, source
        self.cookies = {}

    def send(self, method, path, form=None, body=None, headers=None):
        headers = dict(headers or {})
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["content-type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            body = json.dumps(body)
            headers["content-type"] = "application/json"
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=30, context=context, source_address=(self.source, 0)
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        try:
            conn.request(method, path, body=body, headers=headers)
            res = conn.getresponse()
            text = res.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for name, value in res.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                self.cookies[key.strip()] = val.strip()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, text

    def json(self, method, path, **kwargs):
        status, headers, text = self.send(method, path, **kwargs)
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def sign_in(self, login):
        status, _, text = self.send("POST", "/rpc/accounts/sign_in", form={"login": login, "password": PASSWORD})
        check(status < 400, f"signing in as {login} answered {status}: {text[:200]}")


def psql(sql, url=ADMIN_URL):
    subprocess.run(["psql", url, "-qAtc", sql], check=True, capture_output=True)


def wait_for(what, probe, within):
    """Calls probe until it is true; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if probe():
            return time.monotonic() - started
        time.sleep(0.02)
    raise Failed(f"{what}: not within {within} s")


def nginx_config(work, https_port, http_port, first, second):
    """The guide's file as it is, but for its names, addresses and certificate paths."""
    with open(os.path.join(ROOT, "docs", "deploy", "nginx.conf")) as f:
        site = f.read()
    replacements = [
        ("127.0.0.1:3000", f"127.0.0.1:{first}"),
        ("127.0.0.1:3001", f"127.0.0.1:{second}"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("server_name blog.example.com;", "server_name localhost;"),
        ("/etc/letsencrypt/live/blog.example.com/fullchain.pem", f"{work}/cert.pem"),
        ("/etc/letsencrypt/live/blog.example.com/privkey.pem", f"{work}/key.pem"),
    ]
    for old, new in replacements:
        check(old in site, f"docs/deploy/nginx.conf no longer has '{old}': update this test with it")
        site = site.replace(old, new)
    temp = "\n".join(f"  {kind}_temp_path {work}/nginx/{kind};" for kind in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    return f"""daemon off;
worker_processes 2;
pid {work}/nginx/nginx.pid;
error_log {work}/nginx/error.log warn;
events {{ worker_connections 512; }}
http {{
  access_log off;
{temp}
{site}
}}
"""


def main():
    for tool in ["nginx", "openssl", "psql"]:
        check(shutil.which(tool) or os.path.exists(f"/usr/sbin/{tool}"), f"{tool} is missing (scripts/setup.sh --test installs it)")
    check(os.path.exists(QUIRE), f"{QUIRE} is missing: run `cargo leptos build` first")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    work = tempfile.mkdtemp(prefix="quire-proxy-")
    # nginx's workers do not run as root: they write their buffers here.
    os.chmod(work, 0o755)
    os.makedirs(f"{work}/nginx")
    for kind in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]:
        os.makedirs(f"{work}/nginx/{kind}", mode=0o777)
        os.chmod(f"{work}/nginx/{kind}", 0o777)
    database = f"quire_e2e_proxy_{os.getpid()}"
    base = ADMIN_URL.rsplit("/", 1)[0]
    database_url = f"{base}/{database}"
    processes = {}
    try:
        psql(f"CREATE DATABASE {database}")
        https_port, http_port, first, second = free_port(), free_port(), free_port(), free_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATABASE_URL": database_url,
            "QUIRE_BASE_URL": f"https://localhost:{https_port}",
            "QUIRE_TRUSTED_PROXIES": "127.0.0.1",
            "QUIRE_MEDIA_DIR": f"{work}/media",
            "QUIRE_MAIL_DIR": f"{work}/outbox",
            "QUIRE_API_RATE_LIMIT": str(API_LIMIT),
            "LEPTOS_SITE_ROOT": os.path.join(ROOT, "target", "site"),
            "RUST_LOG": "warn",
            "QUIRE_PASSWORD": PASSWORD,
        }

        def quire(*args):
            done = subprocess.run([QUIRE, *args], env=env, cwd=work, capture_output=True, text=True, timeout=120)
            check(done.returncode == 0, f"quire {' '.join(args)}: {done.stderr.strip()}")

        quire("migrate")
        quire("user", "create", "--username", "ada", "--email", "ada@example.com", "--role", "admin")
        quire("user", "create", "--username", "rita", "--email", "rita@example.com")
        # Past the first run: nobody needs to claim this blog.
        psql("UPDATE site_settings SET set_up_at = now() WHERE set_up_at IS NULL", database_url)

        for name, port in [("first", first), ("second", second)]:
            log = open(f"{work}/{name}.log", "w")
            processes[name] = subprocess.Popen(
                [QUIRE, "serve"], env={**env, "QUIRE_ADDR": f"127.0.0.1:{port}"}, cwd=work, stdout=log, stderr=log
            )
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
             "-keyout", f"{work}/key.pem", "-out", f"{work}/cert.pem"],
            check=True, capture_output=True,
        )
        with open(f"{work}/nginx/nginx.conf", "w") as f:
            f.write(nginx_config(work, https_port, http_port, first, second))
        processes["nginx"] = subprocess.Popen(
            [nginx, "-p", f"{work}/nginx", "-c", f"{work}/nginx/nginx.conf", "-e", f"{work}/nginx/error.log"],
            stdout=subprocess.DEVNULL, stderr=open(f"{work}/nginx/stderr.log", "w"),
        )
        a, b = Client(first), Client(second)

        def answers(client):
            try:
                return client.send("GET", "/health")[0] == 200
            except OSError:
                return False

        wait_for("the first instance starts", lambda: answers(Client(first)), 60)
        wait_for("the second instance starts", lambda: answers(Client(second)), 60)
        wait_for("nginx starts", lambda: answers(Client(https_port, tls=True)), 30)
        say(f"nginx on https://127.0.0.1:{https_port} in front of quire on :{first} and :{second}, PostgreSQL {database}")

        # The plain-HTTP server sends browsers to HTTPS.
        status, headers, _ = Client(http_port).send("GET", "/posts/x")
        check(status == 301 and headers.get("location", "").startswith("https://"), f"port 80 answered {status} {headers.get('location')}")

        # nginx's own request id (32 hex digits) comes back, so its log and quire's line up.
        status, headers, page = Client(https_port, tls=True).send("GET", "/")
        check(status == 200 and "<html" in page, f"the home page through nginx answered {status}")
        check(re.fullmatch(r"[0-9a-f]{32}", headers.get("x-request-id", "")), f"x-request-id {headers.get('x-request-id')!r} is not nginx's")
        say("ok: the home page through nginx (TLS), with nginx's request id")

        # Signed in through one instance: signed in through the other and through nginx.
        rita = Client(first)
        rita.sign_in("rita")
        check(any(name.startswith("__Host-") for name in rita.cookies), f"an https blog's session cookie is __Host-: {rita.cookies}")
        for port, tls, where in [(second, False, "the second instance"), (https_port, True, "nginx")]:
            client = Client(port, tls=tls)
            client.cookies = dict(rita.cookies)
            status, me = client.json("GET", "/api/users/me")
            check(status == 200 and me["data"]["username"] == "rita", f"signed in through the first, {where} answered {status}: {me}")
        say("ok: signed in through the first instance, signed in on the second and through nginx")

        # A post published through the first is on the second's home page within the window.
        status, login = Client(first).json("POST", "/api/auth/login", body={"username": "ada", "password": PASSWORD})
        check(status == 200, f"API sign-in answered {status}: {login}")
        bearer = {"authorization": f"Bearer {login['data']['accessToken']}"}
        check("Across the proxy" not in b.send("GET", "/")[2], "the post is not out yet")
        b.send("GET", "/")  # kept by the second instance's page cache now
        status, draft = a.json("POST", "/api/posts", body={"title": "Across the proxy", "content": "Written through one instance."}, headers=bearer)
        check(status == 201, f"creating the post answered {status}: {draft}")
        post_id, slug = draft["data"]["id"], draft["data"]["slug"]
        status, published = a.json("PATCH", f"/api/posts/{post_id}", body={"status": "PUBLISHED"}, headers=bearer)
        check(status == 200, f"publishing answered {status}: {published}")
        took = wait_for("the post on the second's home page", lambda: "Across the proxy" in b.send("GET", "/")[2], 5)
        say(f"ok: published through the first, on the second's home page after {took * 1000:.0f} ms (the window: 250 ms)")

        # A comment approved through the first shows on the page the second serves, at once.
        status, comment = rita.json("POST", "/rpc/comments/add", form={"post_id": post_id, "content": "Seen from the other side"})
        check(status == 200, f"commenting answered {status}: {comment}")
        check(comment["pending"], "a first comment waits for a moderator")
        check("Seen from the other side" not in b.send("GET", f"/posts/{slug}")[2], "a held comment is not shown")
        ada = Client(first)
        ada.sign_in("ada")
        status, decided = ada.json("POST", "/rpc/moderation/decide", form={"ids": str(comment["id"]), "approve": "true"})
        check(status == 200, f"approving answered {status}: {decided}")
        took = wait_for("the approved comment on the second's post page",
                        lambda: "Seen from the other side" in b.send("GET", f"/posts/{slug}")[2], 5)
        check(took < 1.0, f"the approved comment took {took:.2f} s to show on the other instance")
        say(f"ok: approved through the first, on the second's post page after {took * 1000:.0f} ms")

        # Rate limits count each client's own address, as nginx passed it on.
        noisy = Client(https_port, tls=True, source="127.0.0.2")
        passed = 0
        for _ in range(2 * API_LIMIT + 1):
            status, _, _ = noisy.send("GET", "/api/posts")
            if status == 429:
                break
            check(status == 200, f"GET /api/posts answered {status}")
            passed += 1
        check(status == 429, f"127.0.0.2 was never limited after {passed} calls")
        check(passed <= 2 * API_LIMIT, f"{passed} calls passed; the limit is {API_LIMIT} per instance")
        status, _, _ = Client(https_port, tls=True, source="127.0.0.3").send("GET", "/api/posts")
        check(status == 200, f"another client (127.0.0.3) answered {status}: limited by the proxy's address")
        say(f"ok: 127.0.0.2 limited after {passed} calls ({API_LIMIT} per instance), 127.0.0.3 still served")

        # One instance killed: the other keeps serving, sessions and all.
        processes["first"].send_signal(signal.SIGKILL)
        processes["first"].wait()
        visitor = Client(https_port, tls=True)
        for _ in range(10):
            status, _, page = visitor.send("GET", f"/posts/{slug}")
            check(status == 200 and "Seen from the other side" in page, f"with one instance down, nginx answered {status}")
        through = Client(https_port, tls=True)
        through.cookies = dict(rita.cookies)
        status, me = through.json("GET", "/api/users/me")
        check(status == 200 and me["data"]["username"] == "rita", f"with one instance down, the session answered {status}")
        say("ok: the first instance killed, 10 of 10 pages and the session still served")
        say("all passed")
    except Failed as err:
        print(f"proxy-test: FAILED: {err}", file=sys.stderr)
        for name in ["first", "second", "nginx/error"]:
            path = f"{work}/{name}.log"
            if os.path.exists(path):
                with open(path) as f:
                    tail = f.read()[-3000:]
                print(f"--- {name}.log\n{tail}", file=sys.stderr)
        return 1
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        subprocess.run(["psql", ADMIN_URL, "-qAtc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
