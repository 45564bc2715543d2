"""The admin speaks one language, whatever the public site's."""

from django.conf import settings
from django.utils import translation


class AdminLanguageMiddleware:
    """Serve the admin in one language, so that Django's labels and our own read alike.

    The public site writes its Chinese in the templates; the admin's own screens, model names and
    choices are written in English, so the admin runs in ADMIN_LANGUAGE_CODE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Activated per request, as LocaleMiddleware does, so a worker thread never carries the
        # admin's language over to a reader's page.
        in_admin = request.path.startswith("/admin/")
        translation.activate(settings.ADMIN_LANGUAGE_CODE if in_admin else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
