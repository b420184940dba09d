"""Headers every response carries."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Add PERMISSIONS_POLICY: no page of outcry needs a camera, location, payment, …

    First in MIDDLEWARE, so static files (served by WhiteNoise) and refusals carry it too.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.policy)
        return response
