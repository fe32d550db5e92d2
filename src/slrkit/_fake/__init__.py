"""The fake AWS behind `slrkit.testing`: private rooms, one concept each.

- `_virtual_clock`: virtual time (`slrkit._clock` is the real one).
- `_loader`: the botocore data loader every codec and session shares.
- `_shapes`: value checks compiled from model shapes (max, enum, pattern...).
- `_wire`: model-driven codecs for the rest-json and query protocols.
- `_behaviour`: how the fake behaves where AWS leaves room (`slrkit.testing.Behaviour`).
- `_partitions`: which partition (``aws``, ``aws-cn``...) a region's ARNs name.
- `_ops`, `_records`, `_world`: what operations receive, the state, and time-based events.
- `_profiles`, `_iam`, `_sts`: the operations themselves.
- `_faults`, `_calls`: fault injection and the call log.
- `_engine`: one entry point from HTTP request to HTTP response.
- `_arguments`: the checks of the test hooks' arguments (type and range).
- `_backend`: one fake: its settings, engine and every test hook, checked and locked;
  `slrkit.testing.FakeAWS` is its public face.
- `_sigv4`: the credential scope of a signed request (region, service, access key).
- `_boto`: boto3 sessions that talk to the engine at `before-send`.
- `_events`: their event handlers: botocore's, made once and copied cheaply.
- `_document`: a JSON document read with checks, every value knowing where it is.
- `_persist`: a fake as a JSON document, every value checked on the way in.
- `_observations`: what the contract suite saw AWS do, and the `Behaviour` it implies.
- `_state_file`: the file a fake is kept in: locked, read bounded, written whole.
- `_server`, `_admin`: a fake over HTTP (``slrkit serve``) and its admin endpoints.
"""
