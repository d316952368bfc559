import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

PASSWORD_FILE = settings.BASE_DIR / ".local-admin-password"


class Command(BaseCommand):
    help = "Create a local admin account when none exists and print its login (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("local_admin is for local development: it refuses to run with DEBUG=False.")
        User = get_user_model()
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "admin@localhost", password)
            PASSWORD_FILE.write_text(password + "\n")
            PASSWORD_FILE.chmod(0o600)
        admin = User.objects.filter(username="admin").first()
        saved = PASSWORD_FILE.read_text().strip() if PASSWORD_FILE.exists() else ""
        if admin and saved and admin.check_password(saved):
            self.stdout.write(self.style.SUCCESS(
                f"Admin login: http://127.0.0.1:8000/admin/  user: admin  password: {saved}"
            ))
        else:
            self.stdout.write("An admin account exists already: log in at http://127.0.0.1:8000/admin/ with its password.")
