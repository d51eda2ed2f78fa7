from django.urls import path

from reviews import views
from reviews.views import ties

urlpatterns = [
    # Reviewers
    path("staff/reviews/", views.review_inbox, name="review_inbox"),
    path("staff/reviews/profile/", views.reviewer_profile, name="reviewer_profile"),
    path("staff/reviews/profile/ties/", ties.reviewer_ties, name="reviewer_ties"),
    path("staff/reviews/assignments/<int:pk>/", views.review_assignment, name="review_assignment"),
    path("staff/reviews/assignments/<int:pk>/review/", views.review_form, name="review_form"),
    path("staff/reviews/assignments/<int:pk>/amend/", views.review_amend, name="review_amend"),
    # Call managers
    path("staff/reviews/manage/", views.review_management, name="review_management"),
    path("staff/reviews/manage/calls/<slug:slug>/", views.call_board, name="call_board"),
    path(
        "staff/reviews/manage/calls/<slug:slug>/suggestion/", views.assignment_suggestion, name="assignment_suggestion"
    ),
    path("staff/reviews/manage/calls/<slug:slug>/panel/", views.panel_page, name="panel"),
    path("staff/reviews/manage/calls/<slug:slug>/panel/decide/", views.panel_decide_bulk, name="panel_decide_bulk"),
    path("staff/reviews/manage/applications/<int:pk>/check/", views.eligibility_check, name="eligibility_check"),
    path("staff/reviews/manage/applications/<int:pk>/assign/", views.assign_reviewer, name="assign_reviewer"),
    path("staff/reviews/manage/applications/<int:pk>/move/", views.panel_move, name="panel_move"),
    path("staff/reviews/manage/applications/<int:pk>/decide/", views.panel_decide, name="panel_decide"),
    path(
        "staff/reviews/manage/applications/<int:pk>/reviews/",
        views.panel_application_reviews,
        name="panel_application_reviews",
    ),
    # Applicants
    path("applications/<int:pk>/reviews/", views.application_reviews, name="application_reviews"),
]
