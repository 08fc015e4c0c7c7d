"""AWS plumbing shared by the S3 and CloudWatch readers: clients and errors for people.

boto3 is in the optional ``aws`` extra (:func:`flownb._extras.install_command`). It is imported the
first time a client is needed, never by ``import flownb``.

Every client uses botocore's *standard* retry mode: throttling and transient
errors (``SlowDown``, ``ThrottlingException``, 5xx, connection resets) are
retried with exponential backoff and jitter, up to :data:`MAX_ATTEMPTS`
attempts (botocore's "Retries" guide). What still fails is translated into an
exception that says what went wrong, where, and what to do: missing
credentials, a missing IAM permission (named: ``s3:ListBucket``,
``s3:GetObject``, ``logs:FilterLogEvents``, ...), a missing bucket or log group.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from .._extras import install_command
from ._errors import FlowLogSourceError

__all__ = [
    "INSTALL",
    "MAX_ATTEMPTS",
    "FlowLogAccessError",
    "FlowLogSourceWarning",
    "call",
    "client",
    "import_boto3",
]

#: The exact command that installs the optional AWS dependencies (flownb's ``aws`` extra).
INSTALL = install_command("aws")

#: Attempts per request, first one included (botocore's standard mode uses 3; flownb allows more
#: because listing and reading thousands of objects meets S3's request-rate limits: flownb's own choice).
MAX_ATTEMPTS = 8

_T = TypeVar("_T")


class FlowLogAccessError(PermissionError):
    """AWS refused a request: no credentials, expired credentials, or a missing IAM permission.

    Attributes
    ----------
    permission : str or None
        The IAM action that was refused (``"s3:GetObject"``), when known.
    resource : str
        What was being read (``s3://bucket/key``, a log group name).

    Examples
    --------
    What a refused S3 read becomes (the botocore error is made here by hand, as S3 sends it, so the
    example needs no AWS account):

    >>> import flownb
    >>> from botocore.exceptions import ClientError
    >>> from flownb.io._aws import call
    >>> def get_object(**request):
    ...     raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "GetObject")
    >>> try:
    ...     call(get_object, permission="s3:GetObject", resource="s3://my-flow-logs/AWSLogs/")
    ... except flownb.FlowLogAccessError as e:
    ...     print(e.permission, e.resource)
    ...     print(str(e).split(". ")[0])
    s3:GetObject s3://my-flow-logs/AWSLogs/
    s3://my-flow-logs/AWSLogs/: access denied
    """

    def __init__(self, message: str, *, permission: str | None = None, resource: str = ""):
        super().__init__(message)
        self.permission = permission
        self.resource = resource


class FlowLogSourceWarning(UserWarning):
    """A cloud source was read with an assumption (a default format) or found empty for the filters.

    Examples
    --------
    A time range that selects none of a bucket's objects reads nothing, and says what the prefix holds
    (here against moto's in-process stand-in for S3, so no AWS account is needed):

    >>> import gzip, warnings
    >>> from pathlib import Path
    >>> import boto3, flownb
    >>> from moto import mock_aws
    >>> with mock_aws():
    ...     s3 = boto3.client("s3", region_name="us-east-1")
    ...     _ = s3.create_bucket(Bucket="my-flow-logs")
    ...     key = ("AWSLogs/123456789012/vpcflowlogs/us-east-1/2025/06/02/"
    ...            "123456789012_vpcflowlogs_us-east-1_fl-0_20250602T0000Z_0000.log.gz")
    ...     text = Path(flownb.samples.path("aws-docs/default-accept-reject")).read_bytes()
    ...     _ = s3.put_object(Bucket="my-flow-logs", Key=key, Body=gzip.compress(text))
    ...     with warnings.catch_warnings(record=True) as caught:
    ...         warnings.simplefilter("always")
    ...         df = flownb.read_flow_logs("s3://my-flow-logs/AWSLogs/", start="2025-07-01", progress=False)
    >>> len(df), caught[0].category.__name__
    (0, 'FlowLogSourceWarning')
    >>> print(str(caught[0].message).split(". ")[1])
    The prefix holds accounts ['123456789012'], regions ['us-east-1'], day 2025-06-02
    """


def import_boto3() -> Any:
    """Import boto3, or say exactly how to install it."""
    try:
        import boto3
    except ImportError:
        from .._extras import missing

        raise missing("boto3", "Reading flow logs from AWS (S3 or CloudWatch Logs)", "aws") from None
    return boto3


def client(
    service: str,
    *,
    max_pool_connections: int = 10,
    region_name: str | None = None,
    max_attempts: int | None = None,
) -> Any:
    """A boto3 client with standard retries, built from the user's normal credential chain.

    Credentials and region come from the usual places (environment, ``~/.aws``,
    SSO, instance roles); ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>``
    are honoured (that is how the tests point flownb at a local moto server).
    """
    boto3 = import_boto3()
    from botocore.config import Config
    from botocore.exceptions import NoRegionError

    config = Config(
        retries={"mode": "standard", "max_attempts": max_attempts or MAX_ATTEMPTS},
        max_pool_connections=max_pool_connections,
        user_agent_extra="flownb",
        # SigV4 for every request, presigned URLs included (botocore presigns S3 with SigV2 otherwise,
        # which the regions opened since 2014 refuse).
        **({"signature_version": "s3v4"} if service == "s3" else {}),
    )
    session = boto3.session.Session(botocore_session=_botocore_session())
    try:
        made = session.client(service, config=config, region_name=region_name)
    except NoRegionError:
        if service == "s3":  # S3 finds a bucket's region itself
            made = session.client(service, config=config, region_name="us-east-1")
        else:
            raise FlowLogSourceError(
                f"No AWS region is configured, so flownb does not know where to find the {service} "
                "resources. Set one with `aws configure`, the AWS_REGION (or AWS_DEFAULT_REGION) environment "
                "variable, or a profile (AWS_PROFILE) that has a region."
            ) from None
    for hook in list(_CLIENT_HOOKS):
        hook(made)
    return made


def _botocore_session() -> Any:
    """A new botocore session whose data loader is shared with flownb's earlier sessions.

    Each read still looks up credentials, profile and region afresh, but the
    service models (JSON files of several MB) are parsed once per process, as
    for the clients of boto3's default session, not once per read.
    """
    import botocore.session
    from botocore.loaders import create_loader

    core = botocore.session.get_session()
    path = core.get_config_variable("data_path")
    with _LOADERS_LOCK:
        loader = _LOADERS.get(path)
        if loader is None:
            loader = _LOADERS[path] = create_loader(path)
        # boto3 adds its own data folder to the loader of each new session: keep one copy of it.
        loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    core.register_component("data_loader", loader)
    return core


_LOADERS: dict[str | None, Any] = {}
_LOADERS_LOCK = threading.Lock()

#: Functions called with every new client (tests use this to count requests).
_CLIENT_HOOKS: list[Callable[[Any], None]] = []

_ACCESS_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AllAccessDisabled",
    "Forbidden",
    "403",
}
_CREDENTIAL_CODES = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidToken",
    "AuthFailure",
}
_THROTTLE_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "LimitExceededException",
}
_NO_CREDENTIALS = (
    "No AWS credentials were found. flownb uses your normal AWS credentials: run `aws configure` or "
    "`aws sso login --profile NAME` (then set AWS_PROFILE=NAME), or set AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, or run on an instance or container with an IAM role."
)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (empty for other exceptions)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    code = response.get("Error", {}).get("Code", "")
    return str(code or response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))


def _aws_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    msg = response.get("Error", {}).get("Message", "") if isinstance(response, dict) else ""
    return f" AWS said: {msg}" if msg else ""


def translate(exc: BaseException, *, permission: str, resource: str) -> BaseException | None:
    """The exception for people that stands for a botocore error, or None when it has no special meaning."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return FlowLogAccessError(f"{resource}: {_NO_CREDENTIALS}", resource=resource)
    if isinstance(exc, EndpointConnectionError):
        return FlowLogSourceError(
            f"{resource}: could not connect to AWS ({exc}). Check the network, the region and any "
            "AWS_ENDPOINT_URL setting."
        )
    if not isinstance(exc, ClientError):
        return None
    code = error_code(exc)
    if code in _ACCESS_CODES:
        return FlowLogAccessError(
            f"{resource}: access denied. The credentials in use lack the IAM permission {permission}: "
            f"ask for a policy that allows {permission} on this resource (or use a profile that has it)."
            f"{_aws_message(exc)}",
            permission=permission,
            resource=resource,
        )
    if code in _CREDENTIAL_CODES:
        return FlowLogAccessError(
            f"{resource}: AWS rejected the credentials ({code}): they are unknown, mistyped or expired. "
            "Refresh them (`aws sso login`, new temporary keys) and try again." + _aws_message(exc),
            resource=resource,
        )
    if code == "NoSuchBucket":
        return FlowLogSourceError(
            f"{resource}: no such bucket. Check the bucket name (S3 URLs look like "
            "s3://bucket/prefix/) and the account you are using."
        )
    if code in _THROTTLE_CODES:
        return FlowLogSourceError(
            f"{resource}: AWS kept throttling the requests ({code}) after {MAX_ATTEMPTS} attempts with "
            "backoff. Try again later, read a shorter time range, or ask for a higher request quota."
        )
    return None


def call(fn: Callable[..., _T], *, permission: str, resource: str, **kwargs: Any) -> _T:
    """Call a boto3 client method; raise an error for people when it fails in a known way."""
    try:
        return fn(**kwargs)
    except Exception as exc:
        better = translate(exc, permission=permission, resource=resource)
        if better is None:
            raise
        raise better from exc
