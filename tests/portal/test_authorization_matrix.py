"""The authorization matrix: every route that takes an object id (pages from the URL resolver, API operations
from the OpenAPI schema) called by each of thirteen personas, against the expected status written in TABLE.

A route with a path parameter that is neither in TABLE nor in NOT_OBJECT_ROUTES fails the test, and so does an
API operation of the schema without its method in TABLE: a new route needs its row. Every request runs in a
savepoint that is rolled back, so writes (POST with an empty body, DELETE) never change the shared data set,
which is built once for the module.

Personas (columns of TABLE, in this order):
  anon   anonymous
  other  owner of another organisation (an applicant elsewhere)
  member member of the applicant's organisation, not owner, not PI
  pi     the PI, owner of the applicant's organisation
  rev    a reviewer not assigned to the application
  cfl    a reviewer who returned the assignment for a conflict of interest
  asg    the assigned reviewer who accepted (no conflict)
  cm     call manager
  aa     allocation admin
  fin    finance admin
  prt    contact of a ledger partner
  nomfa  a user with every staff role whose session did not pass TOTP (an authenticator exists)
  clu    a cluster token of another cluster
"""

import datetime as dt
import functools
import json
import logging
import os
import re
import uuid

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

# The mark makes pytest-django create the test database; each test also runs in its own rolled-back transaction.
pytestmark = pytest.mark.django_db

PERSONAS = ("anon", "other", "member", "pi", "rev", "cfl", "asg", "cm", "aa", "fin", "prt", "nomfa", "clu")
RECORD = os.environ.get("AUTHZ_MATRIX_RECORD") == "1"  # print the observed table instead of asserting

# Routes with a path parameter that does not name an object the portal guards per user.
NOT_OBJECT_ROUTES = {
    "account_confirm_email": "allauth: a signed e-mail confirmation key, not an object id",
    "account_reset_password_from_key": "allauth: a signed password-reset key, not an object id",
    "invitation_respond": "a signed invitation token: whoever holds the link may answer it (tests/accounts)",
    "api:api-root": "DRF's format suffix only",
    "api:organisation-list": "format suffix only",
    "api:call-list": "format suffix only",
    "api:application-list": "format suffix only",
    "api:capacity-period-list": "format suffix only",
    "api:pool-list": "format suffix only",
    "api:allocation-run-list": "format suffix only",
    "api:grant-list": "format suffix only",
    "api:change-request-list": "format suffix only",
    "api:award-list": "format suffix only",
    "api:final-report-list": "format suffix only",
    "api:review-assignment-list": "format suffix only",
    "api:ledger-account-list": "format suffix only",
    "api:ledger-transfer-list": "format suffix only",
    "api:terms-list": "format suffix only",
    "api:terms-acceptance-list": "format suffix only",
}
NOT_OBJECT_NAMESPACES = {"admin": "Django admin: superusers after TOTP only (tests/accounts/test_staff_mfa.py)"}

# route name -> (object the id names, {method: statuses of PERSONAS in order})
TABLE: dict[str, tuple[str, dict[str, str]]] = {
    # statuses in PERSONAS order: anon other member pi rev cfl asg cm aa fin prt nomfa clu
    "api:allocation-run-commit": (
        "run",
        {
            "POST": "401 404 404 404 403 403 403 403 400 403 404 403 401",
        },
    ),
    "api:allocation-run-detail": (
        "run",
        {
            "GET": "401 404 404 404 403 403 403 403 200 403 404 403 401",
        },
    ),
    "api:allocation-run-discard": (
        "run",
        {
            "POST": "401 404 404 404 403 403 403 403 400 403 404 403 401",
        },
    ),
    "api:application-attachments": (
        "application",
        {
            "POST": "401 404 415 415 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:application-decision": (
        "application",
        {
            "POST": "401 403 403 403 403 403 403 400 403 403 403 403 401",
        },
    ),
    "api:application-detail": (
        "application",
        {
            "GET": "401 404 200 200 404 404 404 404 404 404 404 404 401",
            "PATCH": "401 404 400 400 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:application-reply": (
        "application",
        {
            "POST": "401 404 403 400 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:application-submit": (
        "application",
        {
            "POST": "401 404 400 400 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:application-withdraw": (
        "application",
        {
            "POST": "401 404 403 200 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:call-detail": (
        "call",
        {
            "GET": "200 200 200 200 200 200 200 200 200 200 200 200 200",
            "PATCH": "401 403 403 403 403 403 403 400 403 403 403 403 401",
        },
    ),
    "api:call-close": (
        "call",
        {
            "POST": "401 403 403 403 403 403 403 200 403 403 403 403 401",
        },
    ),
    "api:call-documents": (
        "call",
        {
            "POST": "401 403 403 403 403 403 403 400 403 403 403 403 401",
        },
    ),
    "api:call-publish": (
        "call",
        {
            "POST": "401 403 403 403 403 403 403 400 403 403 403 403 401",
        },
    ),
    "api:call-questions": (
        "call",
        {
            "POST": "401 403 403 403 403 403 403 400 403 403 403 403 401",
        },
    ),
    "api:call-panel": (
        "call",
        {
            "GET": "401 403 403 403 403 403 403 200 403 403 403 403 401",
        },
    ),
    "api:capacity-period-detail": (
        "period",
        {
            "GET": "401 404 404 404 403 403 403 403 200 403 404 403 401",
        },
    ),
    "api:cluster-desired-state": (
        "cluster",
        {
            "GET": "401 403 403 403 403 403 403 403 200 403 403 403 404",
        },
    ),
    "api:cluster-provisioning-reports": (
        "cluster",
        {
            "POST": "401 403 403 403 403 403 403 403 403 403 403 403 404",
        },
    ),
    "api:cluster-usage-cursor": (
        "cluster",
        {
            "GET": "401 403 403 403 403 403 403 403 200 403 403 403 404",
            "POST": "401 403 403 403 403 403 403 403 403 403 403 403 404",
        },
    ),
    "api:award-detail": (
        "award",
        {
            "GET": "401 404 200 200 404 404 404 404 200 404 404 403 401",
        },
    ),
    "api:final-report-detail": (
        "report",
        {
            "GET": "401 404 200 200 404 404 404 200 200 404 404 403 401",
            "PUT": "401 404 403 200 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:final-report-submit": (
        "report",
        {
            "POST": "401 404 403 400 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:change-request-decide": (
        "change_request",
        {
            "POST": "401 404 403 403 404 404 404 404 400 404 404 403 401",
        },
    ),
    "api:change-request-detail": (
        "change_request",
        {
            "GET": "401 404 200 200 404 404 404 404 200 404 404 403 401",
        },
    ),
    "api:change-request-respond": (
        "change_request",
        {
            "POST": "401 404 400 400 404 404 404 404 400 404 404 403 401",
        },
    ),
    "api:grant-accept": (
        "grant",
        {
            "POST": "401 404 400 400 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:grant-decline": (
        "grant",
        {
            "POST": "401 404 400 400 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:grant-detail": (
        "grant",
        {
            "GET": "401 404 200 200 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:grant-usage": (
        "grant",
        {
            "GET": "401 404 200 200 404 404 404 404 200 404 404 403 401",
        },
    ),
    "api:ledger-account-detail": (
        "account",
        {
            "GET": "401 404 404 404 404 404 404 404 404 200 200 403 401",
        },
    ),
    "api:ledger-partner-statement": (
        "partner",
        {
            "GET": "401 404 404 404 404 404 404 404 404 200 200 403 401",
        },
    ),
    "api:organisation-detail": (
        "organisation",
        {
            "GET": "401 404 200 200 404 404 404 404 404 404 404 404 401",
            "PATCH": "401 404 403 200 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:organisation-invitations": (
        "organisation",
        {
            "GET": "401 404 403 200 404 404 404 404 404 404 404 404 401",
            "POST": "401 404 403 201 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:organisation-members": (
        "organisation",
        {
            "GET": "401 404 200 200 404 404 404 404 404 404 404 404 401",
        },
    ),
    "api:pool-award": (
        "partner_pool",
        {
            "POST": "401 404 404 404 404 404 404 404 400 404 403 403 401",
        },
    ),
    "api:pool-detail": (
        "pool",
        {
            "GET": "401 404 404 404 404 404 404 404 200 200 404 403 401",
        },
    ),
    "api:review-assignment-accept": (
        "assignment",
        {
            "POST": "401 403 403 403 404 404 400 403 403 403 403 403 401",
        },
    ),
    "api:review-assignment-declare-conflict": (
        "assignment",
        {
            "POST": "401 403 403 403 404 404 400 403 403 403 403 403 401",
        },
    ),
    "api:review-assignment-decline": (
        "assignment",
        {
            "POST": "401 403 403 403 404 404 400 403 403 403 403 403 401",
        },
    ),
    "api:review-assignment-detail": (
        "assignment",
        {
            "GET": "401 403 403 403 404 404 200 403 403 403 403 403 401",
        },
    ),
    "api:review-detail": (
        "review",
        {
            "GET": "401 403 403 403 404 404 200 403 403 403 403 403 401",
            "PUT": "401 403 403 403 404 404 200 403 403 403 403 403 401",
        },
    ),
    "api:review-submit": (
        "review",
        {
            "POST": "401 403 403 403 404 404 400 403 403 403 403 403 401",
        },
    ),
    "api:usage-import-detail": (
        "usage_import",
        {
            "GET": "401 404 404 404 403 403 403 403 200 403 404 403 401",
        },
    ),
    "application_detail": (
        "application",
        {
            "GET": "302 404 200 200 404 404 404 404 404 404 404 404 302",
        },
    ),
    "application_reviews": (
        "application",
        {
            "GET": "302 404 200 200 404 404 404 404 404 404 404 404 302",
        },
    ),
    "application_section": (
        "application",
        {
            "GET": "302 404 302 302 404 404 404 404 404 404 404 404 302",
        },
    ),
    "application_submit": (
        "application",
        {
            "POST": "302 404 302 302 404 404 404 404 404 404 404 404 302",
        },
    ),
    "application_withdraw": (
        "application",
        {
            "GET": "302 404 200 200 404 404 404 404 404 404 404 404 302",
        },
    ),
    "assign_reviewer": (
        "application",
        {
            "GET": "302 403 403 403 403 403 403 200 403 403 403 302 302",
        },
    ),
    "assignment_suggestion": (
        "call",
        {
            "GET": "302 403 403 403 403 403 403 200 403 403 403 302 302",
        },
    ),
    "attachment_delete": (
        "application",
        {
            "POST": "302 404 302 302 404 404 404 404 404 404 404 404 302",
        },
    ),
    "attachment_download": (
        "application",
        {
            "GET": "302 404 200 200 404 404 200 200 404 404 404 302 302",
        },
    ),
    "attachment_upload": (
        "application",
        {
            "POST": "302 404 302 302 404 404 404 404 404 404 404 404 302",
        },
    ),
    "call_apply": (
        "call",
        {
            "POST": "302 302 302 302 302 302 302 302 302 302 302 302 302",
        },
    ),
    "call_board": (
        "call",
        {
            "GET": "302 403 403 403 403 403 403 200 403 403 403 302 302",
        },
    ),
    "call_detail": (
        "call",
        {
            "GET": "200 200 200 200 200 200 200 200 200 200 200 200 200",
        },
    ),
    "capacity_period_detail": (
        "period",
        {
            "GET": "302 404 404 404 403 403 403 403 200 403 404 302 302",
        },
    ),
    "capacity_run_commit": (
        "run",
        {
            "POST": "302 404 404 404 403 403 403 403 400 403 404 302 302",
        },
    ),
    "capacity_run_create": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 403 302 403 404 302 302",
        },
    ),
    "capacity_waitlist_fill": (
        "pool",
        {
            "POST": "302 404 404 404 403 403 403 403 302 403 404 302 302",
        },
    ),
    "partner_award_create": (
        "partner_pool",
        {
            "GET": "302 404 404 404 404 404 404 404 200 404 302 302 302",
            "POST": "302 404 404 404 404 404 404 404 400 404 302 302 302",
        },
    ),
    "capacity_run_detail": (
        "run",
        {
            "GET": "302 404 404 404 403 403 403 403 200 403 404 302 302",
        },
    ),
    "capacity_run_discard": (
        "run",
        {
            "POST": "302 404 404 404 403 403 403 403 400 403 404 302 302",
        },
    ),
    "capacity_run_status": (
        "run",
        {
            "GET": "302 404 404 404 403 403 403 403 200 403 404 302 302",
        },
    ),
    "cluster_provisioning": (
        "cluster",
        {
            "GET": "302 404 404 404 403 403 403 403 200 403 404 302 302",
        },
    ),
    "eligibility_check": (
        "application",
        {
            "GET": "302 403 403 403 403 403 403 200 403 403 403 302 302",
        },
    ),
    "final_report": (
        "report",
        {
            "GET": "302 404 200 200 404 404 404 404 404 404 404 404 302",
            "POST": "302 404 403 400 404 404 404 404 404 404 404 404 302",
        },
    ),
    "change_request_act": (
        "change_request",
        {
            "POST": "302 404 403 302 404 404 404 404 404 404 404 404 302",
        },
    ),
    "change_request_detail": (
        "change_request",
        {
            "GET": "302 404 200 200 404 404 404 404 404 404 404 404 302",
        },
    ),
    "change_request_new": (
        "grant",
        {
            "GET": "302 404 403 200 404 404 404 404 404 404 404 404 302",
        },
    ),
    "staff_change_request_detail": (
        "change_request",
        {
            "GET": "302 404 404 404 403 403 403 403 200 403 404 302 302",
        },
    ),
    "grant_detail": (
        "grant",
        {
            "GET": "302 404 200 200 404 404 404 404 404 404 404 404 302",
        },
    ),
    "terms_staff_edit": (
        "terms_draft",
        {
            "GET": "302 404 404 404 403 403 403 403 200 403 404 302 302",
            "POST": "302 404 404 404 403 403 403 403 400 403 404 302 302",
        },
    ),
    "terms_staff_publish": (
        "terms_draft",
        {
            "POST": "302 404 404 404 403 403 403 403 302 403 404 302 302",
        },
    ),
    "terms_staff_version": (
        "terms_draft",
        {
            "GET": "302 404 404 404 403 403 403 403 200 403 404 302 302",
        },
    ),
    "terms_version": (
        "terms_published",
        {
            "GET": "200 200 200 200 200 200 200 200 200 200 200 200 200",  # published texts are public
        },
    ),
    "api:terms-detail": (
        "terms_published",
        {
            "GET": "401 200 200 200 200 200 200 200 200 200 200 200 401",
        },
    ),
    "grant_respond": (
        "grant",
        {
            "POST": "302 404 302 302 404 404 404 404 404 404 404 404 302",
        },
    ),
    "grant_sacctmgr_script": (
        "grant",
        {
            "GET": "302 404 200 200 404 404 404 404 200 404 404 302 302",
        },
    ),
    "grant_team": (
        "grant",
        {
            "GET": "302 404 200 200 404 404 404 404 200 404 404 302 302",
        },
    ),
    "grant_usage": (
        "grant",
        {
            "GET": "302 404 200 200 404 404 404 404 200 404 404 302 302",
        },
    ),
    "invitation_create": (
        "organisation",
        {
            "POST": "302 404 403 302 404 404 404 404 404 404 404 404 302",
        },
    ),
    "invitation_revoke": (
        "organisation",
        {
            "POST": "302 404 403 302 404 404 404 404 404 404 404 404 302",
        },
    ),
    "ledger:contribution_record": (
        "kind",
        {
            "GET": "302 404 404 404 404 404 404 404 404 200 403 302 302",
        },
    ),
    "ledger:partner_statement": (
        "partner",
        {
            "GET": "302 404 404 404 404 404 404 404 404 200 200 302 302",
        },
    ),
    "ledger:partner_statement_csv": (
        "partner",
        {
            "GET": "302 404 404 404 404 404 404 404 404 200 200 302 302",
        },
    ),
    "ledger:pending_post": (
        "pledge",
        {
            "GET": "302 404 404 404 404 404 404 404 404 200 403 302 302",
        },
    ),
    "ledger:pending_void": (
        "pledge",
        {
            "GET": "302 404 404 404 404 404 404 404 404 200 403 302 302",
        },
    ),
    "ledger:transfer_reverse": (
        "transfer",
        {
            "GET": "302 404 404 404 404 404 404 404 404 200 403 302 302",
        },
    ),
    "membership_remove": (
        "organisation",
        {
            "POST": "302 404 302 302 404 404 404 404 404 404 404 404 302",
        },
    ),
    "membership_update": (
        "organisation",
        {
            "POST": "302 404 403 302 404 404 404 404 404 404 404 404 302",
        },
    ),
    "organisation_detail": (
        "organisation",
        {
            "GET": "302 404 200 200 404 404 404 404 404 404 404 404 302",
        },
    ),
    "organisation_edit": (
        "organisation",
        {
            "GET": "302 404 403 200 404 404 404 404 404 404 404 404 302",
        },
    ),
    "organisation_members": (
        "organisation",
        {
            "GET": "302 404 200 200 404 404 404 404 404 404 404 404 302",
        },
    ),
    "panel": (
        "call",
        {
            "GET": "302 403 403 403 403 403 403 200 403 403 403 302 302",
        },
    ),
    "panel_decide": (
        "application",
        {
            "POST": "302 403 403 403 403 403 403 302 403 403 403 302 302",
        },
    ),
    "panel_decide_bulk": (
        "call",
        {
            "POST": "302 403 403 403 403 403 403 400 403 403 403 302 302",
        },
    ),
    "panel_move": (
        "application",
        {
            "POST": "302 403 403 403 403 403 403 302 403 403 403 302 302",
        },
    ),
    "review_amend": (
        "assignment",
        {
            "POST": "302 403 403 403 404 404 302 403 403 403 403 302 302",
        },
    ),
    "review_assignment": (
        "assignment",
        {
            "GET": "302 403 403 403 404 404 302 403 403 403 403 302 302",
        },
    ),
    "review_form": (
        "assignment",
        {
            "GET": "302 403 403 403 404 404 200 403 403 403 403 302 302",
        },
    ),
    "staff_final_report": (
        "report",
        {
            "GET": "302 404 404 404 403 403 403 200 200 403 404 302 302",
        },
    ),
    "team_member_invite": (
        "application",
        {
            "POST": "302 404 302 302 404 404 404 404 404 404 404 404 302",
        },
    ),
    "token_revoke": (
        "token",
        {
            "POST": "302 404 404 302 404 404 404 404 404 404 404 404 302",
        },
    ),
    "usage_import_detail": (
        "usage_import",
        {
            "GET": "302 404 404 404 403 403 403 403 200 403 404 302 302",
        },
    ),
    "usage_import_progress": (
        "usage_import",
        {
            "GET": "302 404 404 404 403 403 403 403 200 403 404 302 302",
        },
    ),
    "usage_import_rejects": (
        "usage_import",
        {
            "GET": "302 404 404 404 403 403 403 403 200 403 404 302 302",
        },
    ),
    "application_print": (
        "application",
        {
            "GET": "302 404 200 200 404 404 404 404 404 404 404 404 302",
        },
    ),
    "call_designer_clone": (
        "call",
        {
            "GET": "302 404 404 404 403 403 403 200 403 403 404 302 302",
        },
    ),
    "call_designer_close": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 302 403 403 404 302 302",
        },
    ),
    "call_designer_cutoffs": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 302 403 403 404 302 302",
        },
    ),
    "call_designer_detail": (
        "call",
        {
            "GET": "302 404 404 404 403 403 403 200 403 403 404 302 302",
        },
    ),
    "call_designer_edit": (
        "call",
        {
            "GET": "302 404 404 404 403 403 403 200 403 403 404 302 302",
        },
    ),
    "call_designer_extend": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 400 403 403 404 302 302",
        },
    ),
    "call_designer_preview": (
        "call",
        {
            "GET": "302 404 404 404 403 403 403 200 403 403 404 302 302",
        },
    ),
    "call_designer_publish": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 400 403 403 404 302 302",
        },
    ),
    "call_designer_question_add": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 400 403 403 404 302 302",
        },
    ),
    "call_designer_question_down": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 302 403 403 404 302 302",
        },
    ),
    "call_designer_question_edit": (
        "call",
        {
            "GET": "302 404 404 404 403 403 403 200 403 403 404 302 302",
        },
    ),
    "call_designer_question_remove": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 302 403 403 404 302 302",
        },
    ),
    "call_designer_question_up": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 302 403 403 404 302 302",
        },
    ),
    "call_designer_rubric": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 400 403 403 404 302 302",
        },
    ),
    "call_designer_slot_add": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 400 403 403 404 302 302",
        },
    ),
    "call_designer_slot_down": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 302 403 403 404 302 302",
        },
    ),
    "call_designer_slot_remove": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 302 403 403 404 302 302",
        },
    ),
    "call_designer_slot_up": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 302 403 403 404 302 302",
        },
    ),
    "call_designer_version": (
        "call",
        {
            "POST": "302 404 404 404 403 403 403 400 403 403 404 302 302",
        },
    ),
}


# --- the shared data set ------------------------------------------------------------------------------------------


def _login(client: Client, user, *, mfa: bool) -> Client:
    from tests import conftest

    if mfa and hasattr(conftest, "login_staff"):
        return conftest.login_staff(client, user)
    client.force_login(user)
    return client


def _build() -> dict:
    from accounts import services as accounts_services
    from accounts.models import MembershipRole
    from accounts.roles import PlatformRole
    from allocations.models.call_forms import CallDocumentSlot, CallQuestion, QuestionKind
    from allocations.models.reports import FinalReport
    from allocations.postaward.changes import services as change_services
    from allocations.terms import services as terms_services
    from allocations.usage import services as usage_services
    from ledger import services as ledger_services
    from ledger.models import Account
    from reviews import services as review_services
    from reviews.models import Review, ReviewAssignment
    from tests.conftest import activate_totp
    from tests.factories import (
        CallFactory,
        ClusterFactory,
        GigafactoryFactory,
        MembershipFactory,
        OrganisationFactory,
        PartnerFactory,
        TrancheFactory,
        UserFactory,
        active_grant,
        ensure_platform_groups,
        period_with_pools,
        reviewer,
        sacct_upload,
    )
    from tests.factories.reviews import passed_check, submitted_application
    from tests.factories.terms import accept_current_terms, published_terms
    from tests.factories.usage import cluster_token

    ensure_platform_groups()
    pi = UserFactory(email="pi@aurora.example", full_name="Pia Investigator")
    org = OrganisationFactory(legal_name="Aurora AI OÜ", country="EE", type="startup")
    MembershipFactory(organisation=org, user=pi, role=MembershipRole.OWNER)
    member = UserFactory(email="member@aurora.example")
    membership = MembershipFactory(organisation=org, user=member, role=MembershipRole.MEMBER)
    other = UserFactory(email="other@elsewhere.example")
    MembershipFactory(organisation=OrganisationFactory(country="FR"), user=other, role=MembershipRole.OWNER)
    cm = activate_totp(UserFactory(email="cm@eurohpc.example", roles=[PlatformRole.CALL_MANAGER]))
    aa = activate_totp(UserFactory(email="aa@eurohpc.example", roles=[PlatformRole.ALLOCATION_ADMIN]))
    fin = activate_totp(UserFactory(email="fin@eurohpc.example", roles=[PlatformRole.FINANCE_ADMIN]))
    nomfa = activate_totp(UserFactory(email="nomfa@eurohpc.example", roles=list(PlatformRole.values)))
    prt = UserFactory(email="contact@partner.example")

    jupiter = GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter")
    cluster = ClusterFactory(name="booster", gigafactory=jupiter)
    elsewhere = ClusterFactory(name="elsewhere", gigafactory=GigafactoryFactory(name="Alps", slug="alps"))
    published_terms(by=aa, gigafactory=jupiter)  # the PI accepts it with the offer, as production asks
    grant = active_grant(by=aa, gigafactory=jupiter, organisation=org, pi=pi)
    terms_published = published_terms(by=aa)
    accept_current_terms(pi, [jupiter])
    terms_draft = terms_services.terms_version_create(
        kind=terms_published.kind, gigafactory=None, by=aa, title="Terms, next version", body="Text."
    )
    call = CallFactory(title="Large Scale 2027", slug="large-scale-2027", gigafactories=[jupiter])

    # An application in review: cfl returned it for a conflict, asg accepted; rev is made afterwards, so the
    # conflict's automatic reassignment cannot pick them.
    application = passed_check(submitted_application(call=call, organisation=org, pi=pi), by=cm)
    cfl = activate_totp(reviewer("cfl@uni.example"))
    asg = activate_totp(reviewer("asg@uni.example"))
    (returned,) = review_services.assignments_create(pairs=[(application.pk, cfl.pk)], by=cm)
    review_services.assignment_declare_conflict(assignment_id=returned.pk, by=cfl, reason="former colleague")
    assignment = ReviewAssignment.objects.filter(application=application, reviewer=asg).first()
    if assignment is None:
        (assignment,) = review_services.assignments_create(pairs=[(application.pk, asg.pk)], by=cm)
    review_services.assignment_accept(assignment_id=assignment.pk, by=asg, no_conflict=True)
    rev = activate_totp(reviewer("rev@uni.example"))

    partner = PartnerFactory(name="Nordic Infrastructure Partners", country="SE", contacts=[prt])
    tranche = TrancheFactory(partners=[partner])
    pledge = ledger_services.pledge_record(partner=partner, tranche=tranche, amount_cents=10_000, by=fin)
    in_kind = ledger_services.in_kind_record(partner=partner, tranche=tranche, amount_cents=500, by=fin)
    # A paid-in contribution gives the partner a pool in a later quarter: its contact awards from it.
    paid = ledger_services.pledge_record(partner=partner, tranche=tranche, amount_cents=20_000, by=fin)
    ledger_services.pending_post(pending=paid, by=fin)
    later = period_with_pools(by=aa, gigafactory=jupiter, year=2031, quarter=1, open_shares={call.access_mode_id: 5000})
    partner_pool = later.pools.get(partner=partner)
    invitation = accounts_services.invitation_create(organisation=org, email="new@aurora.example", by=pi)
    token, _key = accounts_services.api_token_create(user=pi, name="laptop")
    usage_import = usage_services.usage_import_create(cluster=cluster, upload=sacct_upload(["x"]), by=aa)
    other_key = cluster_token(elsewhere, by=aa)
    change = change_services.change_request_create(
        grant_id=grant.pk, kind="supplement", justification="matrix", amount_seconds=3600, by=pi
    )
    question = CallQuestion.objects.create(call=call, kind=QuestionKind.values[0], label="Data volume")
    slot = CallDocumentSlot.objects.create(call=call, name="Gantt chart")

    users = {"other": other, "member": member, "pi": pi, "rev": rev, "cfl": cfl, "asg": asg}
    users |= {"cm": cm, "aa": aa, "fin": fin, "prt": prt, "nomfa": nomfa}
    clients = {"anon": Client(raise_request_exception=False)}
    for name, user in users.items():
        staff = name in ("rev", "cfl", "asg", "cm", "aa", "fin")
        clients[name] = _login(Client(raise_request_exception=False), user, mfa=staff)
    clients["clu"] = Client(raise_request_exception=False, headers={"authorization": f"Cluster {other_key}"})
    # The final report of the grant's award, as the beat job opens it once the award has ended.
    report = FinalReport.objects.create(award_id=grant.award_id, due_on=timezone.localdate() + dt.timedelta(days=30))
    objects = {
        "report": report.pk,
        "organisation": org.pk,
        "invitation": invitation.pk,
        "membership": membership.pk,
        "token": token.pk,
        "call": call.slug,
        "cutoff": call.cutoffs.first().pk,
        "question": question.pk,
        "slot": slot.pk,
        "application": application.pk,
        "attachment": application.attachments.first().pk,
        "grant": grant.pk,
        "grant_application": grant.application_id,
        "change_request": change.pk,
        "award": grant.award_id,
        "period": grant.period_id,
        "pool": grant.pool_id,
        "partner_pool": partner_pool.pk,
        "run": grant.run_id,
        "usage_import": usage_import.pk,
        "cluster": cluster.name,
        "assignment": assignment.pk,
        "review": Review.objects.filter(assignment=assignment).values_list("pk", flat=True).first(),
        "partner": partner.pk,
        "account": Account.objects.filter(partner=partner).values_list("pk", flat=True).first(),
        "pledge": pledge.pk,
        "transfer": in_kind.pk,
        "terms_published": terms_published.pk,
        "terms_draft": terms_draft.pk,
    }
    return {"clients": clients, "objects": objects}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The data set, built once in a transaction that is rolled back after the module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build()
        transaction.set_rollback(True)


# --- routes ---------------------------------------------------------------------------------------------------------

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}".strip(":"), prefix + str(pattern.pattern)


def object_routes() -> dict[str, set[str]]:
    """Route name -> its path parameters, for every named route with one (admin excluded, see above)."""
    routes: dict[str, set[str]] = {}
    for name, route in _walk(get_resolver().url_patterns):
        params = {a or b for a, b in _PARAM.findall(route)} - {"format"}
        if name.split(":")[0] in NOT_OBJECT_NAMESPACES or not (params or "format" in route):
            continue
        routes.setdefault(name, set()).update(params)
    return routes


@functools.cache
def schema_operations() -> frozenset[tuple[str, str]]:
    """(route name, method) of every API operation whose path takes a parameter, resolved from the schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = set()
    for path, methods in schema["paths"].items():
        if "{" not in path:
            continue
        match = resolve(re.sub(r"\{[^}]+\}", "1", path))
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        operations |= {(name, method.upper()) for method in methods if method != "parameters"}
    return frozenset(operations)


# Which object each route parameter names (the route's ``pk`` by route name, the others by parameter name).
PK_OBJECT = {
    "token_revoke": "token",
    "organisation": "organisation",
    "invitation_create": "organisation",
    "invitation_revoke": "organisation",
    "membership": "organisation",
    "application": "application",
    "attachment": "application",
    "team_member": "application",
    "eligibility_check": "application",
    "assign_reviewer": "application",
    "panel_move": "application",
    "panel_decide": "application",
    "usage_import": "usage_import",
    "usage-import": "usage_import",
    "grant": "grant",
    "award": "award",
    "final_report": "report",
    "final-report": "report",
    "staff_final_report": "report",
    "change_request_new": "grant",
    "change_request": "change_request",
    "staff_change_request": "change_request",
    "change-request": "change_request",
    "capacity_period": "period",
    "capacity-period": "period",
    "pool-award": "partner_pool",
    "pool": "pool",
    "capacity_run": "run",
    "allocation-run": "run",
    "review_": "assignment",
    "review-assignment": "assignment",
    "review-detail": "review",
    "review-submit": "review",
    "partner_statement": "partner",
    "partner-statement": "partner",
    "ledger-account": "account",
    "ledger-partner": "partner",
    "transfer_reverse": "transfer",
    "pending_": "pledge",
    "terms_version": "terms_published",
    "terms-detail": "terms_published",
    "terms_staff": "terms_draft",
}
PARAM_OBJECT = {
    "invitation_pk": "invitation",
    "membership_pk": "membership",
    "attachment_pk": "attachment",
    "pool_pk": "pool",
    "partner_pool_pk": "partner_pool",
    "cutoff_pk": "cutoff",
    "question_pk": "question",
    "slug": "call",
    "name": "cluster",
    "cluster": "cluster",
}
FIXED = {"section": "project", "kind": "pledge", "change_kind": "supplement"}


def _pk_object(name: str) -> str:
    bare = name.split(":")[-1]
    for prefix, kind in PK_OBJECT.items():
        if bare.startswith(prefix):
            return kind
    raise AssertionError(f"which object does the pk of {name} name? add it to PK_OBJECT")


def url_of(name: str, params: set[str], objects: dict) -> str:
    kwargs = {}
    for param in params:
        if param in FIXED:
            kwargs[param] = FIXED[param]
        elif param == "pk":
            kwargs[param] = objects[_pk_object(name)]
        elif param == "item_pk":  # the call designer moves or removes a question or a document slot
            kwargs[param] = objects["slot" if "_slot_" in name else "question"]
        else:
            kwargs[param] = objects[PARAM_OBJECT[param]]
    return reverse(name, kwargs=kwargs)


# One body for every write: the fields most write endpoints need, so that authorization, not a missing field,
# decides the answer (a 400 tells nothing about authorization).
BODY = {
    "no_conflict": True,
    "declaration": True,
    "reason": "matrix",
    "text": "matrix",
    "comment_for_applicant": "matrix",
    "title": "matrix",
    "email": "matrix@example.org",
    "role": "member",
    "answer": "accept",
    "confirm": "yes",
}


def call(client: Client, method: str, url: str) -> int:
    """One request in a savepoint that is rolled back: writes never reach the shared data set."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif url.startswith("/api/"):
            response = client.generic(method, url, json.dumps(BODY), content_type="application/json")
        else:
            response = client.post(url, BODY)
        transaction.set_rollback(True)
    return response.status_code


def test_every_object_route_has_a_row():
    routes = object_routes()
    known = set(TABLE) | set(NOT_OBJECT_ROUTES)
    assert sorted(set(routes) - known) == [], "new routes need a row in TABLE (or NOT_OBJECT_ROUTES)"
    assert sorted(set(TABLE) - set(routes)) == [], "rows of routes that no longer exist"
    missing = sorted((name, method) for name, method in schema_operations() if method not in TABLE[name][1])
    assert missing == [], "API operations of the schema without their method in TABLE"


@pytest.fixture
def quiet_requests():
    """1,400 refusals would each log a warning (with a traceback for a 403): silence django.request meanwhile."""
    logger = logging.getLogger("django.request")
    level, logger.level = logger.level, logging.ERROR
    yield
    logger.setLevel(level)


def test_the_matrix(world, quiet_requests):
    objects, clients = world["objects"], world["clients"]
    routes = object_routes()
    operations = schema_operations()
    observed: dict[str, dict[str, str]] = {}
    wrong = []
    for name in sorted(routes):
        if name in NOT_OBJECT_ROUTES:
            continue
        url = url_of(name, routes[name], objects)
        methods = sorted({m for n, m in operations if n == name}) or list(TABLE.get(name, ("", {"GET": ""}))[1])
        for method in methods:
            got = " ".join(f"{call(clients[p], method, url):>3}" for p in PERSONAS)
            if RECORD and method == "GET" and "405" in got:  # a page that only takes POST
                method, got = "POST", " ".join(f"{call(clients[p], 'POST', url):>3}" for p in PERSONAS)
            observed.setdefault(name, {})[method] = got
            expected = TABLE.get(name, ("", {}))[1].get(method)
            if expected != got:
                wrong.append(f"{method} {url} ({name})\n   expected {expected}\n   got      {got}")
    if RECORD:
        for name, by_method in observed.items():
            print(f'    "{name}": ({_pk_object(name) if "pk" in routes[name] else ""!r}, {by_method!r}),')
    count = sum(len(m) for m in observed.values())
    print(f"authorization matrix: {count} route operations x {len(PERSONAS)} personas = {count * len(PERSONAS)} calls")
    assert not wrong, "\n".join(wrong)


def test_personas_are_who_they_claim(world):
    """Sanity of the columns: the staff sessions passed TOTP, the no-MFA one did not, the cluster token is valid."""
    clients = world["clients"]
    assert clients["cm"].get("/staff/reviews/manage/").status_code == 200
    assert clients["nomfa"].get("/staff/reviews/manage/").status_code == 302
    assert clients["pi"].get("/applications/").status_code == 200
    assert clients["anon"].get("/applications/").status_code == 302
    assert clients["clu"].post("/api/v1/usage/records/", [], content_type="application/json").status_code == 400
    assert uuid.UUID(str(world["objects"]["pledge"]))


def test_a_write_to_another_reviewers_assignment_is_404_whatever_the_body(world):
    """The assignment is looked up before the body is read: an empty body is not a 400 that confirms it exists."""
    url = f"/api/v1/review-assignments/{world['objects']['assignment']}/accept/"
    for persona, expected in (("rev", 404), ("cfl", 404), ("asg", 400)):
        with transaction.atomic():
            status = world["clients"][persona].post(url, {}, content_type="application/json").status_code
            transaction.set_rollback(True)
        assert status == expected, persona
