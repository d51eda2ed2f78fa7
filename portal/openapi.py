"""How the OpenAPI schema documents every operation, so no view has to repeat it.

- Every operation lists the error statuses it can answer, all with the one ``Error`` body of ``portal.api``:
  400 (a request body or query parameters to validate), 401, 403 and 404 (any authenticated view: objects
  and collections you may not see are 404), 404 also for a path parameter or a page number, 409 (where a view
  declares it), 415 (a request body), 429 (throttled views). Error responses that a view documents with only
  a description get the body too.
- Request bodies are documented with the view's parsers only: JSON, or multipart where a file is uploaded.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

ERROR_REF = {"$ref": "#/components/schemas/Error"}

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Every error. A 400 also has one key per faulty field (dotted paths inside lists and nested objects, "
        "e.g. `transfers.1.amount`; errors of no single field under `non_field_errors`) with its messages."
    ),
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "code": {
            "type": "string",
            "description": "Stable and machine-readable: invalid, parse_error, not_authenticated, "
            "authentication_failed, permission_denied, mfa_required, not_found, unsupported_media_type, "
            "throttled, conflict, ...",
        },
        "setup_url": {
            "type": "string",
            "description": "With `mfa_required`: where to set up or pass two-factor authentication.",
        },
    },
    "required": ["detail", "code"],
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

DESCRIPTIONS = {
    400: "Invalid input: field errors by field name.",
    401: "Not authenticated, or the credentials are invalid or revoked.",
    403: "Authenticated, but not allowed to do this.",
    404: "No such object, or not visible to you; also a page number past the end.",
    405: "Method not allowed.",
    409: "Conflicts with the current state.",
    415: "Unsupported media type: send the documented content type.",
    429: "Too many requests: retry after the number of seconds in the Retry-After header.",
}
PAGINATION_PARAMETERS = frozenset({"page", "page_size"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ApiAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            self._document_errors(operation)
        return operation

    def error_statuses(self, operation: dict) -> set[int]:
        """The error statuses this operation can answer (see the module docstring)."""
        parameters = operation.get("parameters", [])
        queries = {p["name"] for p in parameters if p["in"] == "query"} - PAGINATION_PARAMETERS
        statuses = {409} & {int(code) for code in operation["responses"] if str(code).isdigit()}
        if self.method in UNSAFE_METHODS or queries:
            statuses.add(400)
        if self.view.get_authenticators():
            statuses |= {401, 403, 404}  # 404: what you may not see does not exist for you
        elif not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            statuses.add(403)
        if any(p["in"] == "path" or p["name"] == "page" for p in parameters):
            statuses.add(404)
        if "requestBody" in operation:
            statuses.add(415)
        if self.view.get_throttles():
            statuses.add(429)
        return statuses

    def _document_errors(self, operation: dict) -> None:
        responses = operation["responses"]
        for code in self.error_statuses(operation):
            responses.setdefault(str(code), {"description": DESCRIPTIONS[code]})
        for code, response in responses.items():
            if str(code).startswith("4") and "content" not in response:
                response["content"] = {"application/json": {"schema": ERROR_REF}}
        operation["responses"] = dict(sorted(responses.items()))


def add_error_component(result, generator, request, public):
    """Postprocessing hook: the ``Error`` schema that every error response refers to."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    return result
