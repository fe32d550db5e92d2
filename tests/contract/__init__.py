"""slrkit's contract with AWS: what the kit assumes, checked with plain boto3 clients.

It runs against the fake (in-process, and through ``slrkit serve`` with the
standard endpoint variables) in every test run, and against a real account only
when asked twice (see `probe.live_target`). Every run writes what it saw to a
JSON file that `slrkit.testing.Behaviour.from_observations` reads.
"""
