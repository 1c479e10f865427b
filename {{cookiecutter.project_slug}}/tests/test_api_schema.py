{% from "variant.jinja" import is_async, slug, has_auth with context %}
"""Property-based tests: schemathesis drives the real server with generated requests.

Valid and invalid requests for every operation in the OpenAPI schema go through
uvicorn to the real database. No request may cause a server error, and every
response must match the schema (status code, headers, content type and body).
Generation is deterministic, so a failure reproduces on the next run.
"""

{% if is_async %}
import asyncio
{% endif %}
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
{% if has_auth %}
from accounts import signed_in
{% endif %}
from schemathesis import Case, GenerationMode
from support import delete_committed_rows, serving

from {{ slug }}.config import Settings
from {{ slug }}.main import create_app

pytestmark = pytest.mark.slow

# Generated requests per operation, valid and invalid ones mixed (about 300 in all).
EXAMPLES = 60

{% if has_auth %}
# A password change whose current password is wrong is refused with 400. (Schemathesis itself expects
# 401 for credentials that are no user's, 404 while registration is closed and 429 for a throttled login.)
wrong_password = {"positive_data_acceptance": {"expected-statuses": ["2xx", "400"]}}
password_change = {"include-path": "/users/me/password", "checks": wrong_password}
config = schemathesis.Config.from_dict({"operations": [password_change]})
schema = schemathesis.openapi.from_dict(create_app().openapi(), config=config)
{% else %}
schema = schemathesis.openapi.from_dict(create_app().openapi())
{% endif %}
schema.config.generation.update(modes=list(GenerationMode), max_examples=EXAMPLES, deterministic=True, database="none")
# A valid write whose If-Match is not the item's current ETag is refused with 412, as it should be.
acceptance = schema.config.checks.positive_data_acceptance
acceptance.expected_statuses = [*acceptance.expected_statuses, "412"]


@pytest.fixture(scope="module")
def base_url(live_database: Settings) -> Iterator[str]:
    """A real server on the live database, shared by the generated cases."""
    with serving(create_app(live_database)) as url:
        yield url
{% if is_async %}
    asyncio.run(delete_committed_rows(live_database))
{% else %}
    delete_committed_rows(live_database)
{% endif %}


{% if has_auth %}
Auth = dict[str, str]


@pytest.fixture(scope="module")
def auth(base_url: str, live_database: Settings) -> Auth:
    """The Authorization header of a user, whose items the generated requests reach (deleted with them, above)."""
    return signed_in(live_database)


{% endif %}
@schema.parametrize()
def test_every_operation_honours_the_schema_without_server_errors(case: Case[Any], base_url: str{{ ", auth: Auth" if has_auth }}) -> None:
    case.call_and_validate(base_url=base_url{{ ", headers=auth" if has_auth }})
