"""What every check gets: the sim, real clients pointed at it, and user
tokens obtained through tweepy's own OAuth 2.0 PKCE handler.

The sim must run with the flags real_clients.py's docstring lists; these
constants name what those flags configure."""

import secrets
import urllib.parse

import tweepy
from twarc.client2 import Twarc2

from sim import Sim, to_sim

APP_TOKEN = "app-token"
CONFIDENTIAL = ("confidential-app", "app-secret")
PUBLIC = "public-app"
REDIRECT_URI = "https://tvarit.example/oauth/callback"
SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access"]
TOKEN_URL = "https://api.twitter.com/2/oauth2/token"
# The sim's default accounts and YouTube channel.
BALOTRA, JAIPUR, HELP = "SP_Balotra", "jaipur_police", "RajPoliceHelp"
CHANNEL = "UCrajpolice000000000001"


class SimTwarc2(Twarc2):
    """twarc2 opens a new session on every (re)connect: mount on each."""

    def __init__(self, base, **kwargs):
        self._sim_base = base
        super().__init__(**kwargs)

    def connect(self):
        super().connect()
        to_sim(self.client, self._sim_base)


class Context:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.sim = Sim(self.base)
        # Texts must differ between runs against one sim (duplicate rule).
        self.run = secrets.token_hex(3)

    def tweepy(self, token=APP_TOKEN):
        client = tweepy.Client(bearer_token=token)
        to_sim(client.session, self.base)
        return client

    def twarc(self):
        return SimTwarc2(self.base, bearer_token=APP_TOKEN)

    def oauth_handler(self, confidential=True):
        if confidential:
            client_id, secret = CONFIDENTIAL
            h = tweepy.OAuth2UserHandler(
                client_id=client_id, client_secret=secret, redirect_uri=REDIRECT_URI, scope=SCOPES
            )
        else:
            h = tweepy.OAuth2UserHandler(client_id=PUBLIC, redirect_uri=REDIRECT_URI, scope=SCOPES)
        return to_sim(h, self.base)

    def authorize(self, handler, account):
        """Plays the user at X's consent page: opens tweepy's authorization
        URL on the sim (as @account) and returns the callback URL X sends the
        browser to, for `handler.fetch_token`."""
        url = urllib.parse.urlsplit(handler.get_authorization_url())
        assert url.path == "/i/oauth2/authorize", url
        query = url.query + "&" + urllib.parse.urlencode({"sim_account": "@" + account})
        r = self.sim.http.get(f"{self.base}{url.path}?{query}", allow_redirects=False, timeout=10)
        assert r.status_code == 302, f"authorize: {r.status_code} {r.text}"
        return r.headers["Location"]

    def user_token(self, account, confidential=True):
        """A fresh token dict for @account, as tweepy's handler fetched it."""
        h = self.oauth_handler(confidential)
        return h, h.fetch_token(self.authorize(h, account))


def api_error(exc):
    """The JSON body of a tweepy HTTPException."""
    assert isinstance(exc, tweepy.HTTPException), exc
    return exc.response.json()


def expect(exc_type, fn, *args, **kwargs):
    """Calls fn and returns the exception of exc_type it must raise."""
    try:
        fn(*args, **kwargs)
    except exc_type as e:
        return e
    raise AssertionError(f"{getattr(fn, '__name__', fn)} did not raise {exc_type.__name__}")
