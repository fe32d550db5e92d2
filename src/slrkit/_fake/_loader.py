"""One botocore data loader, shared by the codecs and every session a fake hands out.

Loading and decompressing service models is most of the cost of a new botocore
session (≈90 ms against ≈12 ms with a warm loader), and the loader's caches are
read-only once filled, so sharing it is both safe and what keeps fake sessions cheap.
"""

from __future__ import annotations

import functools
import threading

from botocore.loaders import Loader, create_loader
from botocore.model import ServiceModel

__all__ = ["service_model", "shared_loader"]

_lock = threading.Lock()


@functools.cache
def shared_loader() -> Loader:
    """Return the process-wide loader for botocore's bundled data."""
    return create_loader()


def service_model(service_name: str) -> ServiceModel:
    """Return the botocore model of *service_name* (e.g. ``"iam"``), loaded once."""
    with _lock:
        return _service_model(service_name)


@functools.cache
def _service_model(service_name: str) -> ServiceModel:
    data = shared_loader().load_service_model(service_name, "service-2")
    return ServiceModel(data, service_name=service_name)
