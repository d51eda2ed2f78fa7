from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from accounts.countries import ELIGIBLE_COUNTRIES
from accounts.models import Membership, Organisation, User


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "date_joined", "roles"]
        read_only_fields = fields

    def get_roles(self, user) -> list[str]:
        return sorted(user.groups.values_list("name", flat=True))


class OrganisationSerializer(serializers.ModelSerializer):
    country = CountryField(countries=ELIGIBLE_COUNTRIES())
    my_role = serializers.SerializerMethodField()

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
        ]
        read_only_fields = ["id", "created_at", "my_role"]

    def get_my_role(self, organisation) -> str | None:
        request = self.context.get("request")
        if request is None:
            return None
        return (
            Membership.objects.filter(organisation=organisation, user=request.user)
            .values_list("role", flat=True)
            .first()
        )

    def validate(self, attrs):
        # Checks that need several fields (VAT against country) run in the service via Model.full_clean.
        return attrs


class MemberSerializer(serializers.ModelSerializer):
    user = UserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]
        read_only_fields = fields
