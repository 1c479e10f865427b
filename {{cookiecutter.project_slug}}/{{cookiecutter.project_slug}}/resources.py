"""What the endpoints of one resource share: ETags, conditional requests, and their headers' docs.

A resource with a version column (``version_id_col``, see models.py) has the ETag
``"<version>"``. Writes honour ``If-Match`` (412 with the current ``ETag`` when it does not
match); reads answer ``If-None-Match`` with a 304 when the client's copy is current.
"""

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, Response, status

from .errors import Responses
from .schemas import Problem

# RFC 7396; FastAPI reads any `application/*+json` body as JSON, `application/json` too.
MERGE_PATCH = "application/merge-patch+json"
PATCH_FORMATS = (MERGE_PATCH, "application/json")

# `If-Match: "<version>"` (an ETag this API returned) or `*`: write only if the resource is unchanged.
IfMatch = Annotated[str | None, Header(description='An ETag of the resource, such as `"3"`, or `*`')]
# `If-None-Match: "<version>"`: answer 304, without a body, if the resource still has that ETag.
IfNoneMatch = Annotated[str | None, Header(description='ETags of copies the client has, such as `"3"`, or `*`')]


ETAG_HEADER = {"ETag": {"description": 'The version of the resource, such as `"3"`', "schema": {"type": "string"}}}
LOCATION_HEADER = {"Location": {"description": "The path of the created resource", "schema": {"type": "string"}}}

CREATED: Responses = {201: {"headers": LOCATION_HEADER}}
CREATED_TAGGED: Responses = {201: {"headers": {**LOCATION_HEADER, **ETAG_HEADER}}}
TAGGED: Responses = {200: {"headers": ETAG_HEADER}}
NOT_MODIFIED: Responses = {304: {"description": "The client's copy is current (`If-None-Match`); no body"}}
ACCEPT_PATCH = ", ".join(PATCH_FORMATS)
UNSUPPORTED_PATCH: Responses = {
    415: {
        "model": Problem,
        "description": "The body is in a format PATCH does not take; `Accept-Patch` lists those it does",
        "headers": {"Accept-Patch": {"description": ACCEPT_PATCH, "schema": {"type": "string"}}},
    },
}
PRECONDITION_FAILED: Responses = {
    412: {
        "model": Problem,
        "description": "The resource has changed since the client read it (`If-Match`); `ETag` is its current one",
        "headers": ETAG_HEADER,
    },
}


def etag(version: int) -> str:
    return f'"{version}"'


def listed(header: str) -> set[str]:
    """The entity tags of an ``If-Match`` or ``If-None-Match`` header."""
    return {tag.strip() for tag in header.split(",")}


def check_if_match(if_match: str | None, current: str, what: str) -> None:
    """412 unless ``If-Match`` is absent, ``*`` or lists ``current`` (RFC 9110, strong comparison)."""
    if if_match is not None and not {"*", current} & listed(if_match):
        raise HTTPException(
            status.HTTP_412_PRECONDITION_FAILED, f"The {what} has changed since it was read.", {"ETag": current}
        )


def not_modified(if_none_match: str | None, current: str) -> Response | None:
    """A 304 if ``If-None-Match`` is ``*`` or lists ``current`` (weak comparison: ``W/`` ignored)."""
    if if_none_match is None:
        return None
    if {"*", current} & {tag.removeprefix("W/") for tag in listed(if_none_match)}:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": current})
    return None


def merge_patch_only(request: Request) -> None:
    """RFC 5789: a PATCH body in another format (or none) is a 415 naming the formats this API takes."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type not in PATCH_FORMATS:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"A PATCH body is {' or '.join(PATCH_FORMATS)}",
            headers={"Accept-Patch": ACCEPT_PATCH},
        )


# For a PATCH route: `@router.patch(..., dependencies=[TAKES_MERGE_PATCH])`.
TAKES_MERGE_PATCH = Depends(merge_patch_only)
