"""/api/v1/me/export/ and /api/v1/me/erase/: the authenticated person's own data, nobody else's."""

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from privacy import services
from privacy.export import export_build, export_filename


class ErasureRequestSerializer(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False, write_only=True, help_text="Your current password.")
    confirmation = serializers.CharField(max_length=254, help_text="Your email address, typed out.")


class ErasureSerializer(serializers.Serializer):
    pseudonym = serializers.CharField(help_text='What records show instead of you, e.g. "Erased user #12".')
    erased_at = serializers.DateTimeField()


class MeExportView(APIView):
    """Everything the portal holds about you, as a zip of JSON and CSV files (one of each per section)."""

    @extend_schema(
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The zip file.")},
        summary="Download my data",
    )
    def get(self, request):
        now = timezone.now()
        response = HttpResponse(export_build(user=request.user, now=now), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{export_filename(now)}"'
        response["Cache-Control"] = "no-store"
        return response


class MeEraseView(APIView):
    """Erase your account: refused (400, with every reason) while you hold a staff role, are on an offered,
    accepted or active grant, are the PI of an application still being decided, owe a final report or are the
    last owner of an organisation with other members. Every session and token of the account ends."""

    @extend_schema(request=ErasureRequestSerializer, responses={200: ErasureSerializer}, summary="Erase my account")
    def post(self, request):
        serializer = ErasureRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        erasure = services.account_erase(user=request.user, by=request.user, **serializer.validated_data)
        return Response(ErasureSerializer({"pseudonym": str(erasure), "erased_at": erasure.erased_at}).data)


urlpatterns = [
    path("me/export/", MeExportView.as_view(), name="me-export"),
    path("me/erase/", MeEraseView.as_view(), name="me-erase"),
]
