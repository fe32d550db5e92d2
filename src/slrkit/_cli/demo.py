"""``slrkit demo``: the lifecycle on the embedded fake, narrated, with the API calls counted."""

from __future__ import annotations

import random
import textwrap
import time
from collections import Counter
from typing import TYPE_CHECKING, Final

from slrkit._cli.core import Command, Context
from slrkit._cli.failure import CommandError, ErrorCode
from slrkit._kit import ProfilesKit
from slrkit._validate import LINKED_ROLE_TAG
from slrkit.exceptions import DomainNotEmptyError

if TYPE_CHECKING:
    import argparse

    from slrkit._cli.output import Output
    from slrkit.testing import FakeAWS

__all__ = ["DEMO"]

_DOMAIN: Final = "demo"
_PROFILES: Final = 1200
_OBJECTS: Final = 3400
_WIDTH: Final = 88
_REMOVED_BY: Final = {
    "service": "Customer Profiles removed it by itself",
    "slrkit": "slrkit removed it with DeleteServiceLinkedRole",
    "already-gone": "it was already gone",
}


class _Story:
    """The demo's chapters: what happened in each, and which API calls it took."""

    def __init__(self, fake: FakeAWS, out: Output) -> None:
        self.fake = fake
        self.out = out
        self.chapters: list[dict[str, object]] = []
        self._seen = 0

    def chapter(self, title: str, *said: str) -> None:
        """Close a chapter: count the calls made since the last one and tell it."""
        calls = self.fake.calls[self._seen :]
        self._seen += len(calls)
        counted = Counter(call.operation for call in calls)
        self.chapters.append(
            {"title": title, "said": list(said), "api_calls": len(calls), "operations": counted}
        )
        if self.out.json:
            return
        tally = ", ".join(f"{op} x{n}" if n > 1 else op for op, n in counted.items())
        lines = [
            f"{len(self.chapters)}. {title}",
            *(f"   {line}" for line in said),
            *textwrap.wrap(
                f"{len(calls)} API calls{': ' + tally if tally else ''}",
                width=_WIDTH,
                initial_indent="   ",
                subsequent_indent="     ",
            ),
            "",
        ]
        self.out.stdout.write("".join(f"{line}\n" for line in lines))


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--region", default="eu-west-2", help="the region to pretend in (default: eu-west-2)"
    )


def _demo(ctx: Context, args: argparse.Namespace) -> None:
    from slrkit.testing import FakeAWS  # noqa: PLC0415 - only the demo and --fake load the fake

    started = time.perf_counter()
    fake = FakeAWS()
    # A seeded jitter makes every run wait, and so call, exactly the same.
    rand = random.Random(0).random  # noqa: S311 - jitter, not cryptography
    kit = ProfilesKit(args.region, session=fake.session(args.region), clock=fake.clock, rand=rand)
    out = ctx.out
    story = _Story(fake, out)
    if not out.json:
        out.stdout.write(
            "slrkit demo: a Customer Profiles domain and its service-linked role, from creation\n"
            "to deletion, on slrkit's offline fake of AWS. No AWS account, no network; waits\n"
            "run on virtual time.\n\n"
        )

    created = kit.ensure_domain(_DOMAIN, default_expiration_days=365, tags={"team": "demo"})
    role = created.linked_role
    if role is None:
        raise RuntimeError("the fake made no role for the demo domain")
    story.chapter(
        f"Create domain {_DOMAIN} in {args.region}",
        f"Customer Profiles made the domain and its own IAM role: {role.name}.",
        "AWS never says which role is whose; slrkit watched it appear and recorded it",
        f"in the domain tag {LINKED_ROLE_TAG}.",
    )

    described = kit.describe_linked_role(_DOMAIN)
    policies = ", ".join(arn.rsplit("/", 1)[-1] for arn in described.managed_policies)
    story.chapter(
        "Inspect the role",
        f"The domain's tag leads to it. It trusts {', '.join(described.trust_principals)} "
        f"and carries",
        f"{policies}: {'nothing is wrong with it' if described.is_healthy else 'problems'}.",
    )

    fake.load_data(_DOMAIN, region=args.region, profiles=_PROFILES, objects=_OBJECTS)
    try:
        kit.safe_delete_domain(_DOMAIN, confirm=_DOMAIN)
    except DomainNotEmptyError as refused:
        story.chapter(
            "Try to delete it while customers' data is in it",
            f"The fake filled the domain with {refused.profile_count} profiles and "
            f"{refused.object_count} objects.",
            "slrkit refused and wrote nothing (the command line exits with 3).",
        )
    else:  # pragma: no cover - the kit would have deleted a full domain
        raise AssertionError("slrkit deleted a domain that holds data")

    fake.clear_data(_DOMAIN, region=args.region)
    story.chapter("Empty it", "The fake removed the profiles, as an export-and-purge job would.")

    report = kit.safe_delete_domain(_DOMAIN, confirm=_DOMAIN)
    waited = sum(wait.seconds for wait in report.waits)
    removed_by = _REMOVED_BY.get(report.role_removed_by or "", "nobody removed it")
    story.chapter(
        "Delete it",
        "slrkit deleted the domain, then watched the role:",
        f"{removed_by} after {waited:.0f} s.",
    )

    after = kit.plan_domain_deletion(_DOMAIN, role_name=role.name)
    gone = after.domain is None and after.role is None
    story.chapter(
        "Check nothing is left",
        f"Domain {_DOMAIN}: {'gone' if after.domain is None else 'still there'}. "
        f"Role {role.name}: {'gone' if after.role is None else 'still there'}.",
    )

    total = len(fake.calls)
    virtual = fake.clock.monotonic()
    seconds = time.perf_counter() - started
    out.result(
        {
            "region": args.region,
            "domain_name": _DOMAIN,
            "role_name": role.name,
            "clean": gone,
            "chapters": story.chapters,
            "api_calls": total,
            "virtual_seconds": round(virtual, 1),
            "real_seconds": round(seconds, 2),
        },
        [
            (
                f"Done: {total} API calls and {virtual:.0f} s of AWS waiting, replayed in "
                f"{seconds:.1f} s."
            ),
            "",
            "Next, every command offline (the state file keeps the fake between commands):",
            (
                "  slrkit --fake --fake-state state.json ensure acme --region eu-west-2 "
                "--expiration-days 365"
            ),
            "  slrkit --fake --fake-state state.json role acme --region eu-west-2",
            "Then the same commands without --fake work on your AWS account.",
        ],
    )
    if not gone:
        raise CommandError(
            ErrorCode.INTERNAL, "the demo left its domain or role behind; please report it"
        )


DEMO: Final = Command(
    name="demo",
    help="the whole lifecycle on the offline fake, narrated",
    description="Create a domain, watch its service-linked role appear, see slrkit refuse to "
    "delete it while it holds data, empty it, delete it and check the role is gone: all on "
    "slrkit's embedded fake of AWS, with every API call counted. It never calls AWS.",
    arguments=_arguments,
    run=_demo,
    uses_aws=False,
)
