"""YouTube through google-api-python-client, built from the discovery
document the library ships (Google's own, `static_discovery=True`) with the
endpoint pointed at the sim: commentThreads.list paging, comments.insert and
comments.list, refusals that still cost a unit, and quotaExceeded."""

import google.oauth2.credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from context import CHANNEL, expect

COST_LIST, COST_INSERT, COST_REFUSED = 1, 50, 1


def youtube(ctx, **auth):
    return build(
        "youtube",
        "v3",
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": ctx.base + "/"},
        **auth,
    )


def reason(e):
    assert isinstance(e, HttpError), e
    return e.resp.status, e.error_details[0]["reason"]


def used(ctx):
    return ctx.sim.quota()["used"]


def threads_replies_and_quota(ctx):
    """googleapiclient: commentThreads.list paging, comments.insert/list, quota per call"""
    keyed = youtube(ctx, developerKey="AIzaSimKey")
    authed = youtube(ctx, credentials=google.oauth2.credentials.Credentials("ya29.sim-channel-token"))
    ids = [ctx.sim.publish(f"थाने के बाहर जाम {i} {ctx.run}", platform="youtube")["id"] for i in range(3)]
    before = used(ctx)
    request = keyed.commentThreads().list(
        part="snippet,replies", allThreadsRelatedToChannelId=CHANNEL, maxResults=2, order="time", textFormat="plainText"
    )
    seen, calls = [], 0
    while request is not None:
        page = request.execute()
        calls += 1
        seen += [t["id"] for t in page["items"]]
        request = keyed.commentThreads().list_next(request, page)
    assert seen == ids[::-1], (seen, ids)
    reply = authed.comments().insert(
        part="snippet", body={"snippet": {"parentId": ids[0], "textOriginal": f"कृपया थाने आएं {ctx.run}"}}
    ).execute()
    assert reply["snippet"]["parentId"] == ids[0] and reply["id"].startswith(ids[0] + "."), reply
    listed = keyed.comments().list(part="snippet", parentId=ids[0]).execute()
    assert [c["id"] for c in listed["items"]] == [reply["id"]], listed
    spent = used(ctx) - before
    assert spent == calls * COST_LIST + COST_INSERT + COST_LIST, (spent, calls)
    return f"{calls} pages, {spent} units"


def refusals_cost_a_unit(ctx):
    """googleapiclient: refused calls (channelNotFound, parentCommentNotFound) cost 1 unit each"""
    keyed = youtube(ctx, developerKey="AIzaSimKey")
    authed = youtube(ctx, credentials=google.oauth2.credentials.Credentials("ya29.sim-channel-token"))
    before = used(ctx)
    e = expect(HttpError, keyed.commentThreads().list(part="snippet", allThreadsRelatedToChannelId="UCnobody").execute)
    assert reason(e) == (404, "channelNotFound"), reason(e)
    body = {"snippet": {"parentId": "UgzNoSuchComment", "textOriginal": "hi"}}
    e = expect(HttpError, authed.comments().insert(part="snippet", body=body).execute)
    assert reason(e) == (404, "parentCommentNotFound"), reason(e)
    assert used(ctx) - before == 2 * COST_REFUSED, used(ctx) - before


def quota_exceeded(ctx):
    """googleapiclient: the day's quota runs out → 403 quotaExceeded, which costs nothing"""
    keyed = youtube(ctx, developerKey="AIzaSimKey")
    q = ctx.sim.quota()
    assert q["limit"] <= 2000, "start the sim with a small --youtube-daily-quota (real_clients.py's docstring)"
    threads = keyed.commentThreads().list(part="snippet", allThreadsRelatedToChannelId=CHANNEL)
    for _ in range(q["limit"] - q["used"]):
        threads.execute()
    e = expect(HttpError, threads.execute)
    assert reason(e) == (403, "quotaExceeded"), reason(e)
    assert used(ctx) == q["limit"], ctx.sim.quota()
    expect(HttpError, threads.execute)
    assert used(ctx) == q["limit"], "a call refused for quota costs nothing"
    return f"limit {q['limit']}"


CHECKS = [threads_replies_and_quota, refusals_cost_a_unit, quota_exceeded]
