"""REST API of the review stage (mounted under /api/v1/).

Reviewers: their own assignments and reviews only (anyone else's is 404). Call managers: the panel and
decisions (403 for other users). The PI: the reply (404 outside the organisation, 403 for members who are not
the PI). The same services as the pages, so the same checks and messages.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from allocations.applications import selectors as application_selectors
from allocations.models import Application, Call
from portal.api import conflict
from reviews import selectors, services
from reviews.models import AssignmentStatus, Review, ReviewAssignment, ReviewStatus
from reviews.serializers import (
    AcceptSerializer,
    DecisionRequestSerializer,
    DecisionSerializer,
    PanelSerializer,
    ReasonSerializer,
    ReplyRequestSerializer,
    ReplySerializer,
    ReviewAssignmentSerializer,
    ReviewSerializer,
)


def _require_reviewer(user) -> None:
    if not selectors.is_reviewer(user):
        raise PermissionDenied


def _require_call_manager(user) -> None:
    if not selectors.is_call_manager(user):
        raise PermissionDenied


class ReviewAssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your review assignments, open ones first by due date. Answer each before reading the application:
    accept (declaring no conflict of interest), decline, or declare a conflict (it is then reassigned)."""

    serializer_class = ReviewAssignmentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return ReviewAssignment.objects.none()
        _require_reviewer(self.request.user)
        return (
            ReviewAssignment.objects.filter(reviewer=self.request.user)
            .select_related("application__organisation", "application__call")
            .prefetch_related(Prefetch("reviews", queryset=Review.objects.order_by("version")))
            .order_by("completed_at", "due_on", "id")
        )

    def _answer(self, request, serializer_class, perform) -> Response:
        # The assignment first: another user's gets 403/404 whatever the body holds, never a 400 about it.
        assignment = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            perform(assignment, serializer.validated_data)
        except PermissionDenied:
            raise Http404
        return Response(ReviewAssignmentSerializer(self.get_queryset().get(pk=assignment.pk)).data)

    @extend_schema(request=AcceptSerializer, responses={200: ReviewAssignmentSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._answer(
            request,
            AcceptSerializer,
            lambda a, data: services.assignment_accept(
                assignment_id=a.pk, by=request.user, no_conflict=data["no_conflict"]
            ),
        )

    @extend_schema(request=ReasonSerializer, responses={200: ReviewAssignmentSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._answer(
            request,
            ReasonSerializer,
            lambda a, data: services.assignment_decline(assignment_id=a.pk, by=request.user, reason=data["reason"]),
        )

    @extend_schema(request=ReasonSerializer, responses={200: ReviewAssignmentSerializer})
    @action(detail=True, methods=["post"], url_path="declare-conflict")
    def declare_conflict(self, request, pk=None):
        return self._answer(
            request,
            ReasonSerializer,
            lambda a, data: services.assignment_declare_conflict(
                assignment_id=a.pk, by=request.user, reason=data["reason"]
            ),
        )


class ReviewViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """A version of your review. PUT saves the draft (partial scores are fine); submit locks it."""

    serializer_class = ReviewSerializer
    http_method_names = ["get", "put", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Review.objects.none()
        _require_reviewer(self.request.user)
        return Review.objects.filter(
            assignment__reviewer=self.request.user,
            assignment__status__in=(AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED),
        )

    @extend_schema(request=ReviewSerializer, responses={200: ReviewSerializer})
    def update(self, request, *args, **kwargs):
        review = self.get_object()
        serializer = ReviewSerializer(review, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if review.status == ReviewStatus.SUBMITTED:
            raise ValidationError(
                "This review was submitted and is locked. Start an amendment (with a reason) to change it."
            )
        data = serializer.validated_data
        try:
            saved = services.review_save(
                assignment_id=review.assignment_id,
                by=request.user,
                scores=data.get("scores", review.scores),
                comment_for_applicant=data.get("comment_for_applicant", review.comment_for_applicant),
                comment_for_panel=data.get("comment_for_panel", review.comment_for_panel),
            )
        except PermissionDenied:
            raise Http404
        return Response(ReviewSerializer(saved).data)

    @extend_schema(request=None, responses={200: ReviewSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        review = self.get_object()
        try:
            submitted = services.review_submit(review_id=review.pk, by=request.user)
        except PermissionDenied:
            raise Http404
        return Response(ReviewSerializer(submitted).data)


class PanelView(APIView):
    """The ranked panel list of a call (call managers). ``?cutoff=<id>`` limits it to one cut-off batch."""

    @extend_schema(
        responses={200: PanelSerializer},
        parameters=[OpenApiParameter("cutoff", int, required=False, description="Cut-off id")],
    )
    def get(self, request, slug: str):
        _require_call_manager(request.user)
        try:
            call = selectors.call_for_management(slug=slug)
        except Call.DoesNotExist:
            raise Http404
        cutoff = None
        if request.query_params.get("cutoff"):
            cutoff = next((c for c in call.cutoffs.all() if str(c.pk) == request.query_params["cutoff"]), None)
            if cutoff is None:
                raise Http404
        return Response(PanelSerializer(selectors.panel(call=call, cutoff=cutoff)).data)


class DecisionView(APIView):
    """Decide an application in the panel (call managers). 409 when another call manager decided it first."""

    @extend_schema(
        request=DecisionRequestSerializer,
        responses={200: DecisionSerializer, 409: OpenApiResponse(description="Already decided by someone else.")},
    )
    def post(self, request, pk: int):
        _require_call_manager(request.user)
        if not Application.objects.filter(pk=pk).exists():
            raise Http404
        serializer = DecisionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            decision = services.application_decide(application_id=pk, by=request.user, **serializer.validated_data)
        except services.DecisionConflict as exc:
            return conflict(exc.messages[0], code="already_decided")
        return Response(DecisionSerializer(decision).data)


class ReplyView(APIView):
    """The PI's one reply to the anonymised reviews during the right to reply (at most 5,000 characters)."""

    @extend_schema(request=ReplyRequestSerializer, responses={200: ReplySerializer})
    def post(self, request, pk: int):
        try:
            application = application_selectors.application_for_member(user=request.user, pk=pk)
        except Application.DoesNotExist:
            raise Http404
        serializer = ReplyRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        window = services.reply_submit(
            application_id=application.pk, by=request.user, text=serializer.validated_data["text"]
        )
        window.application.refresh_from_db()
        return Response(ReplySerializer(window).data)


urlpatterns: list = [
    path("calls/<slug:slug>/panel/", PanelView.as_view(), name="call-panel"),
    path("applications/<int:pk>/decision/", DecisionView.as_view(), name="application-decision"),
    path("applications/<int:pk>/reply/", ReplyView.as_view(), name="application-reply"),
]


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    router.register("review-assignments", ReviewAssignmentViewSet, basename="review-assignment")
    router.register("reviews", ReviewViewSet, basename="review")
