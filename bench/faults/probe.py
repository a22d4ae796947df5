#!/usr/bin/env python3
"""Steady requests to one or more Onward instances, each one timed, for fault scenarios.

    probe.py --base http://127.0.0.1:8001 --base http://127.0.0.1:8002 --cookie 'onward_session=…'
             --token T --duration 90 --workers 4 --out requests.csv

Each worker loops over the instances and a few paths (pages with the cookie, API reads with the
token) and writes one CSV line per request: start (epoch seconds), base, path, status (0 for a
socket error or timeout), elapsed seconds. Standard library only.
"""
import argparse
import threading
import time
import urllib.error
import urllib.request

PAGES = ["/", "/participants", "/cohorts"]
API = ["/api/v1/participants", "/api/v1/cohorts"]


def worker(args, lines, lock, stop_at, offset):
    targets = [(b, p, "cookie") for b in args.base for p in PAGES]
    targets += [(b, p, "token") for b in args.base for p in API]
    i = offset
    while time.time() < stop_at:
        base, path, auth = targets[i % len(targets)]
        i += 1
        req = urllib.request.Request(base + path)
        if auth == "cookie":
            req.add_header("Cookie", args.cookie)
        else:
            req.add_header("Authorization", "Bearer " + args.token)
        start = time.time()
        try:
            with urllib.request.urlopen(req, timeout=args.timeout) as resp:
                resp.read()
                status = resp.status
        except urllib.error.HTTPError as e:
            e.read()
            status = e.code
        except Exception:  # socket error or timeout
            status = 0
        elapsed = time.time() - start
        with lock:
            lines.append(f"{start:.3f},{base},{path},{status},{elapsed:.3f}\n")
        time.sleep(args.pause)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", action="append", required=True)
    parser.add_argument("--cookie", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--pause", type=float, default=0.05)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    lines, lock = [], threading.Lock()
    stop_at = time.time() + args.duration
    threads = [
        threading.Thread(target=worker, args=(args, lines, lock, stop_at, n))
        for n in range(args.workers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(args.out, "w", encoding="utf-8") as f:
        f.writelines(sorted(lines))


if __name__ == "__main__":
    main()
