"""The few calls of InterFax's REST API that the fax channel needs."""

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils.translation import gettext

from outcry.letters.channels.base import DeliveryProblem
from outcry.letters.models import Delivery


class InterFax:
    """The few calls of InterFax's REST API that outcry needs (HTTP Basic auth, JSON).

    - send: ``POST /outbound/faxes?faxNumber=…&reference=…`` with the PDF as the
      body; 201 Created with ``Location: …/outbound/faxes/<id>``.
    - find: ``GET /outbound/search?reference=…&faxNumber=…``; a list of faxes.
    - status: ``GET /outbound/faxes/<id>``; ``status`` < 0 in progress, 0 sent,
      > 0 failed.
    """

    def __init__(self, *, base_url: str, username: str, password: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self.authorization = f"Basic {token}"
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "InterFax":
        return cls(
            base_url=settings.INTERFAX_URL,
            username=settings.INTERFAX_USERNAME,
            password=settings.INTERFAX_PASSWORD,
            timeout=settings.FAX_TIMEOUT_SECONDS,
        )

    def _request(
        self, method: str, path: str, params: dict, body: bytes | None = None
    ) -> tuple[int, dict, bytes]:
        url = f"{self.base_url}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Authorization": self.authorization, "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/pdf"
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 - URL from settings, http(s) only
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers or {}), error.read()
        except TimeoutError:
            raise DeliveryProblem(
                gettext("The fax provider did not answer within %(seconds)s seconds.")
                % {"seconds": self.timeout},
                code=Delivery.Error.TIMEOUT,
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError):
                raise DeliveryProblem(
                    gettext("The fax provider did not answer within %(seconds)s seconds.")
                    % {"seconds": self.timeout},
                    code=Delivery.Error.TIMEOUT,
                ) from None
            raise DeliveryProblem(
                gettext("The fax provider could not be reached: %(reason)s") % {"reason": reason},
                code=Delivery.Error.UNAVAILABLE,
            ) from None

    def _problem(self, status: int, body: bytes) -> DeliveryProblem:
        """Turn an error answer into a problem: 4xx about the fax are permanent."""
        detail = _error_detail(body)
        if status in {400, 404, 413, 415, 422}:
            return DeliveryProblem(
                gettext("The fax provider refused the fax (HTTP %(status)s): %(detail)s")
                % {"status": status, "detail": detail},
                code=Delivery.Error.REFUSED,
                permanent=True,
            )
        # 401/403 (credentials an operator can fix), 408, 429 and 5xx: try again later.
        return DeliveryProblem(
            gettext("The fax provider answered HTTP %(status)s: %(detail)s")
            % {"status": status, "detail": detail},
            code=Delivery.Error.UNAVAILABLE,
        )

    def send(self, *, number: str, document: bytes, reference: str) -> str:
        """Submit *document* (a PDF) to *number*; return InterFax's fax id."""
        status, headers, body = self._request(
            "POST", "/outbound/faxes", {"faxNumber": number, "reference": reference[:60]}, document
        )
        if status != 201:
            raise self._problem(status, body)
        location = {key.lower(): value for key, value in headers.items()}.get("location", "")
        fax_id = location.rstrip("/").rpartition("/")[2]
        if not fax_id:
            raise DeliveryProblem(
                gettext("The fax provider accepted the fax but gave no Location."),
                code=Delivery.Error.UNAVAILABLE,
            )
        return fax_id

    def find(self, *, reference: str, number: str) -> dict | None:
        """The fax submitted with *reference* to *number*, or None if InterFax has none."""
        status, _headers, body = self._request(
            "GET", "/outbound/search", {"reference": reference[:60], "faxNumber": number}
        )
        if status != 200:
            raise (
                self._problem(status, body)
                if status >= 500
                else DeliveryProblem(
                    gettext("Could not look up earlier faxes (HTTP %(status)s): %(detail)s")
                    % {"status": status, "detail": _error_detail(body)},
                    code=Delivery.Error.UNAVAILABLE,
                )
            )
        try:
            faxes = json.loads(body or b"[]")
        except ValueError:
            faxes = []
        for fax in faxes if isinstance(faxes, list) else []:
            if (
                isinstance(fax, dict)
                and "id" in fax
                and fax.get("reference", reference) == reference
            ):
                return fax
        return None

    def status(self, fax_id: str) -> int:
        """InterFax's status code for a fax: < 0 in progress, 0 sent, > 0 failed."""
        status, _headers, body = self._request(
            "GET", f"/outbound/faxes/{urllib.parse.quote(fax_id)}", {}
        )
        if status != 200:
            raise self._problem(status, body)
        try:
            return int(json.loads(body)["status"])
        except (ValueError, KeyError, TypeError):
            raise DeliveryProblem(
                gettext("The fax provider's status answer could not be read."),
                code=Delivery.Error.UNAVAILABLE,
            ) from None


def _error_detail(body: bytes) -> str:
    """InterFax explains errors as JSON {"code", "message", "moreInfo"}; else the raw text."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:300] or "-"
    if isinstance(data, dict):
        parts = [str(data[key]) for key in ("code", "message", "moreInfo") if data.get(key)]
        return " ".join(parts)[:300] or text[:300]
    return text[:300]
