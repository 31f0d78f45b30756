"""The sim's control API (no auth), and the one piece of plumbing the real
clients need: a transport adapter that sends what they address to X's hosts
to the sim instead.

tweepy and twarc hard-code https://api.twitter.com (tweepy.Client builds
the URL inside `request()`, so there is no module constant to patch), but
both talk through a `requests.Session` they expose (`client.session`,
`twarc.client`, and `OAuth2UserHandler` *is* a session). Mounting an adapter
on that session is the least intrusive hook: each library still builds,
signs and parses its requests exactly as in production; only the connection
goes to the sim, as a hosts-file entry would (without TLS)."""

import time
import urllib.parse

import requests
import requests.adapters

X_HOSTS = ("https://api.twitter.com/", "https://api.x.com/")


class ToSim(requests.adapters.HTTPAdapter):
    """Rewrites scheme and host to the sim's; keeps path and query."""

    def __init__(self, base):
        super().__init__()
        self.netloc = urllib.parse.urlsplit(base).netloc

    def send(self, request, **kwargs):
        parts = urllib.parse.urlsplit(request.url)
        request.url = urllib.parse.urlunsplit(("http", self.netloc, parts.path, parts.query, ""))
        # Proxies were chosen for the X host; the sim is local.
        kwargs["proxies"] = {}
        return super().send(request, **kwargs)


def to_sim(session, base):
    """Mounts the adapter for X's hosts on a client's session; returns it."""
    for host in X_HOSTS:
        session.mount(host, ToSim(base))
    return session


class Sim:
    """`/sim/...`: publish posts, set faults, read the quota and replies."""

    def __init__(self, base):
        self.base = base.rstrip("/")
        self.http = requests.Session()
        self.http.trust_env = False

    def get(self, path):
        r = self.http.get(self.base + path, timeout=10)
        r.raise_for_status()
        return r.json()

    def post(self, path, body=None):
        r = self.http.post(self.base + path, json=body if body is not None else {}, timeout=10)
        r.raise_for_status()
        return r.json()

    def publish(self, text, **extra):
        """One public post (corpus format) now; returns it with its id."""
        return self.post("/sim/posts", {"text": text, **extra})

    def faults(self, **changes):
        return self.post("/sim/faults", changes)

    def quota(self):
        return self.get("/sim/youtube/quota")

    def replies(self, in_reply_to):
        return self.get(f"/sim/replies?all=true&in_reply_to={in_reply_to}")

    def stream_connected(self):
        return self.get("/sim/healthz")["stream_connected"]

    def wait(self, predicate, what, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)
