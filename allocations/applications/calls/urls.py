from django.urls import path

from allocations.applications.calls import views

urlpatterns = [
    path("staff/calls/", views.call_designer_list, name="call_designer_list"),
    path("staff/calls/new/", views.call_designer_create, name="call_designer_create"),
    path("staff/calls/<slug:slug>/", views.call_designer_detail, name="call_designer_detail"),
    path("staff/calls/<slug:slug>/edit/", views.call_designer_edit, name="call_designer_edit"),
    path("staff/calls/<slug:slug>/clone/", views.call_designer_clone, name="call_designer_clone"),
    path("staff/calls/<slug:slug>/preview/", views.call_designer_preview, name="call_designer_preview"),
    path("staff/calls/<slug:slug>/publish/", views.call_designer_publish, name="call_designer_publish"),
    path("staff/calls/<slug:slug>/version/", views.call_designer_publish_version, name="call_designer_version"),
    path("staff/calls/<slug:slug>/close/", views.call_designer_close, name="call_designer_close"),
    path("staff/calls/<slug:slug>/cutoffs/", views.call_designer_cutoffs, name="call_designer_cutoffs"),
    path(
        "staff/calls/<slug:slug>/cutoffs/<int:cutoff_pk>/extend/",
        views.call_designer_extend,
        name="call_designer_extend",
    ),
    path("staff/calls/<slug:slug>/rubric/", views.call_designer_rubric, name="call_designer_rubric"),
    path("staff/calls/<slug:slug>/questions/", views.call_designer_question_add, name="call_designer_question_add"),
    path(
        "staff/calls/<slug:slug>/questions/<int:question_pk>/",
        views.call_designer_question_edit,
        name="call_designer_question_edit",
    ),
    path("staff/calls/<slug:slug>/documents/", views.call_designer_slot_add, name="call_designer_slot_add"),
    *(
        path(
            f"staff/calls/<slug:slug>/{segment}/<int:item_pk>/{operation}/",
            views.call_designer_item,
            {"kind": kind, "operation": operation},
            name=f"call_designer_{kind}_{operation}",
        )
        for segment, kind in (("questions", "question"), ("documents", "slot"))
        for operation in ("up", "down", "remove")
    ),
]
