"""Text affinity between applications and reviewers. Pure: texts in, scores and phrases out, no Django, no network.

Each application (title, abstract, answers to the call's scientific questions, AI domain, keywords) and each
reviewer (expertise domains, keywords, research interests and recent publication titles) becomes a TF-IDF vector
fitted on the call's own corpus (words and two-word phrases, English stop words removed, sublinear term
frequency). Affinity is the cosine similarity blended with an exact domain match: ``TEXT_WEIGHT * cosine +
DOMAIN_WEIGHT * [application's domain is one of the reviewer's]``, in [0, 1]. The phrases that made a match are
the terms with the largest product of the two vectors' weights.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

TEXT_WEIGHT = 0.7
DOMAIN_WEIGHT = 0.3
METHOD = "tfidf-1.2-cosine-0.7-domain-0.3"  # part of the content hash: a new method recomputes every call


@dataclass(frozen=True)
class Document:
    id: int
    text: str
    domains: frozenset[str]


@dataclass(frozen=True)
class Affinities:
    application_ids: tuple[int, ...]
    reviewer_ids: tuple[int, ...]
    scores: np.ndarray  # float in [0, 1], shape (applications, reviewers)
    terms: dict[tuple[int, int], tuple[str, ...]]


def content_hash(applications: list[Document], reviewers: list[Document]) -> str:
    """Changes when any text, domain or id changes, or the method does; independent of input order."""
    payload = {
        "method": METHOD,
        "applications": sorted((d.id, d.text, sorted(d.domains)) for d in applications),
        "reviewers": sorted((d.id, d.text, sorted(d.domains)) for d in reviewers),
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


WORD = r"(?u)\b[a-zA-Z][\w-]+\b"  # words of two or more characters starting with a letter


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True, min_df=1, token_pattern=WORD)


def compute(
    applications: list[Document], reviewers: list[Document], *, terms_per_pair: int = 5, pairs_per_application: int = 20
) -> Affinities:
    """Scores for every application x reviewer; phrases for each application's best ``pairs_per_application``."""
    applications = sorted(applications, key=lambda d: d.id)
    reviewers = sorted(reviewers, key=lambda d: d.id)
    n_apps, n_reviewers = len(applications), len(reviewers)
    if not n_apps or not n_reviewers:
        return Affinities(
            tuple(d.id for d in applications), tuple(d.id for d in reviewers), np.zeros((n_apps, n_reviewers)), {}
        )
    corpus = [d.text for d in applications] + [d.text for d in reviewers]
    vectorizer = _vectorizer()
    try:
        matrix = vectorizer.fit_transform(corpus)
    except ValueError:  # no word at all (empty texts, or stop words only)
        matrix = None
    cosine = np.zeros((n_apps, n_reviewers)) if matrix is None else (matrix[:n_apps] @ matrix[n_apps:].T).toarray()
    domain = np.array([[bool(a.domains & r.domains) for r in reviewers] for a in applications], dtype=float)
    scores = np.clip(TEXT_WEIGHT * cosine + DOMAIN_WEIGHT * domain, 0.0, 1.0)
    terms: dict[tuple[int, int], tuple[str, ...]] = {}
    if matrix is not None:
        vocabulary = vectorizer.get_feature_names_out()
        app_rows, rev_rows = matrix[:n_apps].tocsr(), matrix[n_apps:].tocsr()
        best = np.argsort(-scores, axis=1, kind="stable")[:, :pairs_per_application]
        for i, row in enumerate(best):
            for j in row:
                shared = app_rows[i].multiply(rev_rows[j]).tocoo()
                ranked = [str(vocabulary[shared.col[k]]) for k in np.lexsort((shared.col, -shared.data))]
                terms[(applications[i].id, reviewers[j].id)] = _phrases(ranked, terms_per_pair)
    return Affinities(tuple(d.id for d in applications), tuple(d.id for d in reviewers), scores, terms)


def _phrases(ranked: list[str], limit: int) -> tuple[str, ...]:
    """The best shared terms, a two-word phrase standing in for its own words."""
    phrases = [t for t in ranked if " " in t]
    covered = {word for phrase in phrases[:limit] for word in phrase.split()}
    kept = [t for t in ranked if " " in t or t not in covered]
    return tuple(kept[:limit])


def application_text(
    *, title: str, abstract: str, keywords: list[str], domain_label: str = "", answers: Sequence[str] = ()
) -> str:
    """``answers``: the answers to the call's scientific questions (absent ones leave the text as it was)."""
    return "\n".join(part for part in (title, abstract, *answers, " ".join(keywords or []), domain_label) if part)


def reviewer_text(
    *, keywords: list[str], research_interests: str, publication_titles: list[str], domain_labels: list[str]
) -> str:
    return "\n".join(
        part
        for part in (
            " ".join(keywords or []),
            research_interests,
            "\n".join(publication_titles),
            " ".join(domain_labels),
        )
        if part
    )
