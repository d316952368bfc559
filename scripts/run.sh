#!/bin/sh
# Set up and serve the demo site on http://127.0.0.1:8000 (local use only).
. "$(dirname "$0")/bootstrap.sh"
python manage.py migrate --noinput
python manage.py load_demo
python manage.py local_admin
exec python manage.py runserver 127.0.0.1:8000
