"""Local validation of everything the API limits but botocore does not check."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slrkit import InvalidInputError, JobSchedule, Matching, RuleBasedMatching
from slrkit._settings import MatchingRule, validate_settings
from slrkit._validate import (
    validate_account_id,
    validate_confirm,
    validate_dead_letter_queue_url,
    validate_default_encryption_key,
    validate_domain_name,
    validate_expiration_days,
    validate_linked_role_name,
    validate_role_name,
    validate_tags,
)
from slrkit.exceptions import ConfirmationMismatchError

NAME_CHARS = string.ascii_letters + string.digits + "_-"
TAG_KEY_CHARS = string.ascii_letters + string.digits + "+-=._:/,;<"
ROLE_CHARS = string.ascii_letters + string.digits + "_+=,.@-"


@given(st.text(alphabet=NAME_CHARS, min_size=1, max_size=64))
def test_valid_domain_names_pass(name: str) -> None:
    """Any 1-64 characters of letters, digits, '_' and '-' is a valid domain name."""
    assert validate_domain_name(name) == name


@given(st.text(alphabet=NAME_CHARS, min_size=65, max_size=200))
def test_long_domain_names_fail(name: str) -> None:
    """A name over 64 characters fails, naming the field and the limit."""
    with pytest.raises(InvalidInputError, match="1 to 64") as caught:
        validate_domain_name(name)
    assert caught.value.field == "domain_name"
    assert caught.value.value == name


@given(st.text(min_size=1, max_size=64).filter(lambda s: any(c not in NAME_CHARS for c in s)))
def test_domain_names_with_other_characters_fail(name: str) -> None:
    """Slashes, spaces, unicode and the like are refused with the pattern in the message."""
    with pytest.raises(InvalidInputError, match=r"\^\[a-zA-Z0-9_-\]\+\$"):
        validate_domain_name(name)


@pytest.mark.parametrize("name", ["", 7, None, b"bytes"])
def test_empty_or_non_string_domain_names_fail(name: object) -> None:
    """An empty name or a non-string is refused."""
    with pytest.raises(InvalidInputError):
        validate_domain_name(name)


@given(st.integers(min_value=1, max_value=1098))
def test_expiration_days_in_range_pass(days: int) -> None:
    """1 to 1098 days are accepted."""
    assert validate_expiration_days(days) == days


@given(st.integers().filter(lambda d: not 1 <= d <= 1098))
def test_expiration_days_out_of_range_fail(days: int) -> None:
    """Anything outside 1 to 1098 fails, naming the field."""
    with pytest.raises(InvalidInputError, match="from 1 to 1098") as caught:
        validate_expiration_days(days)
    assert caught.value.field == "default_expiration_days"


@pytest.mark.parametrize("days", [True, False, 1.5, "365", None])
def test_expiration_days_must_be_a_real_integer(days: object) -> None:
    """A bool, float, string or None is not a number of days."""
    with pytest.raises(InvalidInputError, match="integer"):
        validate_expiration_days(days)


@given(st.text(max_size=255))
def test_key_and_queue_up_to_255_pass(value: str) -> None:
    """The KMS key and the queue URL take up to 255 characters (empty clears them)."""
    assert validate_default_encryption_key(value) == value
    assert validate_dead_letter_queue_url(value) == value


@given(st.text(min_size=256, max_size=400))
def test_key_and_queue_over_255_fail(value: str) -> None:
    """Over 255 characters fails for both, naming each field."""
    with pytest.raises(InvalidInputError) as key_error:
        validate_default_encryption_key(value)
    with pytest.raises(InvalidInputError) as url_error:
        validate_dead_letter_queue_url(value)
    assert key_error.value.field == "default_encryption_key"
    assert url_error.value.field == "dead_letter_queue_url"


tag_keys = st.text(alphabet=TAG_KEY_CHARS, min_size=1, max_size=128).filter(
    lambda k: not k.startswith("aws:") and k != "slrkit:linked-role"
)


@given(st.dictionaries(tag_keys, st.text(max_size=256), max_size=50))
def test_valid_tag_maps_pass(tags: dict[str, str]) -> None:
    """Up to 50 tags with valid keys and values of up to 256 characters pass."""
    assert validate_tags(tags) == tags


@given(st.text(alphabet=TAG_KEY_CHARS, max_size=20))
def test_tag_keys_starting_with_aws_fail(suffix: str) -> None:
    """A tag key starting with 'aws:' is reserved by AWS."""
    with pytest.raises(InvalidInputError, match="aws:"):
        validate_tags({f"aws:{suffix}": "v"})


@pytest.mark.parametrize(
    ("tags", "match"),
    [
        ({"": "v"}, "1 to 128"),
        ({"k" * 129: "v"}, "1 to 128"),
        ({"bad key": "v"}, "may contain only"),
        ({"k": "v" * 257}, "at most 256"),
        ({"k": 5}, "at most 256"),
        ({f"k{i}": "v" for i in range(51)}, "at most 50"),
        ({"slrkit:linked-role": "x"}, "managed by slrkit"),
        (["k", "v"], "mapping"),
    ],
)
def test_bad_tags_fail_with_the_rule(tags: object, match: str) -> None:
    """Each kind of bad tag map fails with the rule it broke."""
    with pytest.raises(InvalidInputError, match=match):
        validate_tags(tags)


@given(st.text(alphabet=ROLE_CHARS, min_size=1, max_size=64))
def test_valid_role_names_pass(name: str) -> None:
    """IAM role names are 1 to 64 of [\\w+=,.@-]."""
    assert validate_role_name(name) == name


@pytest.mark.parametrize("name", ["", "x" * 65, "a/b", "role name", "r\u00f4le"])
def test_bad_role_names_fail(name: str) -> None:
    """Empty, long, or with a slash, a space or non-ASCII: refused."""
    with pytest.raises(InvalidInputError):
        validate_role_name(name)


@given(st.text(alphabet=ROLE_CHARS, min_size=1, max_size=39))
def test_linked_role_names_need_the_profile_prefix(suffix: str) -> None:
    """Only AWSServiceRoleForProfile_<id> can be a Customer Profiles role."""
    assert validate_linked_role_name(f"AWSServiceRoleForProfile_{suffix}")
    if not f"x{suffix}".startswith("xAWSServiceRoleForProfile_"):
        with pytest.raises(InvalidInputError, match="AWSServiceRoleForProfile_"):
            validate_linked_role_name(f"Other_{suffix}")


def test_bare_prefix_is_not_a_linked_role() -> None:
    """The prefix alone, with no unique id, is refused."""
    with pytest.raises(InvalidInputError):
        validate_linked_role_name("AWSServiceRoleForProfile_")


@given(st.text(max_size=70), st.text(max_size=70))
def test_confirm_must_repeat_the_name(name: str, confirm: str) -> None:
    """Confirmation passes only for the exact name."""
    if confirm == name:
        validate_confirm(name, confirm)
    else:
        with pytest.raises(ConfirmationMismatchError):
            validate_confirm(name, confirm)


@pytest.mark.parametrize(
    ("setting", "path", "match"),
    [
        (
            Matching(enabled=True, job_schedule=JobSchedule(day_of_the_week="FUNDAY", time="3:00")),
            "matching.job_schedule.day_of_the_week",
            "SUNDAY",
        ),
        (
            Matching(
                enabled=True, job_schedule=JobSchedule(day_of_the_week="MONDAY", time="24:00")
            ),
            "matching.job_schedule.time",
            "must match",
        ),
        (
            RuleBasedMatching(enabled=True, max_allowed_rule_level_for_matching=16),
            "rule_based_matching.max_allowed_rule_level_for_matching",
            "from 1 to 15",
        ),
        (
            RuleBasedMatching(enabled=True, matching_rules=(MatchingRule(rule=()),)),
            "rule_based_matching.matching_rules[0].rule",
            "1 to 15",
        ),
        (
            RuleBasedMatching(enabled="yes"),  # type: ignore[arg-type]
            "rule_based_matching.enabled",
            "True or False",
        ),
    ],
)
def test_nested_settings_errors_name_the_full_path(setting: object, path: str, match: str) -> None:
    """A bad nested setting is reported by its full path and the rule."""
    root = path.split(".", maxsplit=1)[0]
    with pytest.raises(InvalidInputError, match=match) as caught:
        validate_settings(setting, root)
    assert caught.value.field == path


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (validate_domain_name, "acme\n"),
        (validate_role_name, "AWSServiceRoleForProfile_abc\n"),
        (validate_linked_role_name, "AWSServiceRoleForProfile_abc\n"),
        (validate_account_id, "123456789012\n"),
    ],
)
def test_patterns_match_the_whole_string(check: object, value: str) -> None:
    """A trailing newline, which a pattern ending in `$` lets through under `re.match`, is
    refused."""
    assert callable(check)
    with pytest.raises(InvalidInputError):
        check(value)


def test_a_tag_key_with_a_trailing_newline_is_refused() -> None:
    """`k\\n` is not a tag key, although the model's pattern ends in `$`."""
    with pytest.raises(InvalidInputError, match="may contain only"):
        validate_tags({"k\n": "v"})


@pytest.mark.parametrize("key", ["aws:x", "AWS:x", "Aws:cost", "aWs:"])
def test_the_aws_prefix_is_reserved_in_any_case(key: str) -> None:
    """AWS reserves `aws:` whatever its case; the error names the rule."""
    with pytest.raises(InvalidInputError, match="any case") as caught:
        validate_tags({key: "v"})
    assert caught.value.value == key


# Arabic-Indic and fullwidth digits: `\d` matches them, an account id is ASCII.
OTHER_DIGITS = tuple(
    "".join(chr(zero + int(d)) for d in "123456789012") for zero in (0x660, 0xFF10)
)


@pytest.mark.parametrize(
    "account", [123456789012, *OTHER_DIGITS, "12345678901", "1234567890123", None]
)
def test_an_account_id_is_a_string_of_twelve_ascii_digits(account: object) -> None:
    """An int, other scripts' digits, and 11 or 13 digits are refused, naming the rule."""
    with pytest.raises(InvalidInputError, match="12 digits 0-9") as caught:
        validate_account_id(account)
    assert caught.value.field == "account_id"


def test_a_valid_account_id_passes() -> None:
    """Twelve ASCII digits, leading zeros kept, pass unchanged."""
    assert validate_account_id("000123456789") == "000123456789"
