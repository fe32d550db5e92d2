"""The fake AWS behind `slrkit.testing`: private rooms, one concept each.

- `_virtual_clock`: virtual time (`slrkit._clock` is the real one).
- `_loader`: the botocore data loader every codec and session shares.
- `_shapes`: value checks compiled from model shapes (max, enum, pattern...).
- `_wire`: model-driven codecs for the rest-json and query protocols.
- `_ops`, `_records`, `_world`: what operations receive, the state, and time-based events.
- `_profiles`, `_iam`, `_sts`: the operations themselves.
- `_faults`, `_calls`: fault injection and the call log.
- `_engine`: one entry point from HTTP request to HTTP response.
- `_boto`: boto3 sessions that talk to the engine at `before-send`.
- `_persist`: the state as JSON.
"""
