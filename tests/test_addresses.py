"""Addresses and header values, checked before the email package sees them (digest/addresses.py).

test_mail.py covers the common accepted and refused forms; these cover the edges."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.addresses import (
    MAX_ADDRESS_LENGTH,
    AddressError,
    HeaderError,
    Recipient,
    ascii_domain,
    check_header_text,
    gather_recipients,
    is_plain_address,
    parse_recipient,
    read_recipient_file,
)
from digest.errors import FileError, UserError


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("a\r\nBcc: x@evil.example", "U+000D carriage return"),
        ("a\nb", "U+000A line feed"),
        ("a\tb", "U+0009 tab"),
        ("a\x00b", "U+0000 NUL"),
        ("a\u2028b", "U+2028 line separator"),
    ],
)
def test_a_refused_header_value_names_the_character_and_the_field(value: str, named: str) -> None:
    with pytest.raises(HeaderError) as refused:
        check_header_text("the issue title", value)
    assert refused.value.message.startswith("the issue title contains")
    assert named in refused.value.message
    assert refused.value.hint is not None and "plain space" in refused.value.hint
    assert isinstance(refused.value, UserError) and refused.value.exit_code == 2


def test_a_recipient_compares_by_lowercased_address_and_knows_its_domain() -> None:
    recipient = parse_recipient("  Ann Lee <Ann.Lee@Mail.Example.org>  ")
    assert recipient == Recipient("Ann.Lee@Mail.Example.org", "Ann Lee")
    assert recipient.key == "ann.lee@mail.example.org"
    assert recipient.domain == "Mail.Example.org"


def test_a_non_ascii_name_is_encoded_in_the_header_and_the_address_kept() -> None:
    recipient = parse_recipient("李四 <li@example.cn>")
    header = recipient.header_value()
    assert (header.display_name, header.username, header.domain) == ("李四", "li", "example.cn")
    assert str(recipient) == "李四 <li@example.cn>"
    assert str(parse_recipient("bo@example.org")) == "bo@example.org"


def test_quotes_around_a_name_are_taken_off_and_quotes_inside_refused() -> None:
    assert parse_recipient('"Ann Lee" <ann@example.org>').name == "Ann Lee"
    assert parse_recipient('"Lee; Ann" <ann@example.org>').name == "Lee; Ann"
    with pytest.raises(AddressError, match="quotes or backslashes"):
        parse_recipient('Ann "the editor" Lee <ann@example.org>')
    with pytest.raises(AddressError, match="quotes or backslashes"):
        parse_recipient("Ann \\ Lee <ann@example.org>")


def test_a_semicolon_list_is_refused_with_a_hint_to_quote() -> None:
    with pytest.raises(AddressError) as refused:
        parse_recipient("Ann; Bo <bo@example.org>", "--to")
    assert refused.value.message.startswith("--to 'Ann; Bo <bo@example.org>' holds more than one")
    assert refused.value.hint is not None and '"Lee, Ann"' in refused.value.hint


def test_the_address_length_limit_is_254_characters() -> None:
    domain = "@example.org"
    longest = "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 59 + domain
    assert len(longest) == MAX_ADDRESS_LENGTH
    assert is_plain_address(longest)
    assert not is_plain_address("x" + longest)
    with pytest.raises(AddressError, match="is not an email address"):
        parse_recipient("x" + longest)


@pytest.mark.parametrize(
    "address",
    ["ann@example", "ann@exa_mple.org", "ann@example-.org", ".ann@example.org", "ann.@example.org"],
)
def test_addresses_outside_the_plain_form_are_refused(address: str) -> None:
    assert not is_plain_address(address)


def test_a_list_file_that_is_not_utf8_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.txt"
    path.write_bytes("ann@example.org\nJosé <jose@example.org>\n".encode("latin-1"))
    with pytest.raises(FileError, match="cannot read the list") as refused:
        read_recipient_file(path)
    assert refused.value.path == path


def test_a_list_line_with_a_header_break_is_skipped_with_its_line_number(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.txt"
    path.write_text("ann@example.org\nbo@example.org\x00Bcc: x@evil.example\n", "utf-8")
    listed = read_recipient_file(path)
    assert [r.address for r in listed.recipients] == ["ann@example.org"]
    assert listed.problems == (
        f"{path}:2: address contains a line break or control character (U+0000 NUL);"
        " it cannot go into an email header; skipped",
    )


def test_duplicates_are_counted_within_the_list_and_across_to_and_list(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.txt"
    path.write_text("ann@example.org\nANN@example.org\nbo@example.org\n", "utf-8")
    gathered = gather_recipients(["Bo <BO@example.org>"], path)
    assert [str(r) for r in gathered.recipients] == ["Bo <BO@example.org>", "ann@example.org"]
    assert gathered.duplicates == 2


def test_a_bad_to_address_is_refused_outright_not_skipped() -> None:
    with pytest.raises(AddressError, match=r"^--to 'ann@' is not"):
        gather_recipients(["bo@example.org", "ann@"], None)
    assert gather_recipients([], None).recipients == ()


def test_an_internationalised_domain_goes_on_the_wire_in_ascii() -> None:
    recipient = parse_recipient("Ann <ann@例子.中国>")
    assert recipient.address == "ann@例子.中国"  # kept as written, for the log and the editor
    assert recipient.envelope == "ann@xn--fsqu00a.xn--fiqs8s"
    assert not recipient.needs_smtputf8
    assert recipient.header_value().domain == "xn--fsqu00a.xn--fiqs8s"


def test_a_local_part_that_is_not_ascii_needs_smtputf8() -> None:
    recipient = parse_recipient("陈@例子.中国")
    assert recipient.needs_smtputf8
    assert recipient.envelope == "陈@例子.中国"
    assert recipient.domain == "xn--fsqu00a.xn--fiqs8s"  # for message ids


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("example.org", "example.org"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("例子", None),  # one label is not a domain
        ("例子..中国", None),
        ("exa mple.org", None),
    ],
)
def test_ascii_domain(domain: str, expected: str | None) -> None:
    assert ascii_domain(domain) == expected


@pytest.mark.parametrize("address", ["陈 @例子.中国", "陈\u3000x@例子.中国", "陈@", "@例子.中国"])
def test_internationalised_addresses_still_refuse_spaces_and_missing_parts(address: str) -> None:
    assert not is_plain_address(address)


def test_a_line_separator_inside_a_list_line_does_not_split_it(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text(
        "ann@example.org\nbo@example.org\u2028cy@example.org\ndee@example.org\n", "utf-8"
    )
    listed = read_recipient_file(path)
    assert [r.address for r in listed.recipients] == ["ann@example.org", "dee@example.org"]
    assert len(listed.problems) == 1 and listed.problems[0].startswith(f"{path}:2: ")
