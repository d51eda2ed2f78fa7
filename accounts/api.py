"""/api/v1/me/ and /api/v1/organisations/ (members read, owners write; others get 404)."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response

from accounts import selectors, services
from accounts.serializers import MemberSerializer, OrganisationSerializer, UserSerializer


class MeView(RetrieveAPIView):
    """The authenticated user."""

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
    serializer_class = OrganisationSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.organisations_for_user(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = services.organisation_create(by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(organisation).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        organisation = self.get_object()
        if not selectors.is_owner(user=request.user, organisation=organisation):
            raise PermissionDenied("Only owners can edit the organisation.")
        serializer = self.get_serializer(organisation, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        organisation = services.organisation_update(
            organisation=organisation, by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(organisation).data)

    @extend_schema(responses=MemberSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        organisation = self.get_object()
        page = self.paginate_queryset(selectors.members_of(organisation=organisation))
        return self.get_paginated_response(MemberSerializer(page, many=True).data)


urlpatterns = [path("me/", MeView.as_view(), name="me")]


def register(router) -> None:
    router.register("organisations", OrganisationViewSet, basename="organisation")
