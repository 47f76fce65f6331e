#!/usr/bin/env bash
# Start-up of the `agntz` command-line tool next to the bare start-up of the
# runtimes the official CLIs need (Node for `agntz`, Python for `agntz-py`),
# measured the same way: hyperfine, no shell, warm file cache.
#
#   benches/scripts/cli-startup.sh [runs]     # needs hyperfine, node, python3
#
# `agntz runs list` goes to a stub worker on 127.0.0.1 (one `GET /runs`
# answered `{"rows":[]}`), so it measures start-up, reading the config, one
# loopback request and printing; the runtimes' rows do the same request with
# their built-in HTTP clients, the least an official CLI does for it.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-300}
port=${AGNTZ_STUB_PORT:-4111}

cargo build --release -p agntz-cli
bin=target/release/agntz
echo "size: $(stat -c %s "$bin") bytes"
strip -o target/release/agntz-stripped "$bin"
echo "size stripped: $(stat -c %s target/release/agntz-stripped) bytes"

home=$(mktemp -d)
trap 'kill "$stub" 2>/dev/null; rm -rf "$home"' EXIT
mkdir "$home/.agntz"
printf '{"apiKey":"ar_live_benchmark_key","apiUrl":"http://127.0.0.1:%s"}\n' "$port" >"$home/.agntz/config.json"

python3 - "$port" <<'PY' &
import http.server, sys
class Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b'{"rows":[]}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Stub).serve_forever()
PY
stub=$!
sleep 1

url="http://127.0.0.1:$port/runs"
HOME=$home hyperfine -N --warmup 20 --runs "$runs" --export-json "${AGNTZ_HYPERFINE_JSON:-/dev/null}" \
  "$bin --version" \
  "$bin whoami" \
  "$bin runs list" \
  "node -e ''" \
  "python3 -c ''" \
  "node -e \"fetch('$url').then(r => r.json())\"" \
  "python3 -c \"import urllib.request, json; json.load(urllib.request.urlopen('$url'))\""
