"""The words a task text is searched by: content words, identifier parts, joined pairs."""

from __future__ import annotations

from graphmem.queries.keywords import MAX_JOINED_TERMS, MAX_QUERY_TERMS, query_terms


def test_a_report_is_searched_by_its_content_words() -> None:
    words = query_terms("When I call the client it should retry, but it does not retry")
    assert words[:3] == ["call", "client", "retry"]
    assert not {"when", "the", "it", "should", "but", "does", "not"} & set(words)


def test_identifiers_give_their_parts_dunder_names_included() -> None:
    words = query_terms("max_attempts is ignored by getHTTPResponse and __getattr__ wrappers")
    assert {"max", "attempts", "gethttpresponse", "httpresponse"} <= set(words)
    # `__getattr__` is one part between underscores: the part alone is what an index holds
    assert "getattr" in words


def test_adjacent_words_are_also_joined_as_code_names_them() -> None:
    words = query_terms("it looks like an SSL context is shared and the file name lost")
    assert {"sslcontext", "filename"} <= set(words)
    assert words.index("sslcontext") > words.index("context")  # the words themselves first


def test_words_apart_by_punctuation_or_digits_are_not_joined() -> None:
    words = query_terms("set verify= , leak on http2 clients")
    assert "verifyleak" not in words and "http2clients" not in words


def test_a_long_report_keeps_its_first_words_and_a_bounded_number_of_pairs() -> None:
    report = " ".join(f"word{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(100))
    words = query_terms(report.replace("word", "w"))
    assert len(words) <= MAX_QUERY_TERMS + MAX_JOINED_TERMS
    assert words[0] == "waa"
