"""The originality check (R-J2 own original work, R-J3 no earlier prize winners) on generated
Chinese applications with planted copies. Plain pytest: no database."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from datasketch import MinHash

from ciic.engines import originality_testdata as testdata
from ciic.engines.originality import (
    Document,
    OriginalityIndex,
    find_similar,
    jaccard,
    lsh_params,
    name_matches_past_winner,
    normalize,
    shared_passages,
    shingle_hash,
    shingles,
    signature,
)


@pytest.fixture(scope="module")
def corpus() -> testdata.Corpus:
    """200 applications of 3,000-5,000 characters, 10 of them disguised copies of another."""
    return testdata.corpus(200, planted=10, seed=7)


@pytest.fixture(scope="module")
def app() -> testdata.Application:
    return testdata.application(random.Random(11), 3000)


def spaced(text: str) -> str:
    return " ".join(text)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_normalize_drops_spacing_punctuation_and_width() -> None:
    assert normalize("数 字·孪-生，ＡＩ平台 V2.0！\u3000\t\n") == "数字孪生ai平台v20"
    assert normalize(spaced("工业互联网平台")) == "工业互联网平台"
    assert normalize(fullwidth("OPC UA 5G")) == normalize("opcua5g") == "opcua5g"
    assert normalize("e\u0301") == normalize("é")  # composed first
    assert normalize("") == ""


def test_signature_is_datasketch_minhash_of_the_shingle_hashes(app) -> None:
    text = normalize(app.text)
    hashes = shingles(text)
    assert hashes.dtype == np.uint32 and np.all(np.diff(hashes.astype(np.int64)) > 0)
    expected = {shingle_hash(text[i : i + 5]) for i in range(len(text) - 4)}
    assert set(hashes.tolist()) == expected
    reference = MinHash(num_perm=128, seed=1, hashfunc=int)
    reference.update_batch(hashes.tolist())
    assert np.array_equal(signature(hashes).hashvalues, reference.hashvalues)
    assert shingles("数字").tolist() == [shingle_hash("数字")]  # shorter than k: one shingle
    assert shingles("").size == 0


def test_lsh_params_favour_recall() -> None:
    b, r = lsh_params(0.5, 128)
    assert b * r <= 128
    assert 1 - (1 - 0.5**r) ** b >= 0.99


def test_planted_copies_found_and_nothing_else(corpus) -> None:
    documents = [Document(key, text) for key, text in corpus.texts.items()]
    pairs = find_similar(documents)
    found = {frozenset((p.a, p.b)) for p in pairs}
    assert found == corpus.planted  # recall 100%, no false pairs
    assert len(pairs) == len(found) == 10
    for pair in pairs:
        assert pair.jaccard >= 0.5 and pair.similarity > 0.4
        assert abs(pair.similarity - pair.jaccard) < 0.2
        assert pair.rule == "R-J2"
        assert pair.shared_passages and all(len(normalize(p)) >= 20 for p in pair.shared_passages)
    similarities = [p.similarity for p in pairs]
    assert similarities == sorted(similarities, reverse=True)


def test_unrelated_applications_share_little(corpus) -> None:
    """The generator is diverse enough that the test above means something: independent
    applications stay far below the threshold."""
    copies = set().union(*corpus.planted)
    keys = [k for k in corpus.texts if k not in copies][:120]
    sets = {k: shingles(normalize(corpus.texts[k])) for k in keys}
    worst = max(jaccard(sets[a], sets[b]) for a, b in itertools.combinations(keys, 2))
    assert worst < 0.25
    # Even at a low threshold nothing among them is reported.
    assert find_similar([Document(k, corpus.texts[k]) for k in keys], threshold=0.3) == []


def test_copy_of_a_past_winner_found_and_past_winners_never_paired() -> None:
    data = testdata.corpus(30, planted=2, past_winners=6, copied_winners=2, seed=3)
    kinds = {k: "past_winner" if k in data.past_winners else "application" for k in data.texts}
    copied = {w for pair in data.planted for w in pair if w in data.past_winners}
    winner = sorted(copied)[0]
    # The same project won twice: two past winners with the same text are not a finding,
    # but the application that copies it is paired with both.
    kinds["W-again"] = "past_winner"
    texts = {**data.texts, "W-again": data.texts[winner]}
    documents = [Document(key, text, kinds[key]) for key, text in texts.items()]

    pairs = find_similar(documents)

    (copier,) = (k for pair in data.planted if winner in pair for k in pair if k != winner)
    assert {frozenset((p.a, p.b)) for p in pairs} == data.planted | {frozenset((copier, "W-again"))}
    for pair in pairs:
        assert kinds[pair.a] == "application"
        assert pair.rule == ("R-J3" if kinds[pair.b] == "past_winner" else "R-J2")
    assert {(p.a, p.b) for p in pairs if p.rule == "R-J3"} == {
        (k, w) for pair in data.planted for k in pair for w in pair if w in copied and k != w
    } | {(copier, "W-again")}


@pytest.mark.parametrize(
    "disguise",
    [
        spaced,
        fullwidth,
        lambda t: "、".join(t),
        lambda t: "".join(c + ("·" if i % 3 == 0 else "") for i, c in enumerate(t)),
        lambda t: t.replace("。", "！ ").replace("，", " ; "),
    ],
    ids=["spaces", "fullwidth", "enumeration-commas", "middle-dots", "punctuation"],
)
def test_spacing_width_and_punctuation_do_not_hide_a_copy(app, disguise) -> None:
    original = Document("A", app.text)
    other = Document("B", testdata.application(random.Random(12), 3000).text)
    copy = Document("C", disguise(app.text))
    pairs = find_similar([original, other, copy])
    assert [(p.a, p.b) for p in pairs] == [("A", "C")]
    assert pairs[0].similarity == pairs[0].jaccard == 1.0


def test_shared_passages_are_in_both_texts() -> None:
    rng = random.Random(5)
    source = testdata.application(rng, 3000)
    copy = testdata.near_duplicate(rng, source, obfuscate=False)
    passages = shared_passages(source.text, copy.text)
    assert 1 <= len(passages) <= 5
    assert all(p in source.text and p in copy.text for p in passages)
    assert [len(p) for p in passages] == sorted((len(p) for p in passages), reverse=True)
    assert len(normalize(passages[0])) >= 100

    # Disguised copy: the passage reads as in the first text and is in the second once
    # normalized.
    disguised = testdata.near_duplicate(rng, source)
    passages = shared_passages(source.text, disguised.text, min_chars=30, limit=3)
    assert passages and len(passages) <= 3
    assert all(p in source.text and normalize(p) in normalize(disguised.text) for p in passages)
    assert all(len(normalize(p)) >= 30 for p in passages)
    passages = shared_passages(spaced(source.text), source.text)
    assert passages[0] in spaced(source.text)


def test_shared_passages_of_unrelated_texts_is_empty() -> None:
    rng = random.Random(6)
    a, b = (testdata.application(rng, 4000).text for _ in range(2))
    # Independent applications share stock phrases (作为牵头单位，负责…研发与…集成) but
    # nothing long.
    assert shared_passages(a, b, min_chars=40) == []
    assert all(len(normalize(p)) < 40 for p in shared_passages(a, b, min_chars=10))
    assert shared_passages("", a) == []


def test_name_matches_past_winner() -> None:
    past = [
        "面向锂电池行业的设备预测性维护平台",
        "基于数字孪生的钢铁高炉智能运维系统",
        "OPC UA 统一建模的工业数据中台",
    ]
    assert name_matches_past_winner("面向 锂电池 行业的设备预测性维护平台", past) == past[0]
    assert name_matches_past_winner("基于数字孪生的钢铁高炉智能运维系统。", past) == past[1]
    assert name_matches_past_winner(fullwidth("opc ua统一建模的工业数据中台"), past) == past[2]
    # One character changed in a long name is still flagged.
    assert name_matches_past_winner("基于数字孪生的钢铁高炉智能维护系统", past) == past[1]
    assert name_matches_past_winner("面向纺织行业的质量追溯区块链存证平台", past) is None
    assert name_matches_past_winner("数字孪生", past) is None
    assert name_matches_past_winner(" ·", past) is None
    assert name_matches_past_winner("面向锂电池行业的设备预测性维护平台", []) is None


def test_progress_reaches_total(corpus) -> None:
    documents = [Document(k, t) for k, t in list(corpus.texts.items())[:150]]
    calls: list[tuple[int, int]] = []
    find_similar(documents, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 150) and calls[-1] == (150, 150)
    assert all(total == 150 for _, total in calls)
    done = [d for d, _ in calls]
    assert done == sorted(done) and len(calls) >= 10


def test_index_is_incremental(corpus) -> None:
    (original, copy), *_ = sorted(sorted(p) for p in corpus.planted)
    others = [k for k in corpus.texts if k not in (original, copy)][:40]
    index = OriginalityIndex()
    for key in others:
        assert index.add(Document(key, corpus.texts[key])) == []
    assert len(index) == 40

    # A new application copying an indexed one is found at once.
    pairs = index.add(Document(original, corpus.texts[original]))
    assert pairs == []
    pairs = index.add(Document(copy, corpus.texts[copy]))
    assert [(p.a, p.b) for p in pairs] == [(original, copy)]
    with pytest.raises(ValueError):
        index.add(Document(copy, "重复的键"))

    # query() does not change the index, and ignores the document's own key.
    assert [(p.a, p.b) for p in index.query(Document(original, corpus.texts[original]))] == [
        (copy, original)
    ]
    assert len(index) == 42

    # A new version that no longer copies: the pair is gone.
    fresh = testdata.application(random.Random(99), 4000).text
    assert index.replace(Document(copy, fresh)) == []
    assert index.pairs() == []
    # ... and a version that copies again.
    assert len(index.replace(Document(copy, spaced(corpus.texts[original])))) == 1
    assert [(p.a, p.b) for p in index.pairs()] == [(original, copy)]

    index.remove(copy)
    assert copy not in index and index.pairs() == []
    with pytest.raises(KeyError):
        index.remove(copy)
    index.remove(copy, missing_ok=True)


def test_empty_texts_are_never_paired() -> None:
    pairs = find_similar([Document("A", ""), Document("B", " ，。"), Document("C", "")])
    assert pairs == []


def test_document_kind_is_checked() -> None:
    with pytest.raises(ValueError):
        Document("A", "文本", "winner")


def test_duplicate_keys_and_bad_thresholds_are_refused() -> None:
    with pytest.raises(ValueError):
        find_similar([Document("A", "工业互联网平台"), Document("A", "数字孪生")])
    with pytest.raises(ValueError):
        OriginalityIndex(threshold=0)
