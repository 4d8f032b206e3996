#!/usr/bin/env python3
"""Follows a running loalangd through its HTTP API for daemon/demo/demo.sh: checks that every
demo login works, then prints (in Vietnamese) boxes coming online, what each box is playing
(its status reports) and every play record the boxes report on the published airings of
today and tomorrow.

With --for SECONDS it stops after that long and exits 0 only if every registered box reported
at least one completed play; without it, it runs until interrupted. Standard library only."""

import argparse
import datetime
import http.cookiejar
import json
import select
import signal
import sys
import time
import urllib.error
import urllib.request
import zoneinfo

ZONE = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")

OUTCOMES = {
    "completed": "phát trọn vẹn",
    "partial": "phát một phần",
    "failed": "lỗi, không phát được",
    "missed": "bị lỡ",
}


class Client:
    """One logged-in person: a cookie jar and the session's CSRF token."""

    def __init__(self, url):
        self.url = url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = None

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.csrf:
            req.add_header("X-CSRF-Token", self.csrf)
        with self.opener.open(req, timeout=10) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None

    def login(self, user, password):
        answer = self.request("POST", "/api/v1/session", {"user": user, "password": password})
        self.csrf = answer["csrf_token"]
        return answer["user"]


def local_time(rfc3339):
    """HH:MM:SS in Vietnam time of an RFC 3339 instant."""
    return datetime.datetime.fromisoformat(rfc3339).astimezone(ZONE).strftime("%H:%M:%S")


def say(line):
    print(line, flush=True)


def read_logins(path):
    logins = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                role, user, password = line.rstrip("\n").split("\t")[:3]
                logins.append((role, user, password))
    return logins


def check_logins(url, logins):
    """Logs in as every demo user; returns a client logged in as the technician."""
    tech = None
    for role, user, password in logins:
        c = Client(url)
        who = c.login(user, password)
        if who["role"] != role:
            raise SystemExit(f"watch: {user} has role {who['role']}, expected {role}")
        if role == "technician":
            tech = c
    if tech is None:
        raise SystemExit("watch: no technician among the demo logins")
    return tech


def print_schedule(airings, now):
    """The airings of the coming hour: the demo's first two slots."""
    soon = now + datetime.timedelta(hours=1)
    ahead = [a for a in airings if datetime.datetime.fromisoformat(a["end"]) > now
             and datetime.datetime.fromisoformat(a["start"]) < soon]
    say(f"Lịch đã công bố trong giờ tới: {len(ahead)} lượt phát.")
    for a in ahead:
        targets = a["targets"]
        where = "mọi xã" if targets["kind"] == "all" else ", ".join(targets.get("names", []))
        say(f"  {local_time(a['start'])}  {a.get('program') or 'phát lẻ'}: "
            f"«{a['piece']['title']}» ({round(a['duration_ms'] / 1000)} giây; {where})")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", required=True)
    ap.add_argument("--logins", required=True, help="TSV: role, user, password, commune")
    ap.add_argument("--for", dest="seconds", type=float, default=0)
    ap.add_argument("--interval", type=float, default=1.0)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))

    client = check_logins(args.url, read_logins(args.logins))
    started = time.monotonic()
    # Today and tomorrow: the demo's second slot may begin after midnight.
    today = datetime.datetime.now(ZONE).date()
    tomorrow = today + datetime.timedelta(days=1)
    path = f"/api/v1/airings?from={today.isoformat()}&to={tomorrow.isoformat()}&plays=1"
    first = client.request("GET", path)["airings"]
    print_schedule(first, datetime.datetime.now(ZONE))
    say("Đang theo dõi các cụm loa (Ctrl-C để dừng)…")

    seen_online, seen_plays, playing = set(), set(), {}
    completed = {}  # box name -> completed plays reported
    boxes = []
    try:
        while True:
            titles = {}
            for a in client.request("GET", path)["airings"]:
                titles[a["id"]] = a["piece"]["title"]
                for p in a.get("plays", []):
                    key = (a["id"], p["box"])
                    if key in seen_plays:
                        continue
                    seen_plays.add(key)
                    outcome = OUTCOMES.get(p["outcome"], p["outcome"])
                    secs = round(p["played_ms"] / 1000)
                    detail = f" ({p['detail']})" if p.get("detail") else ""
                    say(f"✔ {local_time(p['started'])}  {p['box']} ({p['commune']}) báo cáo: "
                        f"«{a['piece']['title']}» — {outcome}, {secs} giây{detail}")
                    if p["outcome"] == "completed":
                        completed[p["box"]] = completed.get(p["box"], 0) + 1
            boxes = [b for b in client.request("GET", "/api/v1/boxes/status")["boxes"]
                     if not b["revoked"]]
            for b in boxes:
                if b["online"] and b["name"] not in seen_online:
                    seen_online.add(b["name"])
                    say(f"● {b['name']} ({b['commune']}) đã kết nối, phiên bản {b['version']}")
                now_playing = b.get("playing")
                if now_playing and playing.get(b["name"]) != now_playing:
                    title = titles.get(now_playing, now_playing)
                    say(f"▶ {datetime.datetime.now(ZONE).strftime('%H:%M:%S')}  {b['name']} "
                        f"đang phát «{title}»")
                playing[b["name"]] = now_playing
            if args.seconds and time.monotonic() - started >= args.seconds:
                break
            # A relative wait: time.sleep sleeps to an absolute monotonic deadline, which
            # libfaketime (.ci/date-travel) rejects when it leaves the monotonic clock alone.
            select.select([], [], [], args.interval)
    except KeyboardInterrupt:
        return 130

    missing = [b["name"] for b in boxes if not completed.get(b["name"])]
    say(f"Sau {round(time.monotonic() - started)} giây: "
        + ", ".join(f"{b['name']}: {completed.get(b['name'], 0)}" for b in boxes)
        + " lượt phát trọn vẹn.")
    if not boxes or missing:
        say("Chưa đủ: " + (", ".join(missing) if missing else "không có cụm loa nào")
            + " chưa báo cáo lượt phát trọn vẹn nào.")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except urllib.error.URLError as e:
        sys.exit(f"watch: {e}")
