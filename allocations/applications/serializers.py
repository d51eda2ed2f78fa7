from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from accounts.countries import ELIGIBLE_COUNTRIES
from accounts.models import Organisation
from allocations.applications.selectors import event_actor
from allocations.models import (
    SECTION_FIELDS,
    AccessMode,
    AIDomain,
    Application,
    ApplicationEvent,
    Attachment,
    AttachmentKind,
    Call,
    Gigafactory,
    LegalBasis,
    RubricCriterion,
    Section,
    TeamRole,
)


class GigafactorySerializer(serializers.ModelSerializer):
    host_country = CountryField(countries=ELIGIBLE_COUNTRIES())

    class Meta:
        model = Gigafactory
        fields = ["slug", "name", "host_country", "site", "accelerator_model", "accelerator_count", "status"]


class AccessModeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessMode
        fields = [
            "code",
            "name",
            "min_request_gpu_hours",
            "max_request_gpu_hours",
            "max_duration_months",
            "reviewers_required",
            "right_to_reply",
        ]


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RubricCriterion
        fields = ["name", "description", "weight", "threshold"]


class CallSerializer(serializers.ModelSerializer):
    access_mode = AccessModeSerializer(read_only=True)
    gigafactories = GigafactorySerializer(many=True, read_only=True)
    next_cutoff = serializers.DateTimeField(source="next_cutoff_at", read_only=True, allow_null=True)
    request_min_gpu_hours = serializers.IntegerField(source="request_min", read_only=True)
    request_max_gpu_hours = serializers.IntegerField(source="request_max", read_only=True)
    eligible_countries = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "slug",
            "title",
            "summary",
            "status",
            "access_mode",
            "gigafactories",
            "opens_at",
            "next_cutoff",
            "is_continuous",
            "request_min_gpu_hours",
            "request_max_gpu_hours",
            "eligible_countries",
            "eligible_organisation_types",
            "max_applications_per_organisation",
        ]

    def get_eligible_countries(self, call) -> list[str]:
        return [c.code for c in call.eligible_countries]


class CallDetailSerializer(CallSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)
    cutoffs = serializers.SerializerMethodField()

    class Meta(CallSerializer.Meta):
        fields = [*CallSerializer.Meta.fields, "description", "score_min", "score_max", "criteria", "cutoffs"]

    def get_cutoffs(self, call) -> list[str]:
        return [c.at.isoformat() for c in call.cutoffs.all()]


class MemberSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=TeamRole.choices, default=TeamRole.RESEARCHER)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(help_text="Email of the applicant-side person who acted; null for staff")
    actor_label = serializers.SerializerMethodField(help_text="Who acted: a person, a staff role or the portal")

    class Meta:
        model = ApplicationEvent
        fields = ["action", "from_status", "to_status", "actor", "actor_label", "comment", "created_at"]

    def to_representation(self, instance):
        instance.shown_actor = event_actor(instance, pi_id=instance.application.pi_id)  # read by both fields
        return super().to_representation(instance)

    def get_actor(self, event) -> str | None:
        user, _label = event.shown_actor
        return user.email if user else None

    def get_actor_label(self, event) -> str:
        return event.shown_actor[1]


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "kind", "slot", "original_name", "size", "sha256", "uploaded_at"]


class AttachmentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[AttachmentKind.TECHNICAL_ANNEX, AttachmentKind.CV], required=False, help_text="Calls without slots"
    )
    slot = serializers.IntegerField(required=False, help_text="The id of one of the call's document slots")
    file = serializers.FileField()


class ApplicationSerializer(serializers.ModelSerializer):
    """Read: the whole application. Write (PATCH, drafts only): any section fields with that section's
    ``<section>_version`` as last read; a stale version gives 409 with the newer values."""

    call = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    organisation = serializers.PrimaryKeyRelatedField(read_only=True)
    # Length limits are checked by the model in the service, with the same messages as the web form.
    abstract = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    ai_domain = serializers.ChoiceField(choices=AIDomain.choices, allow_blank=True, required=False)
    personal_data_legal_basis = serializers.ChoiceField(choices=LegalBasis.choices, allow_blank=True, required=False)
    keywords = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    members = MemberSerializer(many=True, required=False)
    preferred_gigafactory = serializers.SlugRelatedField(
        slug_field="slug", queryset=Gigafactory.objects.all(), allow_null=True, required=False
    )
    events = EventSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    project_version = serializers.IntegerField(required=False, min_value=0)
    team_version = serializers.IntegerField(required=False, min_value=0)
    resources_version = serializers.IntegerField(required=False, min_value=0)
    ethics_version = serializers.IntegerField(required=False, min_value=0)
    questions_version = serializers.IntegerField(required=False, min_value=0)
    answers = serializers.DictField(
        required=False, help_text="Answers to the call's questions, keyed by question id (see the call's questions)"
    )
    form_version = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "call",
            "organisation",
            "status",
            "reference",
            "submitted_at",
            "created_at",
            "updated_at",
            *[name for fields in SECTION_FIELDS.values() for name in fields],
            "members",
            "project_version",
            "team_version",
            "resources_version",
            "ethics_version",
            "questions_version",
            "form_version",
            "attachments",
            "events",
        ]
        read_only_fields = ["id", "status", "reference", "submitted_at", "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["members"] = [{"email": m.email, "role": m.role} for m in instance.members.all()]
        return data

    def get_form_version(self, application) -> int | None:
        return application.form_version.number if application.form_version_id else None

    def section_changes(self) -> dict[str, tuple[int, dict]]:
        """Validated data grouped by section; raises a 400 when a touched section's version is missing."""
        data = dict(self.validated_data)
        changes: dict[str, tuple[int, dict]] = {}
        errors = {}
        for section, fields in SECTION_FIELDS.items():
            values = {name: data[name] for name in fields if name in data}
            if section == Section.TEAM and "members" in data:
                values["members"] = [dict(m) for m in data["members"]]
            if not values:
                continue
            version = data.get(f"{section}_version")
            if version is None:
                errors[f"{section}_version"] = [
                    f"Send {section}_version (from your last read) with changes to the {section} section."
                ]
                continue
            changes[section] = (version, values)
        if errors:
            raise serializers.ValidationError(errors)
        return changes


class ApplicationListSerializer(serializers.ModelSerializer):
    call = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Application
        fields = ["id", "call", "organisation", "status", "reference", "title", "acronym", "submitted_at", "updated_at"]


class ApplicationCreateSerializer(serializers.Serializer):
    call = serializers.SlugRelatedField(slug_field="slug", queryset=Call.objects.all())
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())


class SubmitSerializer(serializers.Serializer):
    declaration = serializers.BooleanField(default=False)


class WithdrawSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
