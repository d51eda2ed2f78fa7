"""REST API of final reports (mounted under /api/v1/final-reports/).

Members of the applicant organisation read the reports of its awards; its PI writes the draft (PUT, the whole
report: the lists replace the saved ones) and submits it (POST .../submit/). Call managers and allocation admins
list and read every report, filtered by ``state`` (overdue, due, submitted). Anybody else gets 404. The same
services as the pages, so the same checks and messages.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from allocations.models.reports import FinalReport, OutputKind, Publication, ReleasedOutput
from allocations.postaward.reports import selectors, services

# --- serializers --------------------------------------------------------------------------------------------------


class PublicationSerializer(serializers.ModelSerializer):
    doi = serializers.CharField(max_length=200, help_text="A DOI such as 10.1234/abcd; a doi.org link is accepted.")
    venue = serializers.CharField(max_length=200, allow_blank=True, default="")

    class Meta:
        model = Publication
        fields = ["doi", "title", "venue", "year"]


class ReleasedOutputSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=OutputKind.choices)

    class Meta:
        model = ReleasedOutput
        fields = ["kind", "title", "url", "licence"]


class FinalReportSerializer(serializers.ModelSerializer):
    application = serializers.CharField(source="award.application.reference", read_only=True)
    overdue = serializers.SerializerMethodField()
    publications = PublicationSerializer(many=True, read_only=True)
    outputs = ReleasedOutputSerializer(many=True, read_only=True)

    class Meta:
        model = FinalReport
        fields = [
            "id",
            "award",
            "application",
            "due_on",
            "status",
            "overdue",
            "achievements",
            "hours_usage",
            "acknowledgement_confirmed",
            "publications",
            "outputs",
            "submitted_at",
        ]
        read_only_fields = fields

    def get_overdue(self, report) -> bool:
        return report.is_draft and report.due_on < timezone.localdate()


class FinalReportWriteSerializer(serializers.Serializer):
    achievements = serializers.CharField(allow_blank=True, default="", max_length=100_000)
    hours_usage = serializers.CharField(allow_blank=True, default="", max_length=100_000)
    acknowledgement_confirmed = serializers.BooleanField(default=False)
    publications = PublicationSerializer(many=True, default=list)
    outputs = ReleasedOutputSerializer(many=True, default=list)


class StaffFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["", *selectors.STAFF_STATES], required=False, default="")


# --- views --------------------------------------------------------------------------------------------------------


class FinalReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Final reports of ended awards. Members of the applicant organisation see theirs; call managers and
    allocation admins see every report and may filter by ``state``."""

    serializer_class = FinalReportSerializer

    def _is_staff(self) -> bool:
        return selectors.staff_access(self.request.user) == "staff"

    def get_queryset(self):
        if self._is_staff():
            return selectors.reports_for_staff(today=timezone.localdate(), state=self._state())
        return selectors.reports_for_member(user=self.request.user)

    def _state(self) -> str:
        if self.action != "list":
            return ""
        params = StaffFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return params.validated_data["state"]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                enum=list(selectors.STAFF_STATES),
                description="Staff only: overdue (a draft past its due date), due (a draft not yet overdue), "
                "submitted.",
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        self._state()  # a bad filter is a 400 for everybody
        return super().list(request, *args, **kwargs)

    @extend_schema(request=FinalReportWriteSerializer, responses={200: FinalReportSerializer})
    def update(self, request, pk=None):
        """The PI saves the draft: every field; the lists replace the saved publications and outputs."""
        report = self._member_report()
        serializer = FinalReportWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.final_report_save(report_id=report.pk, by=request.user, **serializer.validated_data)
        return Response(FinalReportSerializer(self._member_report()).data)

    @extend_schema(request=None, responses={200: FinalReportSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """The PI submits the saved draft: achievements, use of the hours and the acknowledgement are required."""
        report = self._member_report()
        services.final_report_submit(report_id=report.pk, by=request.user)
        return Response(FinalReportSerializer(self._member_report()).data)

    def _member_report(self) -> FinalReport:
        """Writes go through the member's own reports, so staff without membership get 404, not 403."""
        try:
            return selectors.report_for_member(user=self.request.user, pk=int(self.kwargs["pk"]))
        except (FinalReport.DoesNotExist, ValueError):
            raise NotFound() from None


urlpatterns: list = []


def register(router) -> None:
    """Register this module's viewsets on the shared /api/v1/ router."""
    router.register("final-reports", FinalReportViewSet, basename="final-report")
