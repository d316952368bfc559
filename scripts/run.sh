#!/bin/sh
# Set up and serve the demo site on http://127.0.0.1:8000 (local use only), with the task worker
# beside it (publish events, WebSub and webhook deliveries). Ctrl+C stops both.
. "$(dirname "$0")/bootstrap.sh"
python manage.py migrate --noinput
python manage.py load_demo
python manage.py local_admin
python manage.py db_worker --no-reload &
worker=$!
python manage.py runserver 127.0.0.1:8000 &
server=$!
# When the server stops (Ctrl+C, a kill), the worker stops with it: none is left behind.
trap 'kill "$server" "$worker" 2>/dev/null' INT TERM
wait "$server" || true
kill "$worker" 2>/dev/null || true
wait "$worker" 2>/dev/null || true
