"""Serializers of the call designer API. They parse; the rules live in the services (same messages as the pages)."""

from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from accounts.countries import ELIGIBLE_COUNTRIES
from accounts.models import OrganisationType
from allocations.applications.serializers import CallDetailSerializer
from allocations.models import AccessMode, CallDocumentSlot, CallQuestion, Gigafactory, QuestionKind


class CriterionInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    weight = serializers.IntegerField()
    threshold = serializers.IntegerField()


class QuestionSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    choices = serializers.ListField(child=serializers.CharField(max_length=200), required=False)

    class Meta:
        model = CallQuestion
        fields = [
            "id",
            "kind",
            "label",
            "help_text",
            "required",
            "position",
            "max_length",
            "word_limit",
            "min_value",
            "max_value",
            "unit",
            "choices",
            "scientific",
            "step",
        ]
        read_only_fields = ["id", "position"]
        extra_kwargs = {"label": {"allow_blank": True, "validators": []}}

    def validate(self, attrs):
        return attrs  # the service checks the question as a whole


class SlotSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallDocumentSlot
        fields = ["id", "name", "help_text", "required", "max_size_mb", "position"]
        read_only_fields = ["id", "position"]
        extra_kwargs = {"name": {"allow_blank": True}, "max_size_mb": {"validators": []}}


class CallWriteSerializer(serializers.Serializer):
    """Create (POST) or change (PATCH) a call. ``cutoffs`` and ``criteria`` replace the call's lists."""

    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=120, required=False, allow_blank=True)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    access_mode = serializers.SlugRelatedField(slug_field="code", queryset=AccessMode.objects.all())
    gigafactories = serializers.SlugRelatedField(slug_field="slug", queryset=Gigafactory.objects.all(), many=True)
    opens_at = serializers.DateTimeField()
    is_continuous = serializers.BooleanField(required=False)
    eligible_countries = serializers.ListField(child=CountryField(countries=ELIGIBLE_COUNTRIES()), required=False)
    eligible_organisation_types = serializers.ListField(
        child=serializers.ChoiceField(choices=OrganisationType.choices), required=False
    )
    min_request_gpu_hours = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    max_request_gpu_hours = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    allowed_durations_months = serializers.ListField(child=serializers.IntegerField(), required=False)
    score_min = serializers.IntegerField(required=False)
    score_max = serializers.IntegerField(required=False)
    max_applications_per_organisation = serializers.IntegerField(min_value=0, required=False)
    reviewers_per_application = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    reply_window_days = serializers.IntegerField(min_value=0, required=False)
    blind_review = serializers.BooleanField(required=False)
    pool_gpu_hours_per_quarter = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    awards_confidential = serializers.BooleanField(required=False)
    cutoffs = serializers.ListField(child=serializers.DateTimeField(), required=False)
    criteria = CriterionInSerializer(many=True, required=False)
    questions = QuestionSerializer(many=True, required=False, write_only=True)
    document_slots = SlotSerializer(many=True, required=False, write_only=True)

    def call_values(self) -> dict:
        data = dict(self.validated_data)
        for name in ("gigafactories", "cutoffs", "criteria", "questions", "document_slots"):
            data.pop(name, None)
        if "eligible_countries" in data:
            data["eligible_countries"] = [str(c) for c in data["eligible_countries"]]
        return data


class CallDesignSerializer(CallDetailSerializer):
    """A call as its designers read it: every setting, the working questions and document slots, the version."""

    questions = serializers.SerializerMethodField()
    document_slots = serializers.SerializerMethodField()

    class Meta(CallDetailSerializer.Meta):
        fields = [
            *CallDetailSerializer.Meta.fields,
            "allowed_durations_months",
            "reviewers_per_application",
            "reply_window_days",
            "blind_review",
            "pool_gpu_hours_per_quarter",
            "awards_confidential",
            "form_version",
            "questions",
            "document_slots",
        ]

    def _published(self, call, key: str) -> list[dict] | None:
        if self.context.get("designer"):
            return None
        version = call.form_versions.filter(number=call.form_version).first()
        return getattr(version, key) if version else []

    def get_questions(self, call) -> list[dict]:
        """Designers read the working questions; everybody else the published version's (what applicants answer)."""
        published = self._published(call, "questions")
        if published is not None:
            return published
        return QuestionSerializer(call.questions.filter(retired=False).order_by("position", "id"), many=True).data

    def get_document_slots(self, call) -> list[dict]:
        published = self._published(call, "document_slots")
        if published is not None:
            return published
        return SlotSerializer(call.document_slots.filter(retired=False).order_by("position", "id"), many=True).data
