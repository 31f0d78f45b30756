"""The filtered stream: rules added, listed and deleted with tweepy's
StreamingClient and twarc2, and a short read with each, including a rule
without a tag (X sends `"tag": ""`; tweepy indexes `rule["tag"]`)."""

import queue
import threading

import tweepy

from context import APP_TOKEN, BALOTRA
from sim import to_sim


class Catcher(tweepy.StreamingClient):
    """Hands every response (or the exception that ended the stream) to the check."""

    def __init__(self, base):
        super().__init__(APP_TOKEN, max_retries=0)
        to_sim(self.session, base)
        self.got = queue.Queue()

    def on_response(self, response):
        self.got.put(response)

    def on_exception(self, exception):
        self.got.put(exception)

    def on_request_error(self, status_code):
        self.got.put(AssertionError(f"stream answered HTTP {status_code}"))


def next_item(q, what):
    try:
        item = q.get(timeout=10)
    except queue.Empty:
        raise AssertionError(f"no {what} within 10 s") from None
    if isinstance(item, BaseException):
        raise item
    return item


def tweepy_rules(ctx):
    """tweepy: stream rules add (tagged and untagged), list, delete"""
    sc = Catcher(ctx.base)
    added = sc.add_rules([tweepy.StreamRule(f"@{BALOTRA} r{ctx.run}", tag="sp"), tweepy.StreamRule(f"w{ctx.run}")])
    assert added.meta["summary"]["created"] == 2, added.meta
    ids = [r.id for r in added.data]
    listed = {r.id: r for r in sc.get_rules().data}
    assert listed[ids[0]].tag == "sp" and listed[ids[1]].value == f"w{ctx.run}", listed
    gone = sc.delete_rules(ids)
    assert gone.meta["summary"]["deleted"] == 2, gone.meta
    assert not any(r.id in ids for r in (sc.get_rules().data or [])), "deleted rules still listed"


def twarc_rules(ctx):
    """twarc2: stream rules add, list, delete"""
    t = ctx.twarc()
    added = t.add_stream_rules([{"value": f"tw{ctx.run}", "tag": "twarc"}, {"value": f"tx{ctx.run}"}])
    ids = [r["id"] for r in added["data"]]
    listed = {r["id"]: r for r in t.get_stream_rules()["data"]}
    assert listed[ids[0]]["tag"] == "twarc" and "tag" not in listed[ids[1]], listed
    gone = t.delete_stream_rule_ids(ids)
    assert gone["meta"]["summary"]["deleted"] == 2, gone


def tweepy_stream(ctx):
    """tweepy: StreamingClient.filter reads a post matched by an untagged rule"""
    sc = Catcher(ctx.base)
    word = f"st{ctx.run}"
    rule = sc.add_rules(tweepy.StreamRule(word)).data[0]
    try:
        thread = sc.filter(threaded=True, expansions=["author_id"], tweet_fields=["created_at"])
        ctx.sim.wait(ctx.sim.stream_connected, "tweepy's stream to connect")
        post = ctx.sim.publish(f"@{BALOTRA} {word} हाईवे पर जाम", author={"handle": "@meena", "id": "u9"})
        got = next_item(sc.got, "streamed post")
        assert str(got.data.id) == post["id"] and got.data.created_at is not None, got
        assert [(r.id, r.tag) for r in got.matching_rules] == [(rule.id, "")], got.matching_rules
        assert got.includes["users"][0].username == "meena", got.includes
        sc.disconnect()
        thread.join(10)
        assert not thread.is_alive(), "tweepy did not stop"
        ctx.sim.wait(lambda: not ctx.sim.stream_connected(), "the sim to free the stream")
    finally:
        sc.disconnect()
        sc.delete_rules(rule.id)


def twarc_stream(ctx):
    """twarc2: stream() reads a post with its matching_rules"""
    t = ctx.twarc()
    word = f"ts{ctx.run}"
    rule = t.add_stream_rules([{"value": word, "tag": "watch"}])["data"][0]
    stop = threading.Event()

    def publish_once_connected():
        ctx.sim.wait(ctx.sim.stream_connected, "twarc's stream to connect")
        ctx.sim.publish(f"@{BALOTRA} {word} ट्रैफिक")

    publisher = threading.Thread(target=publish_once_connected, daemon=True)
    publisher.start()
    try:
        items = t.stream(event=stop, expansions="author_id", tweet_fields="author_id")
        got = next(items)
        stop.set()
        assert got["data"]["text"].endswith(f"{word} ट्रैफिक"), got
        assert got["matching_rules"] == [{"id": rule["id"], "tag": "watch"}], got["matching_rules"]
        assert got["includes"]["users"][0]["id"] == got["data"]["author_id"], got
        # twarc stops at the next line it reads (a keep-alive) once the event is set.
        for _ in items:
            pass
        ctx.sim.wait(lambda: not ctx.sim.stream_connected(), "the sim to free the stream")
    finally:
        stop.set()
        t.delete_stream_rule_ids([rule["id"]])


CHECKS = [tweepy_rules, twarc_rules, tweepy_stream, twarc_stream]
