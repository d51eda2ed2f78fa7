"""Demo terms of access: the platform terms (with German and French translations) and an acceptable-use policy per
Gigafactory, published by carol in January 2025; every demo applicant accepts them, through the services, so the
grants of the demo are provisioned and their offers accepted as the gates ask.

Idempotent: a document that has a version is left alone; an acceptance is recorded once.
"""

import datetime as dt

from django.db import transaction

from accounts.models import Membership, User
from allocations.models import Gigafactory
from allocations.models.terms import TermsKind, TermsVersion
from allocations.terms import selectors, services

PUBLISHED = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)

PLATFORM = """## 1. Purpose
Access to the EU AI Gigafactories is awarded for the project described in the application, for research,
innovation and the development of AI models and applications in the European Union.

## 2. Your commitments
* Use the hours for the awarded project only, and only through the accounts given to your team.
* Keep your credentials to yourself; tell the Gigafactory at once if they may have been compromised.
* Respect the law of the hosting country and of the European Union, including export control rules.
* Do not use the resources or results for military purposes.

## 3. Results and acknowledgement
Publications and released models, datasets or code carry the acknowledgement: *"We acknowledge the EuroHPC Joint
Undertaking for awarding this project access to the EU AI Gigafactories."* A final report is due within 60 days of
the end of the award.

## 4. Personal data
The portal processes your data as its [privacy notice](/privacy/) explains.
"""

PLATFORM_DE = """## 1. Zweck
Der Zugang zu den EU-KI-Gigafabriken wird für das im Antrag beschriebene Projekt gewährt.

## 2. Ihre Pflichten
* Nutzen Sie die Stunden nur für das bewilligte Projekt und nur über die Konten Ihres Teams.
* Geben Sie Ihre Zugangsdaten nicht weiter.
* Keine Nutzung für militärische Zwecke.
"""

PLATFORM_FR = """## 1. Objet
L'accès aux gigafabriques d'IA de l'UE est accordé pour le projet décrit dans la demande.

## 2. Vos engagements
* Utilisez les heures pour le projet retenu uniquement, et seulement par les comptes de votre équipe.
* Gardez vos identifiants pour vous.
* Aucune utilisation à des fins militaires.
"""

POLICY = """## Acceptable use of {name}
* Jobs run through Slurm only; no long-running services on the login nodes.
* No cryptocurrency mining, no attempts to reach other users' data, no scanning of the site's network.
* Data you store on the site is kept for 90 days after the end of your grant, then deleted.
* The site may suspend a job or an account that endangers the service, and tells the PI why.
"""


def _publish(*, kind, gigafactory, title, body, by, **translations) -> None:
    if TermsVersion.objects.filter(kind=kind, gigafactory=gigafactory).exists():
        return
    version = services.terms_version_create(
        kind=kind, gigafactory=gigafactory, by=by, title=title, body=body, **translations
    )
    services.terms_version_publish(version_id=version.pk, by=by, now=PUBLISHED)


def seed(stdout) -> None:
    carol = User.objects.filter(email="carol@demo.gigafactory.eu").first()
    if carol is None:
        stdout.write("  no carol: terms of access skipped")
        return
    with transaction.atomic():
        _publish(
            kind=TermsKind.PLATFORM,
            gigafactory=None,
            by=carol,
            title="Terms of access to the EU AI Gigafactories",
            body=PLATFORM,
            title_de="Zugangsbedingungen der EU-KI-Gigafabriken",
            body_de=PLATFORM_DE,
            title_fr="Conditions d'accès aux gigafabriques d'IA de l'UE",
            body_fr=PLATFORM_FR,
        )
        gigafactories = list(Gigafactory.objects.order_by("name"))
        for gigafactory in gigafactories:
            _publish(
                kind=TermsKind.ACCEPTABLE_USE,
                gigafactory=gigafactory,
                by=carol,
                title=f"Acceptable-use policy of {gigafactory.name}",
                body=POLICY.format(name=gigafactory.name),
            )
        # Every demo applicant (a member of an organisation) accepts what is current, the day after publication, so
        # the demo's history accepts its offers and provisions its teams as the gates ask.
        applicants = User.objects.filter(pk__in=Membership.objects.values("user_id")).order_by("pk")
        accepted = 0
        for user in applicants:
            pending = selectors.pending_versions(user=user, gigafactory_ids=[g.pk for g in gigafactories])
            if pending:
                services.terms_accept(
                    user=user, version_ids=[v.pk for v in pending], by=user, now=PUBLISHED + dt.timedelta(days=1)
                )
                accepted += 1
    stdout.write(f"  terms of access: {len(gigafactories) + 1} documents, {accepted} applicants accepted them")
