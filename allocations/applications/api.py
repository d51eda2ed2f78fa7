"""REST API of calls and applications (mounted under /api/v1/).

Calls are public. Applications: members of the owning organisation only (others get 404); the same services
as the web form, so the same checks and messages. A stale section version gives 409 with the newer values.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.models import Organisation
from allocations.applications import selectors, services
from allocations.applications.serializers import (
    ApplicationCreateSerializer,
    ApplicationListSerializer,
    ApplicationSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CallDetailSerializer,
    CallSerializer,
    SubmitSerializer,
    WithdrawSerializer,
)
from allocations.models import ApplicationEvent, ApplicationMember, Attachment, Call
from portal.api import conflict, validation_error_detail

# A 409 of PATCH: the error body plus the section's newer values and version (``"<section>_version": 4``).
SECTION_CONFLICT = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "enum": ["section_changed"]},
        "section": {"type": "string"},
        "current": {"type": "object", "additionalProperties": True, "description": "The section as saved now."},
    },
    "required": ["detail", "code", "section", "current"],
    "additionalProperties": {"type": "integer", "description": "`<section>_version`: the version saved now."},
}


class CallFilter(filters.FilterSet):
    mode = filters.CharFilter(field_name="access_mode__code", label="Access mode code")
    gigafactory = filters.CharFilter(field_name="gigafactories__slug", label="Gigafactory slug")

    class Meta:
        model = Call
        fields = ["mode", "gigafactory"]


class CallViewSet(viewsets.ReadOnlyModelViewSet):
    """Open and upcoming calls (public)."""

    permission_classes = [AllowAny]
    lookup_field = "slug"
    filterset_class = CallFilter

    def get_queryset(self):
        return selectors.calls_open_and_upcoming()

    def get_serializer_class(self):
        return CallDetailSerializer if self.action == "retrieve" else CallSerializer

    def get_object(self):
        try:
            return selectors.call_public(slug=self.kwargs["slug"], user=self.request.user)
        except Call.DoesNotExist:
            raise Http404


class ApplicationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Applications of your organisations. PATCH: drafts only, with the section's version as last read."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = selectors.applications_for_user(user=self.request.user)
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch("members", queryset=ApplicationMember.objects.order_by("position", "id")),
                Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor").order_by("created_at")),
                "attachments",
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "list":
            return ApplicationListSerializer
        if self.action == "create":
            return ApplicationCreateSerializer
        return ApplicationSerializer

    def _detail(self, application_id: int, code=status.HTTP_200_OK) -> Response:
        application = self.get_queryset().get(pk=application_id)
        return Response(ApplicationSerializer(application, context={"request": self.request}).data, status=code)

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation: Organisation = serializer.validated_data["organisation"]
        if not organisation.memberships.filter(user=request.user).exists():
            raise ApiValidationError({"organisation": ["Choose one of your organisations."]})
        application = services.application_create(
            call=serializer.validated_data["call"], organisation=organisation, by=request.user
        )
        return self._detail(application.pk, code=status.HTTP_201_CREATED)

    @extend_schema(
        request=ApplicationSerializer,
        responses={
            200: ApplicationSerializer,
            409: OpenApiResponse(SECTION_CONFLICT, description="The section changed since read: nothing was saved."),
        },
    )
    def partial_update(self, request, *args, **kwargs):
        application = self.get_object()
        serializer = ApplicationSerializer(application, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            services.application_update(
                application_id=application.pk, by=request.user, changes=serializer.section_changes()
            )
        except services.SectionConflict as exc:
            return conflict(
                exc.messages[0],
                code="section_changed",
                section=exc.section,
                **{f"{exc.section}_version": exc.application.section_version(exc.section)},
                current=_jsonable(exc.current),
            )
        except DjangoValidationError as exc:
            raise ApiValidationError(_answer_errors(exc)) from None
        except PermissionDenied:
            raise Http404
        return self._detail(application.pk)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return Response({"detail": "Use PATCH."}, status=status.HTTP_405_METHOD_NOT_ALLOWED)
        return super().update(request, *args, **kwargs)

    @extend_schema(request=SubmitSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        application = self.get_object()
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.application_submit(
            application_id=application.pk, by=request.user, declaration=serializer.validated_data["declaration"]
        )
        return self._detail(application.pk)

    @extend_schema(request=WithdrawSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = self.get_object()
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.application_withdraw(
            application_id=application.pk, by=request.user, comment=serializer.validated_data["comment"]
        )
        return self._detail(application.pk)

    @extend_schema(request=AttachmentUploadSerializer, responses={201: AttachmentSerializer})
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[parsers.MultiPartParser],
        serializer_class=AttachmentUploadSerializer,
    )
    def attachments(self, request, pk=None):
        application = self.get_object()
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            attachment: Attachment = services.attachment_add(
                application_id=application.pk,
                kind=serializer.validated_data.get("kind", ""),
                upload=serializer.validated_data["file"],
                by=request.user,
                slot_id=serializer.validated_data.get("slot"),
            )
        except PermissionDenied:
            raise Http404
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


def _answer_errors(exc: DjangoValidationError) -> dict:
    """Service errors as field errors; those of the call's questions (``q_<id>``) under ``answers`` by id."""
    detail = validation_error_detail(exc)
    answers = {key.removeprefix("q_"): detail.pop(key) for key in list(detail) if key.startswith("q_")}
    if answers:
        detail.setdefault("answers", {})
        if isinstance(detail["answers"], list):
            detail["answers"] = {"non_field_errors": detail["answers"]}
        detail["answers"].update(answers)
    return detail


def _jsonable(values: dict) -> dict:
    result = {}
    for key, value in values.items():
        if hasattr(value, "slug"):
            value = value.slug
        elif hasattr(value, "pk"):
            value = value.pk
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        result[key] = value
    return result


urlpatterns: list = []


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    from allocations.applications.calls.api import CallDesignViewSet

    router.register("calls", CallDesignViewSet, basename="call")
    router.register("applications", ApplicationViewSet, basename="application")
