"""The call designer's API (mounted under /api/v1/calls/): everybody reads published calls; call managers create,
change, publish and close them and add questions and document slots. The same services as the pages."""

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.roles import PlatformRole, has_role
from allocations.applications import selectors as application_selectors
from allocations.applications.api import CallViewSet
from allocations.applications.calls import services as designer
from allocations.applications.calls.serializers import (
    CallDesignSerializer,
    CallWriteSerializer,
    QuestionSerializer,
    SlotSerializer,
)
from allocations.models import Call, CallStatus


class CallDesignViewSet(CallViewSet):
    """Calls. GET: open and upcoming calls (public; call managers see every call). POST, PATCH, publish, close,
    questions, documents: call managers only (403 otherwise)."""

    permission_classes = [AllowAny]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _is_manager(self) -> bool:
        return has_role(self.request.user, PlatformRole.CALL_MANAGER)

    def _require_manager(self) -> None:
        if not self.request.user.is_authenticated:
            raise NotAuthenticated()
        if not self._is_manager():
            raise PermissionDenied("Only call managers can design calls.")

    def get_queryset(self):
        if self.action == "list" and self._is_manager():
            return Call.objects.select_related("access_mode").prefetch_related("gigafactories").order_by("-created_at")
        return super().get_queryset()

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return CallWriteSerializer
        return CallDesignSerializer if self.action == "retrieve" else super().get_serializer_class()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "designer": self._is_manager()}

    def _read(self, call: Call, code=status.HTTP_200_OK) -> Response:
        call = application_selectors.call_public(slug=call.slug, user=self.request.user)
        return Response(CallDesignSerializer(call, context=self.get_serializer_context()).data, status=code)

    def _managed(self) -> Call:
        self._require_manager()
        try:
            return Call.objects.get(slug=self.kwargs["slug"])
        except Call.DoesNotExist:
            raise Http404 from None

    @extend_schema(request=CallWriteSerializer, responses={201: CallDesignSerializer})
    def create(self, request, *args, **kwargs):
        self._require_manager()
        serializer = CallWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            call = designer.call_create(
                by=request.user,
                values=serializer.call_values(),
                gigafactories=list(data["gigafactories"]),
                cutoffs=data.get("cutoffs", []),
                criteria=[dict(c) for c in data.get("criteria", [])],
            )
            for question in data.get("questions", []):
                designer.question_save(call_id=call.pk, by=request.user, values=dict(question))
            for slot in data.get("document_slots", []):
                designer.slot_save(call_id=call.pk, by=request.user, values=dict(slot))
        return self._read(call, code=status.HTTP_201_CREATED)

    @extend_schema(request=CallWriteSerializer, responses={200: CallDesignSerializer})
    def partial_update(self, request, *args, **kwargs):
        call = self._managed()
        serializer = CallWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            gigafactories = list(data["gigafactories"]) if "gigafactories" in data else None
            values = serializer.call_values()
            if values or gigafactories is not None:
                designer.call_update(call_id=call.pk, by=request.user, values=values, gigafactories=gigafactories)
            if "cutoffs" in data:
                designer.call_set_cutoffs(call_id=call.pk, by=request.user, cutoffs=data["cutoffs"])
            if "criteria" in data:
                designer.call_set_criteria(
                    call_id=call.pk, by=request.user, criteria=[dict(c) for c in data["criteria"]]
                )
        call.refresh_from_db()
        return self._read(call)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return Response({"detail": "Use PATCH."}, status=status.HTTP_405_METHOD_NOT_ALLOWED)
        return super().update(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: CallDesignSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, slug=None):
        """Publish a draft (form version 1), or, with changed questions or documents, the next form version."""
        call = self._managed()
        if call.status == CallStatus.PUBLISHED and request.data.get("new_version"):
            designer.call_publish_form_version(call_id=call.pk, by=request.user)
        else:
            designer.call_publish(call_id=call.pk, by=request.user)
        call.refresh_from_db()
        return self._read(call)

    @extend_schema(request=None, responses={200: CallDesignSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, slug=None):
        call = self._managed()
        designer.call_close(call_id=call.pk, by=request.user)
        call.refresh_from_db()
        return self._read(call)

    @extend_schema(request=QuestionSerializer, responses={201: QuestionSerializer})
    @action(detail=True, methods=["post"], serializer_class=QuestionSerializer)
    def questions(self, request, slug=None):
        call = self._managed()
        serializer = QuestionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = designer.question_save(call_id=call.pk, by=request.user, values=dict(serializer.validated_data))
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SlotSerializer, responses={201: SlotSerializer})
    @action(detail=True, methods=["post"], serializer_class=SlotSerializer)
    def documents(self, request, slug=None):
        call = self._managed()
        serializer = SlotSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slot = designer.slot_save(call_id=call.pk, by=request.user, values=dict(serializer.validated_data))
        return Response(SlotSerializer(slot).data, status=status.HTTP_201_CREATED)
