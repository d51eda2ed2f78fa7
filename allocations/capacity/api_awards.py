"""REST API of awards (mounted under /api/v1/awards/): GPU-seconds for a whole project with its slices, and the
shapes of a direct award from a partner's pool (the action lives on the pools, in ``api.py``)."""

from rest_framework import serializers, viewsets

from allocations.capacity import selectors
from allocations.models.capacity import Award, Grant


class AwardSliceSerializer(serializers.ModelSerializer):
    period = serializers.StringRelatedField()
    left_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Grant
        fields = ["id", "period", "starts_on", "ends_on", "granted_seconds", "left_seconds", "status"]

    def get_left_seconds(self, grant) -> int:
        return selectors.pool_balance(grant.account)


class AwardSerializer(serializers.ModelSerializer):
    application = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    gigafactory = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    access_mode = serializers.SlugRelatedField(slug_field="code", read_only=True)
    partner = serializers.StringRelatedField()
    total_hours = serializers.IntegerField(read_only=True)
    slices = AwardSliceSerializer(many=True, read_only=True)

    class Meta:
        model = Award
        fields = [
            "id",
            "application",
            "gigafactory",
            "kind",
            "access_mode",
            "partner",
            "total_seconds",
            "total_hours",
            "scaled_down_seconds",
            "starts_on",
            "ends_on",
            "justification",
            "created_at",
            "slices",
        ]


class DirectAwardSerializer(serializers.Serializer):
    """A direct award from a partner's pool: the application's reference, GPU-hours over the project and why."""

    application = serializers.CharField(max_length=40, help_text="Reference of an approved or waitlisted application.")
    hours = serializers.IntegerField(min_value=1, help_text="GPU-hours over the whole project, sliced per quarter.")
    justification = serializers.CharField(max_length=2000)


class AwardViewSet(viewsets.ReadOnlyModelViewSet):
    """Awards: GPU-seconds for a whole project, with its slices (one grant per quarter). Members of the applicant
    organisation, allocation admins and, for awards from their partner's pools, the partner's contacts; anybody
    else gets 404."""

    serializer_class = AwardSerializer

    def get_queryset(self):
        return selectors.awards_for_user(user=self.request.user)
