"""With no cluster registered, the usage pages say how to register one instead of showing an empty list."""

from django.urls import reverse

from tests.factories import ClusterFactory


def test_without_clusters_both_pages_point_to_registering_one(carol_client):
    clusters = carol_client.get(reverse("usage_clusters")).content.decode()
    assert 'href="#new-cluster-title">Register a cluster</a>' in clusters
    imports = carol_client.get(reverse("usage_imports")).content.decode()
    assert f'<a class="alert-link" href="{reverse("usage_clusters")}">Register a cluster</a> first' in imports


def test_with_a_cluster_the_hint_is_gone(carol_client):
    ClusterFactory(name="jupiter")
    assert 'id="no-clusters"' not in carol_client.get(reverse("usage_clusters")).content.decode()
    assert 'id="no-clusters"' not in carol_client.get(reverse("usage_imports")).content.decode()
