"""An estate file: the domains that ``slrkit apply`` converges, as a repository keeps them.

::

    [accounts]                # optional: a name -> a profile; without it, the default session
    prod = { profile = "prod" }

    [[domain]]
    name = "acme"
    region = "eu-west-2"
    account = "prod"          # optional with one account, or none
    default_expiration_days = 365
    tags = { team = "cx" }    # optional; any other setting of ensure by its name

The whole file is checked before anything is sent: TOML syntax, unknown keys,
duplicate domains, unsupported regions, unknown accounts and every setting's
rule are usage errors that name the file and the line.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final, cast

import attrs

from slrkit._cli.core import UsageError
from slrkit._cli.settings import SETTING_NAMES, settings_from
from slrkit._fleet import DomainSpec
from slrkit._regions import validate_region
from slrkit._validate import validate_domain_name
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["DEFAULT_ACCOUNT", "Estate", "read_estate"]

DEFAULT_ACCOUNT: Final = "default"
"""The account of an estate without ``[accounts]``: the default session's."""

_WHERE: Final = ("name", "region", "account")
_TABLES: Final = ("accounts", "domain")
_ACCOUNT_KEYS: Final = ("profile",)
_KEY: Final = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*[.=]""")

_Table = tuple[object, ...]


@attrs.frozen(kw_only=True)
class Estate:
    """What an estate file asks for.

    Attributes:
        path: The file, as given.
        accounts: The profile of each account by name; ``{"default": None}`` when
            the file has no ``[accounts]``.
        specs: The domains, in the file's order, each naming its account.
    """

    path: str
    accounts: Mapping[str, str | None]
    specs: tuple[DomainSpec, ...]


TOML_EXTRA: Final = "slrkit-aws[toml]"
"""What Python 3.10 installs to read TOML (3.11 has tomllib); the runtime needs only boto3
and attrs."""


def _toml(path: str, text: str) -> dict[str, object]:
    """*text*, the file *path*, as TOML.

    Raises:
        UsageError: Not TOML; or, on Python 3.10, no tomli to read it with.
    """
    if sys.version_info >= (3, 11):
        import tomllib  # noqa: PLC0415  # where the standard library has it
    else:
        try:
            import tomli as tomllib  # noqa: PLC0415  # an extra, asked for only by apply
        except ModuleNotFoundError:
            raise UsageError(
                f"{path}: reading TOML on Python 3.10 needs tomli: pip install '{TOML_EXTRA}'"
            ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not TOML: {exc}") from exc


def read_estate(path: str) -> Estate:
    """Read and check the estate file *path*; nothing is sent.

    Raises:
        UsageError: The file cannot be read, or breaks a rule of the format.
        InvalidInputError: A name, region or setting breaks its rule; the field
            names the file and line.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it: {exc}") from exc
    document = _toml(path, text)
    places = _Places(path, text)
    for key in document:
        if key not in _TABLES:
            raise UsageError(
                f"{places.at((), key)}: unknown key {key!r}; an estate holds an [accounts] "
                "table and [[domain]] tables"
            )
    accounts = _accounts(document.get("accounts"), places)
    tables = document.get("domain")
    if not isinstance(tables, list) or not tables:
        raise UsageError(f"{places.at((), 'domain')}: no [[domain]] tables: nothing to apply")
    specs: list[DomainSpec] = []
    seen: dict[tuple[str, str, str], int] = {}
    for index, table in enumerate(cast("list[object]", tables)):
        spec = _spec(table, ("domain", index), accounts, places)
        where = (spec.account or DEFAULT_ACCOUNT, spec.region, spec.name)
        if where in seen:
            raise UsageError(
                f"{places.at(('domain', index), None)}: domain {spec.name!r} in {spec.region} "
                f"of account {where[0]} is already at line {seen[where]}"
            )
        seen[where] = places.line(("domain", index), None)
        specs.append(spec)
    return Estate(path=path, accounts=accounts, specs=tuple(specs))


def _accounts(table: object, places: _Places) -> dict[str, str | None]:
    if table is None:
        return {DEFAULT_ACCOUNT: None}
    if not isinstance(table, dict) or not table:
        raise UsageError(
            f"{places.at((), 'accounts')}: [accounts] must name at least one account, "
            'as name = { profile = "PROFILE" }'
        )
    accounts: dict[str, str | None] = {}
    for name, entry in cast("dict[str, object]", table).items():
        where = places.at(("accounts",), name)
        if not isinstance(entry, dict):
            raise UsageError(f'{where}: account {name!r} must be {{ profile = "PROFILE" }}')
        fields = cast("dict[str, object]", entry)
        for key in fields:
            if key not in _ACCOUNT_KEYS:
                raise UsageError(
                    f"{where}: unknown key {key!r} in account {name!r}; an account has a profile"
                )
        profile = fields.get("profile")
        if not isinstance(profile, str) or not profile:
            raise UsageError(f"{where}: account {name!r} needs its profile, as a string")
        accounts[name] = profile
    return accounts


def _spec(
    raw: object, table: _Table, accounts: Mapping[str, str | None], places: _Places
) -> DomainSpec:
    header = places.at(table, None)
    if not isinstance(raw, dict):
        raise UsageError(f"{header}: a [[domain]] must be a table")
    fields = cast("dict[str, object]", raw)
    for key in fields:
        if key not in _WHERE and key not in SETTING_NAMES:
            raise UsageError(
                f"{places.at(table, key)}: unknown key {key!r} in [[domain]]; it takes "
                f"{', '.join(_WHERE)} and the settings {', '.join(SETTING_NAMES)}"
            )
    for key in ("name", "region"):
        if key not in fields:
            raise UsageError(f"{header}: a [[domain]] needs its {key}")
    name = _checked(lambda: validate_domain_name(fields["name"], "name"), places.at(table, "name"))
    region = _checked(lambda: validate_region(fields["region"]), places.at(table, "region"))
    account = _account(fields.get("account"), accounts, places.at(table, "account"))
    settings = settings_from(
        {k: v for k, v in fields.items() if k not in _WHERE}, lambda key: places.at(table, key)
    )
    if "default_expiration_days" not in settings:
        raise UsageError(f"{header}: domain {name!r} needs default_expiration_days (to create it)")
    return DomainSpec(name=name, region=region, account=account, **settings)


def _account(given: object, accounts: Mapping[str, str | None], where: str) -> str:
    if given is None:
        if len(accounts) > 1:
            raise UsageError(f"{where}: name the account, one of {', '.join(accounts)}")
        return next(iter(accounts))
    if given not in accounts or accounts == {DEFAULT_ACCOUNT: None}:
        known = (
            "the file has no [accounts] table"
            if accounts == {DEFAULT_ACCOUNT: None}
            else f"one of {', '.join(accounts)}"
        )
        raise UsageError(f"{where}: unknown account {given!r}; {known}")
    return cast("str", given)


def _checked(check: Callable[[], str], where: str) -> str:
    """The value *check* returns, or its `InvalidInputError` with the field at *where*."""
    try:
        return check()
    except InvalidInputError as exc:
        raise InvalidInputError(f"{where}: {exc.field}", exc.value, exc.rule) from exc


class _Places:
    """The line of each key of a TOML file, for errors (`tomllib` keeps none).

    It reads table headers and ``key =`` lines, skipping multi-line strings: enough
    for the keys of an estate, its tables and its [[domain]] entries.
    """

    def __init__(self, path: str, text: str) -> None:
        self._path = path
        self._lines: dict[tuple[_Table, str | None], int] = {}
        table: _Table = ()
        domains = -1
        quote: str | None = None
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if quote is not None:
                quote = None if line.count(quote) % 2 else quote
                continue
            if line.startswith("[["):
                name = line[2:].split("]]", 1)[0].strip()
                if name == "domain":
                    domains += 1
                    table = ("domain", domains)
                    self._note(table, None, number)
                else:
                    table = (name,)
                self._note((), name, number)
            elif line.startswith("["):
                parts = [p.strip().strip("\"'") for p in line[1:].split("]", 1)[0].split(".")]
                owner: _Table = ("domain", domains) if parts[0] == "domain" else (parts[0],)
                if len(parts) > 1:
                    self._note(owner, parts[1], number)
                else:
                    self._note((), parts[0], number)
                    self._note(owner, None, number)
                table = owner if len(parts) == 1 else (*owner, *parts[1:])
            elif (match := _KEY.match(line)) is not None:
                key = next(group for group in match.groups() if group is not None)
                self._note(table, key, number)
            quote = next((q for q in ('"""', "'''") if line.count(q) % 2), None)

    def _note(self, table: _Table, key: str | None, number: int) -> None:
        self._lines.setdefault((table, key), number)

    def line(self, table: _Table, key: str | None) -> int:
        """The line of *key* in *table* (None: the table's header); else the header's, or 1."""
        return self._lines.get((table, key)) or self._lines.get((table, None)) or 1

    def at(self, table: _Table, key: str | None) -> str:
        """``FILE:LINE`` of *key* in *table*."""
        return f"{self._path}:{self.line(table, key)}"
