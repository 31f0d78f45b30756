"""X's OAuth 2.0 PKCE flow through tweepy's OAuth2UserHandler (a
requests-oauthlib session): codes exchanged once with their verifier,
refresh tokens rotated and the old one refused, expired access tokens
refused with X's 401, for confidential and public clients."""

from oauthlib.oauth2.rfc6749.errors import InvalidGrantError, OAuth2Error

import tweepy

from context import HELP, JAIPUR, PUBLIC, SCOPES, TOKEN_URL, api_error, expect

UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


def me(ctx, token):
    return ctx.tweepy(token["access_token"]).get_me(user_auth=False).data.username


def confidential_client(ctx):
    """tweepy: OAuth2UserHandler fetch_token, refresh_token rotates, reuse refused"""
    h, token = ctx.user_token(HELP)
    assert token["token_type"] == "bearer" and token["expires_in"] == 7200, token
    assert token["scope"] == SCOPES, token["scope"]
    assert me(ctx, token) == HELP, "the token acts for the account that authorized"
    fresh = h.refresh_token(TOKEN_URL, refresh_token=token["refresh_token"])
    assert fresh["refresh_token"] != token["refresh_token"], "refresh must rotate"
    assert fresh["access_token"] != token["access_token"] and me(ctx, fresh) == HELP
    e = expect(InvalidGrantError, h.refresh_token, TOKEN_URL, refresh_token=token["refresh_token"])
    assert e.description == "Value passed for the token was invalid.", e.description
    newest = h.refresh_token(TOKEN_URL, refresh_token=fresh["refresh_token"])
    assert me(ctx, newest) == HELP


def public_client(ctx):
    """tweepy: public client (client_id in the body), refresh with client_id"""
    h, token = ctx.user_token(JAIPUR, confidential=False)
    assert me(ctx, token) == JAIPUR
    fresh = h.refresh_token(TOKEN_URL, refresh_token=token["refresh_token"], client_id=PUBLIC)
    assert me(ctx, fresh) == JAIPUR and fresh["refresh_token"] != token["refresh_token"]


def pkce_verifier_checked(ctx):
    """tweepy: a code exchanged with the wrong PKCE verifier is refused (and spent)"""
    h = ctx.oauth_handler()
    callback = ctx.authorize(h, HELP)
    # tweepy sends the verifier it made for the challenge; swap it for another.
    right = h._client.code_verifier
    h._client.code_verifier = "x" * 64
    e = expect(OAuth2Error, h.fetch_token, callback)
    assert e.error == "invalid_request", (e.error, e.description)
    h._client.code_verifier = right
    expect(OAuth2Error, h.fetch_token, callback)


def expired_tokens(ctx):
    """tweepy: an expired access token gets X's 401; a refresh brings it back"""
    h, token = ctx.user_token(HELP)
    assert ctx.sim.post("/sim/x/expire_tokens")["expired"] >= 1
    client = ctx.tweepy(token["access_token"])
    e = expect(tweepy.Unauthorized, client.get_me, user_auth=False)
    assert api_error(e) == UNAUTHORIZED, api_error(e)
    e = expect(tweepy.Unauthorized, client.create_tweet, text=f"expired {ctx.run}", user_auth=False)
    assert api_error(e) == UNAUTHORIZED, api_error(e)
    fresh = h.refresh_token(TOKEN_URL, refresh_token=token["refresh_token"])
    assert me(ctx, fresh) == HELP


CHECKS = [confidential_client, public_client, pkce_verifier_checked, expired_tokens]
