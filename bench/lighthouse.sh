#!/bin/sh
# Lighthouse (from npm, run locally) on the demo campaign page: phone and desktop,
# English and Korean. Starts the demo site as `make run` serves it (bench/demo_site.py)
# unless BASE_URL names a running one; writes one JSON report per run and a summary
# (performance, accessibility, best practices, SEO, FCP, LCP, CLS, TBT, bytes) to
# bench/results/lighthouse-<time>.txt.
#
#   bench/lighthouse.sh            # needs Node.js; installs lighthouse into bench/node_modules once
#   BASE_URL=http://127.0.0.1:8000 bench/lighthouse.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
PYTHON=${PYTHON:-"$ROOT/.venv/bin/python"}
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
LIGHTHOUSE="$HERE/node_modules/.bin/lighthouse"
[ -x "$LIGHTHOUSE" ] || npm install --no-audit --no-fund --prefix "$HERE" lighthouse@12 >/dev/null
STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT="$HERE/results/lighthouse-$STAMP"
mkdir -p "$OUT"

SERVER=""
if [ -z "${BASE_URL:-}" ]; then
    FIFO="$OUT/url"
    mkfifo "$FIFO"
    "$PYTHON" "$HERE/demo_site.py" >"$FIFO" &
    SERVER=$!
    read -r BASE_URL <"$FIFO"
    rm -f "$FIFO"
fi
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; true; }
trap cleanup EXIT INT TERM

for language in en ko; do
    for form in mobile desktop; do
        url="$BASE_URL/$language/c/save-my-friend/"
        preset=""
        [ "$form" = desktop ] && preset="--preset=desktop"
        # Chromium sometimes loses the trace of a run (NO_NAVSTART): try up to three times.
        for attempt in 1 2 3; do
            if "$LIGHTHOUSE" "$url" $preset --quiet --output=json --output-path="$OUT/$form-$language.json" \
                --only-categories=performance,accessibility,best-practices,seo \
                --chrome-flags="--headless --no-sandbox --disable-gpu" >/dev/null 2>"$OUT/$form-$language.log"; then
                break
            fi
            [ "$attempt" = 3 ] && { cat "$OUT/$form-$language.log"; exit 1; }
        done
        rm -f "$OUT/$form-$language.log"
    done
done

"$PYTHON" - "$OUT" <<'PY' | tee "$OUT.txt"
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
print(f"{'run':<16}{'perf':>5}{'a11y':>5}{'bp':>5}{'seo':>5}{'FCP ms':>8}{'LCP ms':>8}{'CLS':>6}{'TBT ms':>8}{'bytes':>9}")
for path in sorted(out.glob("*.json")):
    report = json.loads(path.read_text())
    score = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
    audit = report["audits"]
    value = lambda name: audit[name]["numericValue"]
    print(
        f"{path.stem:<16}{score['performance']:>5}{score['accessibility']:>5}"
        f"{score['best-practices']:>5}{score['seo']:>5}{value('first-contentful-paint'):>8.0f}"
        f"{value('largest-contentful-paint'):>8.0f}{value('cumulative-layout-shift'):>6.3f}"
        f"{value('total-blocking-time'):>8.0f}{value('total-byte-weight'):>9.0f}"
    )
    for name, result in audit.items():
        if result.get("score") is not None and result["score"] < 1 and result.get("scoreDisplayMode") == "binary":
            print(f"    failing: {name}: {result['title']}")
PY
