"""GET /api/v1/audit-events/: the audit trail, read-only, with the page's filters and access rule."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError

from audit.forms import AuditFilterForm
from audit.models import AuditEvent
from audit.rules import readable_object_types
from audit.selectors import audit_events


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "object_type", "object_id", "object_label", "changes"]


class AuditFilterSerializer(serializers.Serializer):
    actor = serializers.CharField(required=False, help_text="Part of the actor's email address")
    object_type = serializers.CharField(required=False)
    object_id = serializers.CharField(required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)


@extend_schema(parameters=[AuditFilterSerializer])
class AuditEventList(generics.ListAPIView):
    """Superusers read every event; call managers calls, organisations and memberships; allocation admins
    organisations and memberships. Others get 403."""

    serializer_class = AuditEventSerializer
    queryset = AuditEvent.objects.none()  # for the schema; get_queryset applies the access rule

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        readable = readable_object_types(self.request.user)
        if not readable:
            raise PermissionDenied(_("The audit trail is for superusers, call managers and allocation admins."))
        form = AuditFilterForm(self.request.query_params, readable=readable)
        if not form.is_valid():
            raise ValidationError({name: [str(message) for message in errors] for name, errors in form.errors.items()})
        return audit_events(readable=readable, **{name: value for name, value in form.cleaned_data.items() if value})


urlpatterns = [path("audit-events/", AuditEventList.as_view(), name="audit-events")]


def register(router) -> None:
    """No viewsets."""
