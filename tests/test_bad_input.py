"""Hostile and malformed input, for every public entry point and every CLI command.

Each row must end in a clear error (the field, the value and the rule; for the
CLI exit code 2, or 3 for a refusal, and one line on stderr) and must cost zero
API calls, which the fake's call log proves.
"""

from __future__ import annotations

import random
from operator import methodcaller
from typing import TYPE_CHECKING, Any, Final

import pytest

from cli_runs import envelope
from slrkit import (
    ConfirmationMismatchError,
    DomainSpec,
    Fleet,
    InvalidInputError,
    ProfilesKit,
    RetryPolicy,
    UnsupportedRegionError,
    validate_region,
)
from slrkit._cli import main
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable

REGION: Final = "eu-west-2"
ACCOUNT: Final = "123456789012"
GOOD_ROLE: Final = "AWSServiceRoleForProfile_0123456789ab"

HOSTILE_RETRY: Any = 30
BAD_NAMES: Final = {
    "slash": "acme/prod",
    "dot-dot": "../acme",
    "unicode": "dömäin",
    "65-chars": "a" * 65,
    "empty": "",
    "space": "acme ",
    "not-a-string": 42,
}
BAD_REGIONS: Final = {
    "dot-dot": "../",
    "upper-case": "EU-WEST-2",
    "trailing-space": "us-east-1 ",
    "empty": "",
    "unsupported": "eu-west-1",
    "none": None,
}
BAD_DAYS: Final = {
    "zero": 0,
    "1099": 1099,
    "negative": -1,
    "bool": True,
    "float": 365.0,
    "str": "365",
}
BAD_TAGS: Final = {
    "aws-prefix": {"aws:team": "cx"},
    "reserved": {"slrkit:linked-role": "AWSServiceRoleForProfile_x"},
    "empty-key": {"": "x"},
    "129-char-key": {"k" * 129: "x"},
    "257-char-value": {"team": "v" * 257},
    "bad-char-key": {"team!": "x"},
    "unicode-key": {"tëam": "x"},
    "50-tags": {f"k{n}": "v" for n in range(50)},
    "huge": {f"k{n}": "v" for n in range(10_000)},
    "not-a-mapping": [("team", "cx")],
}
BAD_ROLES: Final = {
    "outside-prefix": "ops-admin",
    "prefix-only": "AWSServiceRoleForProfile_",
    "slash": "AWSServiceRoleForProfile_a/b",
    "dot-dot": "../AWSServiceRoleForProfile_x",
    "65-chars": "AWSServiceRoleForProfile_" + "x" * 40,
    "other-service": "AWSServiceRoleForSupport",
}


@pytest.fixture(scope="module")
def shared() -> tuple[FakeAWS, ProfilesKit]:
    """One fake and kit for the whole table: no row may ever reach either."""
    fake = FakeAWS(ACCOUNT)
    fake.add_role("ops-admin")  # a real role outside the path, for --role and role_name
    kit = ProfilesKit(
        REGION, session=fake.session(REGION), clock=fake.clock, rand=random.Random(0).random
    )
    return fake, kit


@pytest.fixture
def fake(shared: tuple[FakeAWS, ProfilesKit]) -> FakeAWS:
    """The shared fake, with an empty call log."""
    shared[0].clear_calls()
    return shared[0]


@pytest.fixture
def kit(shared: tuple[FakeAWS, ProfilesKit], fake: FakeAWS) -> ProfilesKit:
    """The shared kit on the fake."""
    return shared[1]


def _rows() -> list[Any]:
    """(call, error class, field, value) for every public method of a kit that takes input.

    The calls go through `operator.methodcaller`: hostile input breaks the static types
    on purpose, as an untyped caller would.
    """
    rows: list[Any] = []

    def add(label: str, call: methodcaller, field: str, value: object) -> None:
        error = ConfirmationMismatchError if field == "confirm" else InvalidInputError
        rows.append(pytest.param(call, error, field, value, id=label))

    for label, name in BAD_NAMES.items():
        add(
            f"ensure-name-{label}",
            methodcaller("ensure_domain", name, default_expiration_days=1),
            "domain_name",
            name,
        )
        add(
            f"describe-name-{label}",
            methodcaller("describe_linked_role", name),
            "domain_name",
            name,
        )
        add(f"plan-name-{label}", methodcaller("plan_domain_deletion", name), "domain_name", name)
        add(
            f"delete-name-{label}",
            methodcaller("safe_delete_domain", name, confirm=name),
            "domain_name",
            name,
        )
    for label, days in BAD_DAYS.items():
        add(
            f"ensure-days-{label}",
            methodcaller("ensure_domain", "acme", default_expiration_days=days),
            "default_expiration_days",
            days,
        )
    for label, tags in BAD_TAGS.items():
        add(
            f"ensure-tags-{label}",
            methodcaller("ensure_domain", "acme", default_expiration_days=1, tags=tags),
            "tags",
            None,
        )
    for label, role in BAD_ROLES.items():
        add(
            f"plan-role-{label}",
            methodcaller("plan_domain_deletion", "acme", role_name=role),
            "role_name",
            role,
        )
        add(
            f"delete-role-{label}",
            methodcaller("safe_delete_domain", "acme", confirm="acme", role_name=role),
            "role_name",
            role,
        )
    _option_rows(add)
    return rows


def _option_rows(add: Callable[[str, methodcaller, str, object], None]) -> None:
    """Add the rows of the optional settings and of the deletion's numbers."""
    settings = {
        "default_encryption_key": ("k" * 256, 7),
        "dead_letter_queue_url": ("q" * 256, b"https://sqs"),
        "matching": ({"Enabled": True},),
        "rule_based_matching": ("on",),
        "data_store": (True,),
    }
    for field, values in settings.items():
        for n, value in enumerate(values):
            add(
                f"ensure-{field}-{n}",
                methodcaller("ensure_domain", "acme", default_expiration_days=1, **{field: value}),
                field,
                value,
            )
    for label, confirm in {
        "case": "ACME",
        "space": "acme ",
        "empty": "",
        "none": None,
        "other-domain": "beta",
    }.items():
        add(
            f"delete-confirm-{label}",
            methodcaller("safe_delete_domain", "acme", confirm=confirm),
            "confirm",
            confirm,
        )
    for label, seconds in {"zero": 0, "negative": -1, "bool": True, "str": "60"}.items():
        add(
            f"delete-timeout-{label}",
            methodcaller("safe_delete_domain", "acme", confirm="acme", timeout=seconds),
            "timeout",
            seconds,
        )
    for label, seconds in {"negative": -1.0, "bool": False, "str": "nan"}.items():
        add(
            f"delete-grace-{label}",
            methodcaller("safe_delete_domain", "acme", confirm="acme", cleanup_grace=seconds),
            "cleanup_grace",
            seconds,
        )


@pytest.mark.parametrize(("call", "error", "field", "value"), _rows())
def test_kit_rejects_bad_input_before_any_call(
    shared: tuple[FakeAWS, ProfilesKit],
    call: Callable[[ProfilesKit], object],
    error: type[Exception],
    field: str,
    value: object,
) -> None:
    """The kit raises the error that names the field, the value and the rule, and sends
    nothing to AWS."""
    fake, kit = shared
    fake.clear_calls()
    with pytest.raises(error) as caught:
        call(kit)
    exc = caught.value
    if isinstance(exc, InvalidInputError):
        assert exc.field.split("[", 1)[0] == field
        if value is not None:
            assert exc.value == value
        assert exc.rule
        assert field in str(exc)
    else:
        assert isinstance(exc, ConfirmationMismatchError)
        assert exc.confirm == value
        assert "acme" in str(exc)
    assert fake.calls == ()


@pytest.mark.parametrize("region", BAD_REGIONS.values(), ids=BAD_REGIONS.keys())
def test_bad_regions_are_refused_everywhere_before_any_call(fake: FakeAWS, region: object) -> None:
    """``validate_region``, `ProfilesKit` and `Fleet` refuse a malformed or unsupported region
    with UnsupportedRegionError, nothing normalised and nothing sent. (A kit given None takes
    its session's region instead: that is tested with the kit.)"""
    builds: list[Callable[[], object]] = [
        lambda: validate_region(region),
        lambda: Fleet(fake.session(REGION), regions=[region], clock=fake.clock),  # type: ignore[list-item]
    ]
    if region is not None:
        builds.append(lambda: ProfilesKit(region, session=fake.session(REGION)))  # type: ignore[arg-type]
    for build in builds:
        with pytest.raises(UnsupportedRegionError) as caught:
            build()
        assert caught.value.field == "region"
        assert caught.value.value == region
    assert fake.calls == ()


CONSTRUCTIONS: Final[dict[str, tuple[Callable[[FakeAWS], object], str]]] = {
    "kit-account-id": (
        lambda f: ProfilesKit(REGION, session=f.session(REGION), account_id="1234"),
        "account_id",
    ),
    "kit-retry-not-a-policy": (
        lambda f: ProfilesKit(REGION, session=f.session(REGION), retry=HOSTILE_RETRY),
        "retry",
    ),
    "fleet-regions-a-string": (lambda f: Fleet(f.session(REGION), regions=REGION), "regions"),
    "fleet-no-regions": (lambda f: Fleet(f.session(REGION), regions=[]), "regions"),
    "fleet-zero-workers": (lambda f: Fleet(f.session(REGION), max_workers=0), "max_workers"),
    "fleet-bool-workers": (lambda f: Fleet(f.session(REGION), max_workers=True), "max_workers"),
    "fleet-no-accounts": (lambda _f: Fleet({}), "accounts"),
    "policy-zero-base": (lambda _f: RetryPolicy(base=0), "base"),
    "policy-negative-deadline": (lambda _f: RetryPolicy(deadline=-1), "deadline"),
    "policy-zero-attempts": (lambda _f: RetryPolicy(max_attempts=0), "max_attempts"),
    "policy-bool-retries": (lambda _f: RetryPolicy(throttle_retries=True), "throttle_retries"),
}


@pytest.mark.parametrize(("make", "field"), CONSTRUCTIONS.values(), ids=CONSTRUCTIONS.keys())
def test_bad_construction_is_refused_before_any_call(
    fake: FakeAWS, make: Callable[[FakeAWS], object], field: str
) -> None:
    """Kits, fleets and retry policies refuse bad arguments by name, with nothing sent."""
    with pytest.raises(InvalidInputError) as caught:
        make(fake)
    assert caught.value.field == field
    assert fake.calls == ()


def _fleet(fake: FakeAWS) -> Fleet:
    return Fleet(
        {"main": fake.session(REGION)},
        regions=[REGION],
        clock=fake.clock,
        rand=random.Random(0).random,
        rate_limits=None,
    )


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        pytest.param(
            DomainSpec(name="acme", region="us-east-1", default_expiration_days=1),
            "region",
            id="region-outside-the-fleet",
        ),
        pytest.param(
            DomainSpec(name="acme", region="../", default_expiration_days=1),
            "region",
            id="region-dot-dot",
        ),
        pytest.param(
            DomainSpec(name="acme", region=REGION, default_expiration_days=1, account="other"),
            "account",
            id="unknown-account",
        ),
    ],
)
def test_fleet_refuses_a_bad_spec_before_any_call(
    fake: FakeAWS, spec: DomainSpec, field: str
) -> None:
    """A spec outside the fleet stops ensure_all before it sends anything."""
    with pytest.raises(InvalidInputError) as caught:
        _fleet(fake).ensure_all([spec])
    assert caught.value.field == field
    assert fake.calls == ()


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        pytest.param(
            DomainSpec(name="a/b", region=REGION, default_expiration_days=1),
            "domain_name",
            id="bad-name",
        ),
        pytest.param(
            DomainSpec(name="acme", region=REGION, default_expiration_days=0),
            "default_expiration_days",
            id="zero-days",
        ),
        pytest.param(
            DomainSpec(name="acme", region=REGION, default_expiration_days=1, tags={"aws:x": "y"}),
            "tags",
            id="aws-tag",
        ),
    ],
)
def test_fleet_fails_a_bad_item_alone_and_sends_nothing_for_it(
    fake: FakeAWS, spec: DomainSpec, field: str
) -> None:
    """An invalid spec fails its own item with the field named, and makes no write (and, for
    a lone bad spec, no call at all)."""
    result = _fleet(fake).ensure_all([spec])
    [item] = result.items
    assert isinstance(item.error, InvalidInputError)
    assert item.error.field == field
    assert fake.calls == ()


# -- the command line ---------------------------------------------------------------------------


def _fleet_cli_rows() -> list[Any]:
    """Rows for the commands that work on the estate, through Fleet."""
    rows: list[Any] = []
    for label, region in BAD_REGIONS.items():
        if region is None:
            continue
        rows += [
            pytest.param(["audit", "--region", region], 2, id=f"audit-region-{label}"),
            pytest.param(
                ["cleanup-orphans", "--region", region, "--yes"], 2, id=f"cleanup-region-{label}"
            ),
        ]
    rows += [
        pytest.param(["audit", "--account-profile", "prod"], 2, id="audit-profile-with-fake"),
        pytest.param(
            ["cleanup-orphans", "--account-profile", "prod", "--yes"],
            2,
            id="cleanup-profile-with-fake",
        ),
    ]
    return rows


def _cli_rows() -> list[Any]:
    rows: list[Any] = []
    for label, name in BAD_NAMES.items():
        if not isinstance(name, str):
            continue
        rows += [
            pytest.param(
                ["ensure", name, "--region", REGION, "--expiration-days", "1"],
                2,
                id=f"ensure-name-{label}",
            ),
            pytest.param(["role", name, "--region", REGION], 2, id=f"role-name-{label}"),
            pytest.param(["plan-delete", name, "--region", REGION], 2, id=f"plan-name-{label}"),
            pytest.param(
                ["delete", name, "--region", REGION, "--confirm", name],
                2,
                id=f"delete-name-{label}",
            ),
        ]
    for label, region in BAD_REGIONS.items():
        if region is None:
            continue
        rows += [
            pytest.param(
                ["ensure", "acme", "--region", region, "--expiration-days", "1"],
                2,
                id=f"ensure-region-{label}",
            ),
            pytest.param(["role", "acme", "--region", region], 2, id=f"role-region-{label}"),
            pytest.param(["plan-delete", "acme", "--region", region], 2, id=f"plan-region-{label}"),
            pytest.param(
                ["delete", "acme", "--region", region, "--confirm", "acme"],
                2,
                id=f"delete-region-{label}",
            ),
        ]
    for days in ("0", "1099", "-1", "True", "1.5", ""):
        rows.append(
            pytest.param(
                ["ensure", "acme", "--region", REGION, "--expiration-days", days],
                2,
                id=f"ensure-days-{days or 'empty'}",
            )
        )
    for tag in ("aws:team=cx", "slrkit:linked-role=x", "=cx", "team", f"{'k' * 129}=v"):
        rows.append(
            pytest.param(
                ["ensure", "acme", "--region", REGION, "--expiration-days", "1", "--tag", tag],
                2,
                id=f"ensure-tag-{tag[:20]}",
            )
        )
    many = [arg for n in range(60) for arg in ("--tag", f"k{n}=v")]
    rows.append(
        pytest.param(
            ["ensure", "acme", "--region", REGION, "--expiration-days", "1", *many],
            2,
            id="ensure-60-tags",
        )
    )
    for label, role in BAD_ROLES.items():
        rows += [
            pytest.param(
                ["plan-delete", "acme", "--region", REGION, "--role", role],
                2,
                id=f"plan-role-{label}",
            ),
            pytest.param(
                ["delete", "acme", "--region", REGION, "--confirm", "acme", "--role", role],
                2,
                id=f"delete-role-{label}",
            ),
        ]
    for confirm in ("ACME", "acme ", "", "beta"):
        rows.append(
            pytest.param(
                ["delete", "acme", "--region", REGION, "--confirm", confirm],
                3,
                id=f"delete-confirm-{confirm.strip() or 'blank'}",
            )
        )
    rows.append(
        pytest.param(
            ["delete", "acme", "--region", REGION], 3, id="delete-unconfirmed-without-a-terminal"
        )
    )
    return rows


@pytest.mark.parametrize(("argv", "code"), _cli_rows() + _fleet_cli_rows())
def test_cli_rejects_bad_input_in_one_line_before_any_call(
    fake: FakeAWS, capsys: pytest.CaptureFixture[str], argv: list[str], code: int
) -> None:
    """Each command exits 2 (usage) or 3 (refused) with one line on stderr that names the
    problem, prints nothing on stdout, and sends nothing to AWS."""
    assert main(["--fake", *argv], fake=fake) == code
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "error:" in lines[0]
    assert "Traceback" not in err
    assert fake.calls == ()


def test_cli_json_errors_are_one_document(
    fake: FakeAWS, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --json a refused input still exits 2, with one JSON envelope on stdout."""
    code = main(
        ["--fake", "--json", "ensure", "acme", "--region", REGION, "--expiration-days", "0"],
        fake=fake,
    )
    out, _ = capsys.readouterr()
    assert code == 2
    error = envelope(out)["error"]
    assert error["code"] == "invalid-input"
    assert error["exit_code"] == 2
    assert fake.calls == ()
