from rest_framework import serializers

from reviews.models import PanelDecision, Review, ReviewAssignment
from reviews.selectors import latest_submitted


class AssignmentApplicationSerializer(serializers.Serializer):
    """What a reviewer sees of the application before declaring: enough to judge a conflict of interest."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField(source="display_title")
    organisation = serializers.CharField(source="organisation.legal_name")
    call = serializers.CharField(source="call.slug")


class ReviewAssignmentSerializer(serializers.ModelSerializer):
    application = AssignmentApplicationSerializer(read_only=True)
    review = serializers.SerializerMethodField()

    class Meta:
        model = ReviewAssignment
        fields = ["id", "application", "status", "due_on", "created_at", "responded_at", "completed_at", "review"]

    def get_review(self, assignment) -> int | None:
        """The id of the review to GET/PUT: the draft being written, else the latest submitted version."""
        reviews = list(assignment.reviews.all())
        draft = next((r for r in reviews if r.status == "draft"), None)
        current = draft or latest_submitted(reviews)
        return current.pk if current else None


class AcceptSerializer(serializers.Serializer):
    no_conflict = serializers.BooleanField(
        help_text="Must be true: you declare that you have no conflict of interest with the application."
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ReviewSerializer(serializers.ModelSerializer):
    scores = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        required=False,
        help_text="Score per rubric criterion id, on the call's scale.",
    )
    comment_for_applicant = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    comment_for_panel = serializers.CharField(required=False, allow_blank=True, max_length=10_000)

    class Meta:
        model = Review
        fields = [
            "id",
            "assignment",
            "version",
            "status",
            "scores",
            "comment_for_applicant",
            "comment_for_panel",
            "amendment_reason",
            "submitted_at",
            "updated_at",
        ]
        read_only_fields = ["id", "assignment", "version", "status", "amendment_reason", "submitted_at", "updated_at"]


class PanelMoveSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    justification = serializers.CharField()
    moved_by = serializers.CharField()
    created_at = serializers.DateTimeField()


class PanelRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    application = serializers.IntegerField(source="application.pk")
    reference = serializers.CharField(source="application.reference")
    title = serializers.CharField(source="application.display_title")
    organisation = serializers.CharField(source="application.organisation.legal_name")
    status = serializers.CharField(source="application.status")
    submitted_at = serializers.DateTimeField(source="application.submitted_at")
    weighted_score = serializers.CharField(source="weighted_text")
    minimum_score = serializers.CharField(source="minimum_text")
    criterion_scores = serializers.ListField(child=serializers.CharField(), source="criterion_texts")
    review_count = serializers.IntegerField()
    meets_threshold = serializers.BooleanField(source="summary.meets_threshold", allow_null=True)
    spread_flagged = serializers.BooleanField(source="flagged")
    moves = PanelMoveSerializer(many=True)
    decision = serializers.CharField(source="decision.decision", allow_null=True, default=None)


class PanelSerializer(serializers.Serializer):
    call = serializers.CharField(source="call.slug")
    cutoff = serializers.DateTimeField(source="cutoff.at", allow_null=True, default=None)
    criteria = serializers.SerializerMethodField()
    tie_break = serializers.SerializerMethodField()
    threshold = serializers.CharField(source="threshold_text")
    rows = PanelRowSerializer(many=True)

    def get_criteria(self, panel) -> list[dict]:
        return [{"id": c.pk, "name": c.name, "weight": c.weight, "threshold": c.threshold} for c in panel.criteria]

    def get_tie_break(self, panel) -> str:
        return (
            "weighted score, then higher minimum criterion score, then earlier submission, then lower id; "
            "unscored applications follow in submission order; the chair's moves apply last"
        )


class DecisionRequestSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approved", "waitlisted", "rejected"])
    justification = serializers.CharField(max_length=5000)


class DecisionSerializer(serializers.ModelSerializer):
    application = serializers.IntegerField(source="application_id")

    class Meta:
        model = PanelDecision
        fields = ["application", "decision", "rank", "justification", "decided_at"]


class ReplyRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class ReplySerializer(serializers.Serializer):
    application = serializers.IntegerField(source="application_id")
    text = serializers.CharField()
    replied_at = serializers.DateTimeField()
    application_status = serializers.CharField(source="application.status")
