"""Problem details name the request exactly as the client sent it."""

import json

from django.test import RequestFactory

from core.apitools import problem_response, request_as_sent


def test_a_raw_utf8_query_from_a_wsgi_server_comes_back_percent_encoded_once():
    # A WSGI server hands the query's bytes over read as Latin-1.
    sent = "q=算力&ordering=x".encode().decode("latin-1")
    request = RequestFactory().get("/api/v1/companies", QUERY_STRING=sent)
    request.META["QUERY_STRING"] = sent
    assert request_as_sent(request) == "/api/v1/companies?q=%E7%AE%97%E5%8A%9B&ordering=x"


def test_a_percent_encoded_query_comes_back_as_it_was_sent():
    request = RequestFactory().get("/api/v1/companies")
    request.META["QUERY_STRING"] = "q=%E7%AE%97%E5%8A%9B&limit=500"
    body = json.loads(problem_response(request, 422, "limit is too big").content)
    assert body["instance"] == "/api/v1/companies?q=%E7%AE%97%E5%8A%9B&limit=500"


def test_a_path_without_a_query_has_no_question_mark():
    request = RequestFactory().get("/api/v1/articles/一篇")
    assert request_as_sent(request) == "/api/v1/articles/%E4%B8%80%E7%AF%87"
