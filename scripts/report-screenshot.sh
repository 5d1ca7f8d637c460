#!/usr/bin/env bash
# Render reports/index.html in headless Chromium (Debian's `chromium` package) to
# reports/index.png, to check the page as a reader sees it.
set -euo pipefail
cd "$(dirname "$0")/.."
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then echo "report-screenshot: no chromium here (apt-get install chromium)" >&2; exit 2; fi
[ -f reports/index.html ] || { echo "report-screenshot: no reports/index.html (run npm test first)" >&2; exit 2; }
"$browser" --headless --no-sandbox --disable-gpu --window-size=1300,2400 \
  --screenshot="$PWD/reports/index.png" "file://$PWD/reports/index.html" 2>/dev/null
echo "reports/index.png"
