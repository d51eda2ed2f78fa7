"""/api/v1/me/, /api/v1/organisations/ and invitations. Members read, owners write; others get 404."""

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import Organisation
from accounts.serializers import (
    InvitationAnswerSerializer,
    InvitationSerializer,
    OrganisationMemberSerializer,
    OrganisationSerializer,
    UserSerializer,
)


class MeView(RetrieveAPIView):
    """The authenticated user, with their platform roles."""

    serializer_class = UserSerializer

    def get_object(self):
        return self.request.user


class OrganisationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Organisations you belong to. Anyone may register one (and becomes its owner); owners edit it."""

    serializer_class = OrganisationSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Organisation.objects.none()
        return selectors.organisations_for_user(user=self.request.user)

    def _require_owner(self, organisation) -> None:
        if not selectors.is_owner(user=self.request.user, organisation=organisation):
            raise PermissionDenied("Only owners of the organisation can do this.")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = services.organisation_create(by=request.user, **serializer.validated_data)
        organisation = self.get_queryset().get(pk=organisation.pk)
        return Response(self.get_serializer(organisation).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        organisation = self.get_object()
        self._require_owner(organisation)
        serializer = self.get_serializer(organisation, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.organisation_update(organisation=organisation, by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=organisation.pk)).data)

    @extend_schema(responses=OrganisationMemberSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        """Members of the organisation, owners first (any member may read)."""
        organisation = self.get_object()
        page = self.paginate_queryset(selectors.members_of(organisation=organisation))
        return self.get_paginated_response(OrganisationMemberSerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"], responses=InvitationSerializer(many=True), summary="Pending invitations (owners only)"
    )
    @extend_schema(
        methods=["POST"],
        request=InvitationSerializer,
        responses={201: InvitationSerializer},
        summary="Invite someone by email (owners only); the link is emailed and expires in 7 days",
    )
    @action(detail=True, methods=["get", "post"], serializer_class=InvitationSerializer)
    def invitations(self, request, pk=None):
        organisation = self.get_object()
        self._require_owner(organisation)
        if request.method == "GET":
            page = self.paginate_queryset(selectors.pending_invitations(organisation=organisation))
            return self.get_paginated_response(InvitationSerializer(page, many=True).data)
        serializer = InvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            organisation=organisation,
            email=serializer.validated_data["email"],
            role=serializer.validated_data.get("role", "member"),
            by=request.user,
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationAnswerView(APIView):
    """Accept or decline an invitation with the token from its link. Single use; only for the invited address."""

    @extend_schema(
        request=InvitationAnswerSerializer,
        responses={200: InvitationSerializer, 400: OpenApiResponse(description="Field errors, e.g. on `token`")},
    )
    def post(self, request):
        serializer = InvitationAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        respond = (
            services.invitation_accept
            if serializer.validated_data["answer"] == "accept"
            else services.invitation_decline
        )
        invitation = respond(token=serializer.validated_data["token"], by=request.user)
        return Response(InvitationSerializer(invitation).data)


urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("invitations/answer/", InvitationAnswerView.as_view(), name="invitation-answer"),
]


def register(router) -> None:
    router.register("organisations", OrganisationViewSet, basename="organisation")
