"""REST API of change requests (mounted under /api/v1/change-requests/).

Members of the grant's organisation list and read its requests; the grant's PI makes them; the other party consents
or declines, the PI withdraws (``respond``); allocation admins (MFA passed) read every request and approve or refuse
(``decide``). Requests of other organisations do not exist for a user (404). The same services as the pages, so the
same checks and messages (400 with field errors).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.roles import is_allocation_admin
from allocations.capacity.selectors import grants_for_user
from allocations.models.capacity import Grant
from allocations.models.changes import ChangeAction, ChangeKind, ChangeRequest, TeamOperation
from allocations.postaward.changes import selectors, services
from allocations.postaward.changes.forms import MAX_HOURS, ChangeRequestFilter
from allocations.postaward.changes.views import APPLICANT_ACTIONS
from portal.units import gpu_seconds

STAFF_ACTIONS = (ChangeAction.APPROVE, ChangeAction.REFUSE)


class ChangeRequestSerializer(serializers.ModelSerializer):
    grant = serializers.PrimaryKeyRelatedField(read_only=True)
    target_grant = serializers.PrimaryKeyRelatedField(read_only=True)
    person_email = serializers.EmailField(source="person.email", read_only=True, allow_null=True, default=None)
    actions = serializers.SerializerMethodField(help_text="What the caller may do now.")

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "grant",
            "kind",
            "status",
            "justification",
            "created_at",
            "updated_at",
            "new_ends_on",
            "previous_ends_on",
            "amount_seconds",
            "target_grant",
            "person_email",
            "team_operation",
            "consent_at",
            "decided_at",
            "decision_reason",
            "actions",
        ]
        read_only_fields = fields

    def get_actions(self, change) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        user = request.user
        return [a.value for a in selectors.available_actions(user=user, request=change)]


class ChangeRequestCreateSerializer(serializers.Serializer):
    grant = serializers.PrimaryKeyRelatedField(queryset=Grant.objects.none())
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    justification = serializers.CharField(max_length=4000)
    new_ends_on = serializers.DateField(required=False, help_text="Extension: the new end (exclusive).")
    hours = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_HOURS, help_text="Supplement and transfer: GPU-hours."
    )
    target_grant = serializers.PrimaryKeyRelatedField(
        queryset=Grant.objects.none(), required=False, help_text="Transfer: the receiving grant."
    )
    person_email = serializers.EmailField(required=False, help_text="Team change: the member; PI change: the new PI.")
    team_operation = serializers.ChoiceField(choices=TeamOperation.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema generator
            return
        visible = grants_for_user(user=request.user)
        self.fields["grant"].queryset = visible
        self.fields["target_grant"].queryset = visible


class ActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[])
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(a.value, a.label) for a in actions]


class RespondSerializer(ActionSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, actions=sorted(APPLICANT_ACTIONS), **kwargs)


class DecideSerializer(ActionSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, actions=STAFF_ACTIONS, **kwargs)


class ChangeRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Change requests on running grants: extension, supplement, transfer, team change, PI change."""

    serializer_class = ChangeRequestSerializer
    filterset_class = ChangeRequestFilter

    def get_queryset(self):
        if is_allocation_admin(self.request.user):
            return selectors.requests_for_staff(user=self.request.user)
        return selectors.requests_for_user(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return ChangeRequestCreateSerializer
        return ChangeRequestSerializer

    @extend_schema(request=ChangeRequestCreateSerializer, responses={201: ChangeRequestSerializer})
    def create(self, request, *args, **kwargs):
        incoming = ChangeRequestCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        change = services.change_request_create(
            grant_id=data["grant"].pk,
            kind=data["kind"],
            justification=data["justification"],
            by=request.user,
            new_ends_on=data.get("new_ends_on"),
            amount_seconds=gpu_seconds(data["hours"]) if data.get("hours") else None,
            target_grant_id=data["target_grant"].pk if data.get("target_grant") else None,
            person_email=data.get("person_email", ""),
            team_operation=data.get("team_operation", ""),
        )
        out = ChangeRequestSerializer(self.get_queryset().get(pk=change.pk), context={"request": request})
        return Response(out.data, status=status.HTTP_201_CREATED)

    def _transition(self, serializer_class) -> Response:
        change = self.get_object()
        incoming = serializer_class(data=self.request.data)
        incoming.is_valid(raise_exception=True)
        change, _refused = services.change_transition(
            request_id=change.pk,
            action=incoming.validated_data["action"],
            by=self.request.user,
            reason=incoming.validated_data.get("reason", ""),
        )
        out = ChangeRequestSerializer(self.get_queryset().get(pk=change.pk), context={"request": self.request})
        return Response(out.data)

    @extend_schema(request=RespondSerializer, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        """The other party consents or declines; the grant's PI withdraws."""
        return self._transition(RespondSerializer)

    @extend_schema(request=DecideSerializer, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Allocation admins approve (the change is applied, or refused with the reason it cannot be) or refuse
        (with a reason)."""
        self.get_object()  # 404 for requests the caller cannot see
        if not is_allocation_admin(request.user):
            raise PermissionDenied(_("Only allocation admins decide on change requests."))
        return self._transition(DecideSerializer)


urlpatterns: list = []


def register(router) -> None:
    """Register this module's viewsets on the shared /api/v1/ router."""
    router.register("change-requests", ChangeRequestViewSet, basename="change-request")
