"""Text affinity: the reviewer who writes about the application's subject scores highest, an exact domain match
adds a fixed share, the phrases behind a match are shared terms, and the content hash changes with the text."""

import numpy as np

from reviews.affinity import DOMAIN_WEIGHT, Document, application_text, compute, content_hash

APPS = [
    Document(1, "Protein folding with diffusion models for drug discovery", frozenset({"science"})),
    Document(2, "Multilingual large language model pretraining for European languages", frozenset({"language"})),
]
REVIEWERS = [
    Document(10, "large language model pretraining, multilingual tokenisers", frozenset({"language"})),
    Document(20, "protein structure prediction, diffusion models, drug discovery", frozenset({"vision"})),
    Document(30, "reinforcement learning for robotics", frozenset({"science"})),
]


def test_the_reviewer_writing_about_the_subject_scores_highest():
    result = compute(APPS, REVIEWERS)
    assert result.application_ids == (1, 2) and result.reviewer_ids == (10, 20, 30)
    assert int(np.argmax(result.scores[0])) == 1  # protein folding -> reviewer 20
    assert int(np.argmax(result.scores[1])) == 0  # language models -> reviewer 10
    assert ((result.scores >= 0) & (result.scores <= 1)).all()
    # Reviewer 30 shares no word with application 1, only its domain.
    assert result.scores[0, 2] == DOMAIN_WEIGHT
    assert "diffusion models" in result.terms[(1, 20)]
    assert "language model" in result.terms[(2, 10)] or "pretraining" in result.terms[(2, 10)]
    assert result.terms[(1, 30)] == ()


def test_input_order_does_not_matter_and_empty_texts_score_by_domain_only():
    forward, backward = compute(APPS, REVIEWERS), compute(APPS[::-1], REVIEWERS[::-1])
    assert np.array_equal(forward.scores, backward.scores)
    blank = compute([Document(1, "", frozenset({"vision"}))], [Document(2, "the", frozenset({"vision"}))])
    assert blank.scores.tolist() == [[DOMAIN_WEIGHT]]
    assert compute([], REVIEWERS).scores.shape == (0, 3)


def test_content_hash_follows_the_content_not_the_order():
    assert content_hash(APPS, REVIEWERS) == content_hash(APPS[::-1], REVIEWERS[::-1])
    edited = [APPS[0], Document(2, APPS[1].text + " and speech", APPS[1].domains)]
    assert content_hash(edited, REVIEWERS) != content_hash(APPS, REVIEWERS)


def test_scientific_answers_join_the_application_text_and_none_leave_it_as_it_was():
    fields = {"title": "Aurora-7B", "abstract": "An Estonian model.", "keywords": ["LLM"], "domain_label": "Language"}
    assert application_text(**fields) == "Aurora-7B\nAn Estonian model.\nLLM\nLanguage"
    assert application_text(**fields, answers=[]) == application_text(**fields)
    with_answers = application_text(**fields, answers=["Speech recognition for Sami.", "Text, Audio"])
    assert with_answers == "Aurora-7B\nAn Estonian model.\nSpeech recognition for Sami.\nText, Audio\nLLM\nLanguage"
