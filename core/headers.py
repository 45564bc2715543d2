"""Headers every response carries beyond Django's own: Permissions-Policy, and the CSP on static files.

Imported by the settings (WhiteNoise takes a callable), so it imports nothing that needs the apps.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP, build_policy


def permissions_policy() -> str:
    """Return the Permissions-Policy header value for settings.PERMISSIONS_POLICY."""
    return ", ".join(
        f"{feature}=({' '.join(allowed)})" for feature, allowed in settings.PERMISSIONS_POLICY.items()
    )


class PermissionsPolicyMiddleware:
    """Send the Permissions-Policy header on every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


def add_static_file_headers(headers, path: str, url: str) -> None:
    """Give static files the site's CSP and Permissions-Policy (WhiteNoise answers before the middleware)."""
    if settings.SECURE_CSP:
        headers[str(CSP.HEADER_ENFORCE)] = build_policy(settings.SECURE_CSP)
    if policy := permissions_policy():
        headers["Permissions-Policy"] = policy
