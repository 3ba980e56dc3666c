#!/usr/bin/env bash
# make run: the web server on the embedded default, plus, when Redis answers, an RQ worker
# and the recurring sweep trigger, and a local mail catcher (mails land in instance/mail.log).
set -uo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=petitions
FLASK=.venv/bin/flask
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"
pids=()
cleanup() { [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT INT TERM

if .venv/bin/python - <<'PY' 2>/dev/null
import os, redis
redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), socket_connect_timeout=1).ping()
PY
then
  mkdir -p instance
  if [ -z "${MAIL_SERVER:-}" ]; then
    export MAIL_SERVER=127.0.0.1 MAIL_PORT="${MAIL_PORT:-8025}"
    .venv/bin/python -m aiosmtpd -n -l "127.0.0.1:$MAIL_PORT" -c aiosmtpd.handlers.Debugging >> instance/mail.log 2>&1 &
    pids+=($!)
    echo "Mail catcher on 127.0.0.1:$MAIL_PORT: mails are written to instance/mail.log"
  fi
  "$FLASK" worker >> instance/worker.log 2>&1 &
  pids+=($!)
  "$FLASK" sweep-loop >> instance/worker.log 2>&1 &
  pids+=($!)
  echo "RQ worker and deadline sweep started (every ${SWEEP_EVERY_SECONDS:-900} s); log: instance/worker.log"
else
  echo "Redis is not reachable at ${REDIS_URL:-redis://127.0.0.1:6379/0}: deadline alerts are PAUSED."
  echo "Filing and handling cases work; administrators see the same notice on every page."
fi
echo "Sign in at http://$HOST:$PORT/auth/login with a demo account above; admin and thanhtra then"
echo "  ask for a 6-digit code: run '.venv/bin/flask --app petitions users otp admin' (or thanhtra) in another terminal."
echo "Serving on http://$HOST:$PORT  (Ctrl+C to stop)"
"$FLASK" run --host "$HOST" --port "$PORT"
