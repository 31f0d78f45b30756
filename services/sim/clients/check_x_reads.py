"""X reads through tweepy and twarc2: mentions paging, parameter checking,
user and post lookup, recent search paging."""

import tweepy

from context import BALOTRA, HELP, JAIPUR, api_error, expect


def publish_many(ctx, n, text):
    return [ctx.sim.publish(text.format(i=i))["id"] for i in range(n)]


def user_id(ctx, username):
    return str(ctx.tweepy().get_user(username=username).data.id)


def paged(pages, injected):
    """The injected ids in the order the pages gave them, checking that no
    id came twice (a client sending the wrong token gets page 1 forever)."""
    seen = [str(t["id"]) for page in pages for t in page]
    assert len(seen) == len(set(seen)), f"an id came twice: {seen}"
    return [i for i in seen if i in set(injected)]


def tweepy_mentions_paging(ctx):
    """tweepy: mentions paging (pagination_token), fields and expansions"""
    uid = user_id(ctx, JAIPUR)
    ids = publish_many(ctx, 12, f"@{JAIPUR} tweepy paging {ctx.run} {{i}}")
    pages = list(
        tweepy.Paginator(
            ctx.tweepy().get_users_mentions,
            id=uid,
            max_results=5,
            tweet_fields=["created_at", "author_id", "conversation_id"],
            expansions=["author_id"],
            limit=20,
        )
    )
    got = paged([[t.data for t in p.data or []] for p in pages], ids)
    assert got == ids[::-1], f"newest first: {got} != {ids[::-1]}"
    first = pages[0]
    assert first.meta["newest_id"] == str(first.data[0].id) and first.meta["result_count"] == 5, first.meta
    assert first.data[0].created_at is not None and first.includes["users"], "fields and includes"
    return f"{len(pages)} pages"


def twarc_mentions_paging(ctx):
    """twarc2: mentions paging with twarc's default fields and expansions"""
    uid = user_id(ctx, HELP)
    ids = publish_many(ctx, 7, f"@{HELP} twarc paging {ctx.run} {{i}}")
    pages = list(ctx.twarc().mentions(uid, max_results=5))
    got = paged([p.get("data", []) for p in pages], ids)
    assert got == ids[::-1], f"{got} != {ids[::-1]}"
    assert all("author_id" in t for p in pages for t in p.get("data", [])), "tweet.fields asked by twarc"
    return f"{len(pages)} pages"


def unknown_parameters_refused(ctx):
    """tweepy: next_token on mentions, sinceId, tweet.fields=createdat → 400"""
    client, uid = ctx.tweepy(), user_id(ctx, BALOTRA)
    cases = [
        ({"next_token": "abc"}, "The query parameter [next_token] is not one of [id,max_results,pagination_token,"),
        ({"sinceId": "1"}, "The query parameter [sinceId] is not one of"),
        ({"tweet_fields": ["createdat"]}, "The `tweet.fields` query parameter value [createdat] is not one of"),
    ]
    for params, message in cases:
        e = expect(tweepy.BadRequest, client.get_users_mentions, uid, **params)
        body = api_error(e)
        assert body["title"] == "Invalid Request", body
        assert body["type"] == "https://api.twitter.com/2/problems/invalid-request", body
        assert body["detail"] == "One or more parameters to your request was invalid.", body
        assert any(m.startswith(message) for m in e.api_messages), (message, e.api_messages)
        assert body["errors"][0]["parameters"], body
    return f"{len(cases)} refused"


def tweepy_user_lookup(ctx):
    """tweepy: /2/users/by/username, /2/users/{id}, /2/users/by, /2/users"""
    client = ctx.tweepy()
    by_name = client.get_user(username=BALOTRA, user_fields=["created_at"]).data
    assert by_name.username == BALOTRA and by_name.created_at is not None, by_name
    by_id = client.get_user(id=by_name.id).data
    assert by_id.username == BALOTRA, by_id
    r = client.get_users(usernames=[BALOTRA, JAIPUR, "nobody_here_x"])
    assert [u.username for u in r.data] == [BALOTRA, JAIPUR], r.data
    assert r.errors[0]["title"] == "Not Found Error" and r.errors[0]["value"] == "nobody_here_x", r.errors
    r = client.get_users(ids=[by_name.id])
    assert [u.username for u in r.data] == [BALOTRA], r.data
    missing = client.get_user(id=1)
    assert missing.data is None and missing.errors[0]["resource_type"] == "user", missing
    return "4 endpoints"


def twarc_user_lookup(ctx):
    """twarc2: user_lookup by usernames and by ids"""
    t = ctx.twarc()
    pages = list(t.user_lookup([BALOTRA, JAIPUR], usernames=True))
    users = pages[0]["data"]
    assert [u["username"] for u in users] == [BALOTRA, JAIPUR], users
    again = list(t.user_lookup([u["id"] for u in users]))[0]["data"]
    assert [u["id"] for u in again] == [u["id"] for u in users], again


def tweepy_tweet_lookup(ctx):
    """tweepy: /2/tweets/{id} and /2/tweets?ids= with a missing id"""
    client = ctx.tweepy()
    a = ctx.sim.publish(f"@{BALOTRA} lookup one {ctx.run}", author={"handle": "@asha", "id": "u7"})
    b = ctx.sim.publish(f"@{BALOTRA} lookup two {ctx.run}")
    one = client.get_tweet(a["id"], tweet_fields=["created_at", "public_metrics"], expansions=["author_id"])
    assert str(one.data.id) == a["id"] and one.data.text == a["text"], one.data
    assert one.data.public_metrics["reply_count"] == 0, one.data.public_metrics
    assert one.includes["users"][0].username == "asha", one.includes
    many = client.get_tweets([a["id"], b["id"], "1"])
    assert [str(t.id) for t in many.data] == [a["id"], b["id"]], many.data
    assert many.errors[0]["resource_id"] == "1", many.errors
    gone = client.get_tweet("1")
    assert gone.data is None and gone.errors[0]["type"].endswith("/resource-not-found"), gone


def twarc_tweet_lookup(ctx):
    """twarc2: tweet_lookup with every default field and expansion"""
    a = ctx.sim.publish(f"@{BALOTRA} twarc lookup {ctx.run}")
    page = list(ctx.twarc().tweet_lookup([a["id"]]))[0]
    assert page["data"][0]["id"] == a["id"] and "author_id" in page["data"][0], page


def tweepy_search_paging(ctx):
    """tweepy: recent search paging (next_token) and since_id"""
    word = f"srch{ctx.run}"
    ids = publish_many(ctx, 23, f"@{BALOTRA} {word} बाइक चोरी {{i}}")
    ctx.sim.publish(f"@{BALOTRA} {word} retweeted -filtered-by-rule")
    client = ctx.tweepy()
    query = f"{word} -filtered"
    pages = list(tweepy.Paginator(client.search_recent_tweets, query, max_results=10, limit=20))
    got = paged([[t.data for t in p.data or []] for p in pages], ids)
    assert got == ids[::-1] and len(pages) == 3, (len(pages), got)
    newer = client.search_recent_tweets(query, since_id=ids[20], max_results=10)
    assert [str(t.id) for t in newer.data] == [ids[22], ids[21]], newer.data
    e = expect(tweepy.BadRequest, client.search_recent_tweets, query, max_results=5)
    assert "between 10 and 100" in e.api_messages[0], e.api_messages
    return f"{len(pages)} pages"


def twarc_search_paging(ctx):
    """twarc2: search_recent paging (next_token)"""
    word = f"twsrch{ctx.run}"
    ids = publish_many(ctx, 12, f"@{BALOTRA} {word} {{i}}")
    pages = list(ctx.twarc().search_recent(word, max_results=10))
    got = paged([p.get("data", []) for p in pages], ids)
    assert got == ids[::-1] and len(pages) == 2, (len(pages), got)
    return f"{len(pages)} pages"


CHECKS = [
    tweepy_mentions_paging,
    twarc_mentions_paging,
    unknown_parameters_refused,
    tweepy_user_lookup,
    twarc_user_lookup,
    tweepy_tweet_lookup,
    twarc_tweet_lookup,
    tweepy_search_paging,
    twarc_search_paging,
]
