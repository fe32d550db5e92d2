"""A domain's settings are described once (`slrkit._spec`), and every place sees each one.

The table is `SETTINGS`. Each test here walks it, so a setting added there and
forgotten in one place (the kit's signature, a fleet's spec, the Pulumi inputs,
the command line) fails here.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Final

import attrs
import pytest

from slrkit import (
    DataStore,
    Domain,
    DomainSpec,
    Fleet,
    Matching,
    ProfilesKit,
    RuleBasedMatching,
)
from slrkit._cli import main
from slrkit._pulumi_props import INPUT_NAMES
from slrkit._settings import Setting, settings_to_props
from slrkit._spec import SETTINGS, DomainSettings, about
from slrkit.pulumi import CustomerProfilesDomain, DomainProvider
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from pathlib import Path

REGION: Final = "eu-west-2"
NAMES: Final = tuple(field.name for field in SETTINGS)
EXAMPLES: Final[dict[str, object]] = {
    "default_expiration_days": 30,
    "default_encryption_key": "arn:aws:kms:eu-west-2:123456789012:key/1234abcd",
    "dead_letter_queue_url": "https://sqs.eu-west-2.amazonaws.com/123456789012/dlq",
    "matching": Matching(enabled=True),
    "rule_based_matching": RuleBasedMatching(enabled=True),
    "data_store": DataStore(enabled=True),
    "tags": {"team": "cx"},
}
"""A value for each setting; a new setting needs one here, or the first test fails."""


def _arrived(domain: Domain | None) -> None:
    """*domain* has every example setting (and maybe more tags)."""
    assert domain is not None
    for name, value in EXAMPLES.items():
        if name == "tags":
            assert isinstance(value, dict)
            assert value.items() <= dict(domain.tags).items()
        else:
            assert getattr(domain, name) == value, name


def test_every_setting_has_an_example_and_a_domain_attribute() -> None:
    """The examples cover the table, and `Domain` reports every setting under its name."""
    assert set(EXAMPLES) == set(NAMES)
    domain_fields = set(attrs.fields_dict(Domain))
    assert set(NAMES) <= domain_fields


def test_the_kit_takes_every_setting_by_name_in_table_order() -> None:
    """`ensure_domain`'s keyword arguments are the table's settings, in its order, then the
    tags to remove and the two switches."""
    assert list(inspect.signature(DomainSettings).parameters) == list(NAMES)
    ensure = inspect.signature(ProfilesKit.ensure_domain).parameters
    assert [p for p in ensure if p not in ("self", "name")] == [
        *NAMES,
        "remove_tags",
        "dry_run",
        "wait_for_role",
    ]


def test_a_fleet_spec_inherits_every_setting() -> None:
    """`DomainSpec` holds the table's fields themselves (inherited, not copied)."""
    spec_fields = attrs.fields_dict(DomainSpec)
    for field in SETTINGS:
        assert about(spec_fields[field.name]) is about(field)
    assert set(attrs.fields_dict(DomainSpec)) - set(NAMES) == {"name", "region", "account"}


def test_the_pulumi_resource_takes_every_setting() -> None:
    """The provider's inputs and the resource's arguments name every setting."""
    assert set(NAMES) <= set(INPUT_NAMES)
    resource = inspect.signature(CustomerProfilesDomain.__init__).parameters
    assert set(NAMES) <= set(resource)


def test_the_command_line_has_a_flag_for_every_plain_setting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each setting with a flag in the table is an option of ``slrkit ensure``; the others
    are the structured settings."""
    assert main(["ensure", "--help"]) == 0
    usage = capsys.readouterr().out
    for field in SETTINGS:
        flag = about(field).flag
        if flag is None:
            assert about(field).kind is not None, field.name
        else:
            assert f"{flag} " in usage, flag


def test_the_kit_writes_every_setting(fake: FakeAWS) -> None:
    """`ensure_domain` with every setting creates a domain that has each of them."""
    kit = fake.kit(REGION)
    kit.ensure_domain("acme", **EXAMPLES)  # type: ignore[arg-type]
    _arrived(kit.plan_domain_deletion("acme").domain)


def test_a_fleet_writes_every_setting(fake: FakeAWS) -> None:
    """`Fleet.ensure_all` with a spec holding every setting creates a domain that has each."""
    fleet = Fleet(fake.session(REGION), regions=[REGION], clock=fake.clock)
    spec = DomainSpec(name="acme", region=REGION, **EXAMPLES)  # type: ignore[arg-type]
    [item] = fleet.ensure_all([spec]).items
    assert item.ok, item.error
    _arrived(fake.kit(REGION).plan_domain_deletion("acme").domain)


def test_the_pulumi_provider_writes_every_setting(tmp_path: Path) -> None:
    """The provider, given every setting as pulumi-aws properties, creates a domain that has
    each of them, and echoes each one back."""
    props: dict[str, object] = {
        name: settings_to_props(value) if isinstance(value, Setting) else value
        for name, value in EXAMPLES.items()
    }
    provider = DomainProvider(fake_state=tmp_path / "fake.json")
    checked = provider.check({}, {"domain_name": "acme", "region": REGION, **props})
    assert checked.failures == []
    created = provider.create(checked.inputs)
    assert created.outs is not None
    for name, value in props.items():
        assert created.outs[name] == value, name
    _arrived(FakeAWS.load(tmp_path / "fake.json").kit(REGION).plan_domain_deletion("acme").domain)


@pytest.mark.parametrize("field", SETTINGS, ids=NAMES)
def test_every_setting_is_checked_by_its_rule(field: attrs.Attribute[object]) -> None:
    """A value of the wrong type is refused for each setting, naming it."""
    kwargs = dict(EXAMPLES)
    kwargs[field.name] = object()
    with pytest.raises(ValueError, match=field.name.split("_", maxsplit=1)[0]):
        DomainSettings(**kwargs)  # type: ignore[arg-type]
