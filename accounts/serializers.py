from django.utils.translation import gettext_lazy as _
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from accounts.countries import ELIGIBLE_COUNTRIES
from accounts.models import Invitation, Membership, MembershipRole, Organisation, User

INELIGIBLE_COUNTRY = _("Choose an EU member state or a Horizon Europe associated country.")


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "orcid", "date_joined", "roles"]
        read_only_fields = fields

    def get_roles(self, user) -> list[str]:
        return sorted(user.groups.values_list("name", flat=True))


class OrganisationSerializer(serializers.ModelSerializer):
    country = CountryField(countries=ELIGIBLE_COUNTRIES(), error_messages={"invalid_choice": INELIGIBLE_COUNTRY})
    my_role = serializers.ChoiceField(
        choices=MembershipRole.choices,
        read_only=True,
        allow_null=True,
        help_text="Your role in the organisation.",
    )
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "legal_name",
            "short_name",
            "country",
            "type",
            "vat_number",
            "pic",
            "website",
            "founded_on",
            "created_at",
            "my_role",
            "member_count",
        ]
        read_only_fields = ["id", "created_at", "my_role", "member_count"]
        # Uniqueness is checked on the normalised number by the service, with the same message as the form.
        extra_kwargs = {"vat_number": {"validators": []}}
        # VAT against country, PIC format and the founding date are checked by Organisation.clean() in the
        # service; its ValidationError becomes a 400 with the same field errors as the form.


class OrganisationMemberUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name"]
        read_only_fields = fields


class OrganisationMemberSerializer(serializers.ModelSerializer):
    """A member as the other members see them (platform roles are not shown)."""

    user = OrganisationMemberUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]
        read_only_fields = fields


class InvitationSerializer(serializers.ModelSerializer):
    expires_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "organisation", "email", "role", "status", "created_at", "expires_at"]
        read_only_fields = ["id", "organisation", "status", "created_at", "expires_at"]


class InvitationAnswerSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The token from the invitation link (the last part of its path).")
    answer = serializers.ChoiceField(choices=[("accept", "accept"), ("decline", "decline")])
