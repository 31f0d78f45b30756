"""Writing and being throttled: a reply posted with an OAuth 2.0 user token
and with OAuth 1.0a, the duplicate refused, a 429 whose rate-limit headers
tweepy reads, and direct messages sent and listed."""

import time

import tweepy

from context import BALOTRA, api_error, expect
from sim import to_sim


def tweepy_reply(ctx):
    """tweepy: create_tweet replies (OAuth 2.0 user token, then OAuth 1.0a)"""
    post = ctx.sim.publish(f"@{BALOTRA} डीजे बंद करवाएं {ctx.run}")
    _, token = ctx.user_token(BALOTRA)
    client = ctx.tweepy(token["access_token"])
    text = f"कृपया सटीक स्थान साझा करें। {ctx.run}"
    r = client.create_tweet(text=text, in_reply_to_tweet_id=post["id"], user_auth=False)
    assert r.data["text"] == text and r.data["edit_history_tweet_ids"] == [r.data["id"]], r.data
    e = expect(tweepy.Forbidden, client.create_tweet, text=text, in_reply_to_tweet_id=post["id"], user_auth=False)
    assert "duplicate content" in e.api_messages[0], e.api_messages
    oauth1 = tweepy.Client(
        consumer_key="ck", consumer_secret="cs", access_token="42-token", access_token_secret="ts"
    )
    to_sim(oauth1.session, ctx.base)
    r1 = oauth1.create_tweet(text=f"{text} (1.0a)", in_reply_to_tweet_id=post["id"])
    # The sim checks OAuth 1.0a signatures: one made with another secret is refused.
    forged = tweepy.Client(consumer_key="ck", consumer_secret="not-cs", access_token="42-token", access_token_secret="ts")
    to_sim(forged.session, ctx.base)
    expect(tweepy.Unauthorized, forged.create_tweet, text=f"{text} (forged)", in_reply_to_tweet_id=post["id"])
    records = ctx.sim.replies(post["id"])
    outcomes = [(x["reply_id"], x["account"], x["outcome"]) for x in records]
    assert outcomes == [
        (r.data["id"], f"@{BALOTRA}", "created"),
        (None, f"@{BALOTRA}", "duplicate-content"),
        (r1.data["id"], f"@{BALOTRA}", "created"),
    ], outcomes


def tweepy_rate_limited(ctx):
    """tweepy: 429 with x-rate-limit-* headers (TooManyRequests.reset_time)"""
    client = ctx.tweepy()
    uid = client.get_user(username=BALOTRA).data.id
    ctx.sim.faults(throttle_next=1)
    e = expect(tweepy.TooManyRequests, client.get_users_mentions, uid)
    h = e.response.headers
    assert h["x-rate-limit-remaining"] == "0" and int(h["x-rate-limit-limit"]) > 0, dict(h)
    assert e.reset_time is not None and e.reset_time > time.time(), e.reset_time
    assert api_error(e)["title"] == "Too Many Requests", api_error(e)
    again = client.get_users_mentions(uid)
    assert again.meta is not None, "the next call goes through"
    return f"reset in {e.reset_time - int(time.time())} s"


def tweepy_direct_messages(ctx):
    """tweepy: create_direct_message, get_direct_message_events (one conversation and all), to a person who wrote first"""
    person = ctx.sim.post(
        "/sim/messages",
        {"platform": "x", "to": f"@{BALOTRA}", "author": {"handle": f"@dm_{ctx.run}"}, "text": f"madad {ctx.run}"},
    )["person"]
    _, token = ctx.user_token(BALOTRA)
    client = ctx.tweepy(token["access_token"])
    text = f"कृपया सटीक स्थान बताएं। {ctx.run}"
    r = client.create_direct_message(participant_id=person, text=text, user_auth=False)
    assert r.data["dm_event_id"] and person in r.data["dm_conversation_id"], r.data
    fields = ["id", "text", "event_type", "sender_id", "created_at", "dm_conversation_id"]
    events = client.get_direct_message_events(participant_id=person, dm_event_fields=fields, user_auth=False)
    got = [(e.text, e.event_type, e.created_at is not None) for e in events.data]
    assert got == [(text, "MessageCreate", True), (f"madad {ctx.run}", "MessageCreate", True)], got
    assert str(events.data[0].sender_id) != person and str(events.data[1].sender_id) == person, events.data
    # Every conversation of the account, with the senders expanded (the poller's call).
    every = client.get_direct_message_events(
        dm_event_fields=fields, event_types="MessageCreate", expansions=["sender_id"],
        user_fields=["username", "name"], max_results=100, user_auth=False,
    )
    assert any(e.text == f"madad {ctx.run}" for e in every.data), every.data
    assert f"dm_{ctx.run}" in [u.username for u in every.includes["users"]], every.includes
    # X refuses a message to someone who never wrote, and an unknown field.
    expect(tweepy.Forbidden, client.create_direct_message, participant_id="12345", text=text, user_auth=False)
    e = expect(
        tweepy.BadRequest,
        client.get_direct_message_events,
        participant_id=person,
        dm_event_fields=["texts"],
        user_auth=False,
    )
    assert "dm_event.fields" in e.api_messages[0], e.api_messages


CHECKS = [tweepy_reply, tweepy_rate_limited, tweepy_direct_messages]
