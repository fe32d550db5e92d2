"""Pulumi's real provider host, driven over gRPC as the engine drives it.

`ProviderHost` starts ``python -m pulumi.dynamic`` (the process Pulumi runs a
dynamic provider in), and sends it Check, Diff, Create, Update and Read with the
provider serialized into the properties, as the engine does. The Pulumi engine
itself is not needed.
"""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
from typing import TYPE_CHECKING, Any, cast

from pulumi.dynamic import dynamic
from pulumi.runtime import rpc
from typing_extensions import Self

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from pulumi.dynamic import ResourceProvider
    from typing_extensions import Self

__all__ = ["URN", "ProviderHost", "wire"]

# These ship without types (they come with pulumi), so they are used through Any.
grpc: Any = importlib.import_module("grpc")
provider_pb2: Any = importlib.import_module("pulumi.runtime.proto.provider_pb2")
provider_pb2_grpc: Any = importlib.import_module("pulumi.runtime.proto.provider_pb2_grpc")
serialize_provider = cast(
    "Callable[[ResourceProvider], str]",
    dynamic.serialize_provider,  # pyright: ignore[reportUnknownMemberType]
)

URN = "urn:pulumi:dev::demo::pulumi-python:dynamic/customerprofiles:Domain::customers"
PROVIDER_KEY = "__provider"


def wire(props: dict[str, Any]) -> Any:
    """Properties as the engine sends them."""
    return asyncio.run(rpc.serialize_properties(props, {}))


def _plain(struct: Any) -> dict[str, Any]:
    props = cast("dict[str, Any]", rpc.deserialize_properties(struct))
    props.pop(PROVIDER_KEY, None)
    return props


class ProviderHost:
    """A provider host process and a stub to it; properties go in and come out plain.

    Each call serializes *provider* into the properties it sends, as the engine
    does, and strips it from what comes back.
    """

    def __init__(self, provider: ResourceProvider) -> None:
        self._provider = serialize_provider(provider)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pulumi.dynamic"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self._process.stdout is not None
        port = int(self._process.stdout.readline())
        self._channel: Any = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub: Any = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self.stub.Configure(provider_pb2.ConfigureRequest(args=wire({})))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._channel.close()
        self._process.kill()
        _, errors = self._process.communicate()
        sys.stderr.write(errors.decode())  # shown by pytest if the test fails

    def _with_provider(self, props: dict[str, Any]) -> Any:
        return wire({**props, PROVIDER_KEY: self._provider})

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The checked inputs, and each failure as ``property: reason``."""
        olds_wire = self._with_provider(olds) if olds else wire({})
        result = self.stub.Check(
            provider_pb2.CheckRequest(urn=URN, olds=olds_wire, news=self._with_provider(news))
        )
        failures = [f"{f.property}: {f.reason}" for f in result.failures]
        return _plain(result.inputs), failures

    def create(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The new resource's id and outputs."""
        made = self.stub.Create(
            provider_pb2.CreateRequest(urn=URN, properties=self._with_provider(inputs))
        )
        return str(made.id), _plain(made.properties)

    def diff(self, resource_id: str, olds: dict[str, Any], news: dict[str, Any]) -> Any:
        """The DiffResponse."""
        return self.stub.Diff(
            provider_pb2.DiffRequest(
                id=resource_id,
                urn=URN,
                olds=self._with_provider(olds),
                news=self._with_provider(news),
            )
        )

    def changes(self, resource_id: str, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        """Whether the diff finds changes."""
        found = self.diff(resource_id, olds, news).changes
        return bool(found == provider_pb2.DiffResponse.DIFF_SOME)

    def update(
        self, resource_id: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> dict[str, Any]:
        """The outputs after the update."""
        done = self.stub.Update(
            provider_pb2.UpdateRequest(
                id=resource_id,
                urn=URN,
                olds=self._with_provider(olds),
                news=self._with_provider(news),
            )
        )
        return _plain(done.properties)

    def read(self, resource_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The id (empty when the resource is gone) and the refreshed outputs."""
        read = self.stub.Read(
            provider_pb2.ReadRequest(id=resource_id, urn=URN, properties=self._with_provider(props))
        )
        return str(read.id), _plain(read.properties)

    def delete(self, resource_id: str, props: dict[str, Any]) -> None:
        """Delete the resource."""
        self.stub.Delete(
            provider_pb2.DeleteRequest(
                id=resource_id, urn=URN, properties=self._with_provider(props)
            )
        )
