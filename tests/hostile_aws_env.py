"""An environment that breaks anything reading the machine's AWS configuration.

A CI runner often sets ``AWS_PROFILE``, a region, config files or endpoint URLs
for its own deployments; the fake must not see any of it. Every variable botocore
(``botocore/configprovider.py``, its credential providers) and boto3 read is here,
each with a value that fails, hangs or misroutes whoever reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

__all__ = [
    "BAD_FILE_VARIABLES",
    "HOSTILE",
    "hostile_env",
    "is_aws_setting",
    "without_aws_settings",
]

NOWHERE: Final = "http://192.0.2.1:9/nowhere"  # TEST-NET-1: never routed
"""An endpoint that no request can reach, with a path that would misroute one."""

HOSTILE: Final[dict[str, str]] = {
    "AWS_PROFILE": "slrkit-no-such-profile",
    "AWS_DEFAULT_PROFILE": "slrkit-no-such-profile-either",
    "AWS_ACCESS_KEY_ID": "AKIAPARTIALCREDENTIAL",  # without its secret: partial credentials
    "AWS_SESSION_TOKEN": "not-a-token",
    "AWS_REGION": "mars-north-9",
    "AWS_DEFAULT_REGION": "mars-north-9",
    "AWS_ENDPOINT_URL": NOWHERE,
    "AWS_ENDPOINT_URL_CUSTOMER_PROFILES": NOWHERE,
    "AWS_ENDPOINT_URL_IAM": NOWHERE,
    "AWS_ENDPOINT_URL_STS": NOWHERE,
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false",
    "AWS_RETRY_MODE": "sideways",
    "AWS_MAX_ATTEMPTS": "lots",
    "AWS_CA_BUNDLE": "/nonexistent/slrkit-ca-bundle.pem",
    "AWS_STS_REGIONAL_ENDPOINTS": "sideways",
    "AWS_USE_FIPS_ENDPOINT": "true",
    "AWS_USE_DUALSTACK_ENDPOINT": "true",
    "AWS_DEFAULTS_MODE": "auto",  # would ask the instance metadata service for a region
    "AWS_EC2_METADATA_DISABLED": "false",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT": NOWHERE,
    "AWS_METADATA_SERVICE_TIMEOUT": "lots",
    "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "lots",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": NOWHERE,
    "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/slrkit-token",
    "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/slrkit-no-such-role",
    "AWS_DATA_PATH": "/nonexistent/slrkit-data",
    "AWS_CSM_ENABLED": "true",
    "AWS_CSM_PORT": "lots",
    "AWS_ENDPOINT_DISCOVERY_ENABLED": "sideways",
    "AWS_SDK_UA_APP_ID": "x" * 300,
    "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES": "lots",
    "AWS_DISABLE_REQUEST_COMPRESSION": "sideways",
    "AWS_REQUEST_CHECKSUM_CALCULATION": "sideways",
    "AWS_RESPONSE_CHECKSUM_VALIDATION": "sideways",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "sideways",
    "AWS_AUTH_SCHEME_PREFERENCE": "sideways",
    "AWS_SIGV4A_SIGNING_REGION_SET": "mars-north-9",
    "BOTOCORE_TCP_KEEPALIVE": "sideways",
}
"""Each variable's value breaks whoever reads it; the files come from `hostile_env`."""

BAD_FILE_VARIABLES: Final = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
"""The variables naming AWS files; `hostile_env` points them at garbage."""


def hostile_env(folder: Path) -> dict[str, str]:
    """`HOSTILE`, plus the AWS config and credentials files as garbage written in *folder*."""
    garbage = folder / "garbage-aws-config"
    garbage.write_text("[profile broken\nregion = = =\n\x00not an ini file\n")
    return HOSTILE | dict.fromkeys(BAD_FILE_VARIABLES, str(garbage))


def is_aws_setting(name: str) -> bool:
    """Whether the environment variable *name* configures botocore: ``AWS_*``, ``BOTOCORE_*``."""
    return name.startswith(("AWS_", "BOTOCORE_"))


def without_aws_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """*environ* less every variable that configures botocore."""
    return {name: value for name, value in environ.items() if not is_aws_setting(name)}
