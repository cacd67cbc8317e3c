"""Values a request states for free-text parameters, read from the parameters' names and docs."""

from __future__ import annotations

import pytest

from agent.planners._corpora import make_tool
from agent.planners._values import fits_shape, named_value, shape_of, stated_value


def _params(*params: tuple[str, str]):
    spec = make_tool("t", "A tool.", [(name, str, doc, True) for name, doc in params], dict)
    return list(spec.params.values())


@pytest.mark.parametrize(
    ("name", "doc", "shape"),
    [
        ("date", "The date to book the flight for", "date"),
        ("when", "The date of the meeting", "date"),
        ("phone_number", "The phone number to call", "phone"),
        ("email_address", "Where to send it", "email"),
        ("to", "The email address to send the email to", "email"),
        ("year", "The year to do the tax return for", "year"),
        ("time", "The time to set the alarm to", "time"),
        ("software", "The software to manage", None),
        ("content", "The content of the sms", None),
    ],
)
def test_a_parameter_announces_its_shape_by_its_name_or_the_noun_its_doc_is_about(name, doc, shape):
    (param,) = _params((name, doc))
    assert shape_of(param) == shape


@pytest.mark.parametrize(
    ("name", "doc", "text", "value"),
    [
        ("date", "The date", "book a flight from Seattle on June 1st, 2023 please", "June 1st, 2023"),
        ("date", "The date", "a table on the 25th of April, 2023", "the 25th of April, 2023"),
        ("date", "The date", "the report from 2023-04-25", "2023-04-25"),
        ("time", "The time", "wake me at 7:30 am tomorrow", "7:30 am"),
        ("year", "The year", "my tax return for 2021", "2021"),
        ("phone_number", "The phone number", "call my broker at +1 234-567-8900 today", "+1 234-567-8900"),
        ("email", "The email address", "send it to john.doe@example.com.", "john.doe@example.com"),
        ("amount", "The amount", "transfer $1,250.50 to savings", "$1,250.50"),
    ],
)
def test_a_shaped_parameter_takes_a_value_of_its_shape(name, doc, text, value):
    (param,) = _params((name, doc))
    assert stated_value(param, text) == value


def test_a_shaped_parameter_takes_nothing_else():
    """A quoted title near a date parameter is no date; the reply asks for one instead."""
    (date,) = _params(("date", "The date to book the table for"))
    assert stated_value(date, "book La Piazza for our 'Italian Night' party") is None
    assert not fits_shape("date", "Italian Night")


def test_slots_take_the_name_after_the_word_they_are_documented_by():
    origin, destination = _params(
        ("from", "The location to book the flight from"), ("to", "The location to book the flight to")
    )
    text = "could you book me a flight from New York City to San Francisco next week"
    assert stated_value(origin, text) == "New York City"
    assert stated_value(destination, text) == "San Francisco"


def test_documented_examples_and_names_are_read_as_said():
    website, hotel, software = _params(
        ("website", "The website to buy the product from, eg. Amazon, Ebay, Taobao etc."),
        ("name", "The name of the hotel"),
        ("software", "The software to manage"),
    )
    assert stated_value(website, "buy a new laptop from amazon for me") == "amazon"
    assert named_value(hotel, "I need a room at the Dreamland Hotel in May") == "Dreamland Hotel"
    assert named_value(software, "then update its CleanBuddy software") == "CleanBuddy"
    assert stated_value(hotel, "I need a room at the Dreamland Hotel in May") is None  # a weaker reading


def test_a_name_is_a_whole_word():
    (data,) = _params(("data", "The data to hash"))
    assert named_value(data, "hash the encoded data using the hashData API") is None


def test_a_value_already_given_is_not_given_twice():
    (phone,) = _params(("phone_number", "The phone number"))
    assert stated_value(phone, "call 555-123-4567 or 555-765-4321", {"555-123-4567"}) == "555-765-4321"


def test_nothing_stated_gives_nothing():
    date, software = _params(("date", "The date"), ("software", "The software to manage"))
    assert stated_value(date, "whenever suits you") is None
    assert stated_value(software, "can you tidy up my computer") is None


def test_a_name_stops_where_the_next_sentence_starts():
    """Clauses are joined without their full stops; the next sentence's first word is no name."""
    (university,) = _params(("university", "The university to enroll in"))
    assert named_value(university, "a course at Stanford University Could you help") == "Stanford University"
    assert (
        named_value(university, "at Harvard University Meanwhile I have a question") == "Harvard University"
    )
    assert named_value(university, "at Stanford University and I will pay") == "Stanford University"
    (bank,) = _params(("bank", "The bank to use"))
    assert named_value(bank, "transfer it to Bank of America today") == "Bank of America"


@pytest.mark.parametrize("text", ["Ab " * 20000, "from " + "Aa " * 20000, "1 " * 20000 + "a", "a@" * 20000])
def test_a_huge_request_is_read_in_linear_time(text):
    """A web user's request is untrusted: runs of thousands of capitalised words, digits or
    near-emails once made the name and shape patterns backtrack for minutes (cubic time)."""
    params = _params(
        ("name", "The name of the hotel"),
        ("from", "The city to fly from"),
        ("phone", "The phone"),
        ("email", "An email"),
    )
    for param in params:
        for value in (stated_value(param, text), named_value(param, text)):
            assert value is None or len(value) <= 200
