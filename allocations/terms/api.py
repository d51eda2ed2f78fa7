"""REST API of the terms of access (mounted under /api/v1/).

- ``GET terms/``: the current version of every document (the platform terms, each Gigafactory's acceptable-use
  policy), ``?gigafactory=<slug>`` for the platform terms and that site's policy; ``GET terms/{id}/``: any published
  version (drafts are 404). Anyone signed in.
- ``GET terms-acceptances/``: what you accepted; ``POST terms-acceptances/`` ``{"version": id}`` accepts a current
  version (201; 200 when you had accepted it already; 400 for a version that is not current).
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from allocations.models import Gigafactory
from allocations.models.terms import TermsAcceptance, TermsStatus, TermsVersion
from allocations.terms import selectors, services


class TermsVersionSerializer(serializers.ModelSerializer):
    gigafactory = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The site of an acceptable-use policy; null: platform terms.",
    )
    document = serializers.CharField(source="document_label", read_only=True)
    is_current = serializers.SerializerMethodField()
    accepted = serializers.SerializerMethodField(help_text="Whether you accepted this version.")

    class Meta:
        model = TermsVersion
        fields = [
            "id",
            "kind",
            "gigafactory",
            "document",
            "number",
            "title",
            "body",
            "title_de",
            "body_de",
            "title_fr",
            "body_fr",
            "changes",
            "published_at",
            "is_current",
            "accepted",
        ]
        read_only_fields = fields

    def get_is_current(self, version) -> bool:
        return version.pk in self.context["current_ids"]

    def get_accepted(self, version) -> bool:
        return version.pk in self.context["accepted_ids"]


class TermsAcceptanceSerializer(serializers.ModelSerializer):
    version = serializers.PrimaryKeyRelatedField(
        queryset=TermsVersion.objects.filter(status=TermsStatus.PUBLISHED),
        help_text="The id of the current version to accept.",
        error_messages={"does_not_exist": "No published terms version has this id."},
    )
    document = serializers.CharField(source="version.document_label", read_only=True)
    number = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = TermsAcceptance
        fields = ["id", "version", "document", "number", "accepted_at", "language"]
        read_only_fields = ["id", "document", "number", "accepted_at", "language"]


@extend_schema(
    parameters=[OpenApiParameter("gigafactory", str, description="A Gigafactory's slug: its policy and the terms.")]
)
class TermsVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """The terms of access: the current versions (list) and any published version (retrieve)."""

    serializer_class = TermsVersionSerializer

    def get_queryset(self):
        return TermsVersion.objects.filter(status=TermsStatus.PUBLISHED).select_related("gigafactory").order_by("pk")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        current = selectors.current_versions()
        context["current_ids"] = {v.pk for v in current.values()}
        user = self.request.user if self.request and self.request.user.is_authenticated else None
        context["accepted_ids"] = set(
            TermsAcceptance.objects.filter(user=user).values_list("version_id", flat=True) if user else ()
        )
        return context

    def list(self, request, *args, **kwargs):
        current = selectors.current_versions()
        slug = request.query_params.get("gigafactory", "")
        if slug:
            gigafactory = Gigafactory.objects.filter(slug=slug[:120]).first()
            if gigafactory is None:
                raise NotFound("No Gigafactory has this slug.")
            wanted = selectors.required_documents([gigafactory.pk])
            versions = [current[doc] for doc in wanted if doc in current]
        else:
            versions = sorted(current.values(), key=lambda v: (v.kind != "platform", v.gigafactory_id or 0))
        page = self.paginate_queryset(versions)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)


class TermsAcceptanceViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Your acceptances of the terms of access (newest first); accept a current version."""

    serializer_class = TermsAcceptanceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return TermsAcceptance.objects.none()
        return selectors.acceptances_of(user=self.request.user)

    @extend_schema(
        responses={
            201: TermsAcceptanceSerializer,
            200: OpenApiResponse(TermsAcceptanceSerializer, description="Accepted before: the first acceptance."),
        }
    )
    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = data.validated_data["version"]
        existed = TermsAcceptance.objects.filter(user=request.user, version=version).exists()
        (acceptance,) = services.terms_accept(
            user=request.user,
            version_ids=[version.pk],
            by=request.user,
            language=(request.LANGUAGE_CODE or "en")[:2],
        )
        return Response(
            self.get_serializer(acceptance).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )


urlpatterns: list = []


def register(router) -> None:
    """Register this module's viewsets on the shared /api/v1/ router."""
    router.register("terms", TermsVersionViewSet, basename="terms")
    router.register("terms-acceptances", TermsAcceptanceViewSet, basename="terms-acceptance")
