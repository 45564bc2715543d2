"""Create the development editor account on first run and print how to log in."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import BaseCommand, CommandError

USERNAME = "editor"
PASSWORD_FILE = settings.BASE_DIR / ".editor-password"


class Command(BaseCommand):
    help = "Create an editor account for local development (SQLite default only) and print its password."

    def add_arguments(self, parser):
        parser.add_argument("--admin-url", default="http://127.0.0.1:8000/admin/", help="Where to log in.")

    def handle(self, *args, **options):
        if not getattr(settings, "BAIMO_DEV_EDITOR", False):
            raise CommandError("ensure_editor only runs with the development settings (config.settings.dev).")
        User = get_user_model()
        user = User.objects.filter(username=USERNAME).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(USERNAME, password=password, is_staff=True)
            PASSWORD_FILE.write_text(password + "\n")
            PASSWORD_FILE.chmod(0o600)
            created = True
        else:
            password = PASSWORD_FILE.read_text().strip() if PASSWORD_FILE.exists() else None
            created = False
        editors = Group.objects.filter(name="Editor").first()
        if editors is not None:
            user.groups.add(editors)
        else:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        verb = "Created" if created else "Using"
        self.stdout.write(self.style.SUCCESS(f"{verb} the editor account; log in at {options['admin_url']}"))
        self.stdout.write(f"  user name: {USERNAME}")
        shown = password or "(unknown: .editor-password is missing; set one with manage.py changepassword)"
        self.stdout.write(f"  password:  {shown}")
