"""A note's history at 1,000 versions, against one server: 1,000 saves of a 20 KB note,
each a small edit (one word of one line changed), then the p50/p99 of listing the 1,000
versions (a page of 100 at a time) and of a diff of two 20 KB versions. Prints one JSON
line. Standard library only; every loop is bounded.

    python3 bench/history.py BASE ACCESS_TOKEN [--saves-only]
"""

import http.client
import json
import random
import sys
import time
import urllib.parse

SAVES = 1000
LINES = 400


def main():
    base, access = sys.argv[1], sys.argv[2]
    saves_only = "--saves-only" in sys.argv
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"Authorization": f"Bearer {access}", "Content-Type": "application/json"}

    def call(method, path, body=None):
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise SystemExit(f"{method} {path}: {response.status} {data[:200]!r}")
        return json.loads(data) if data else None

    lines = [f"Line {n:03}: the quick brown fox jumps over the lazy dog, again." for n in range(LINES)]
    text = "\n".join(lines) + "\n"
    note = call("POST", "/api/notes/", {"title": "Long", "content": text})["id"]
    rng = random.Random(7)
    changed = 0
    started = time.perf_counter()
    for n in range(SAVES):
        at = rng.randrange(LINES)
        words = lines[at].split(" ")
        w = rng.randrange(1, len(words))
        new = f"w{n}"
        changed += len(words[w]) + len(new)
        words[w] = new
        lines[at] = " ".join(words)
        text = "\n".join(lines) + "\n"
        call("PUT", f"/api/notes/{note}/", {"title": "Long", "content": text})
    saving = time.perf_counter() - started
    result = {
        "note": note,
        "text_bytes": len(text.encode()),
        "saves": SAVES,
        "saves_per_s": round(SAVES / saving, 1),
        "changed_bytes": changed,
    }
    if not saves_only:
        def timed(paths):
            samples = []
            for path in paths:
                t = time.perf_counter()
                call("GET", path)
                samples.append((time.perf_counter() - t) * 1000)
            samples.sort()
            return {"p50_ms": round(samples[len(samples) // 2], 2),
                    "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 2),
                    "n": len(samples)}

        pages = [f"/api/notes/{note}/revisions/?page={p}&page_size=100" for p in range(1, 11)] * 20
        result["list_page_of_100"] = timed(pages)
        pairs = [(rng.randrange(1, SAVES + 1), rng.randrange(1, SAVES + 1)) for _ in range(200)]
        result["diff_two_versions"] = timed(
            [f"/api/notes/{note}/revisions/{a}/diff/?against={b}" for a, b in pairs])
    print(json.dumps(result))


main()
