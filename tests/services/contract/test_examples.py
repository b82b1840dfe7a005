"""Every contract schema's example payloads load, and every event schema is registered."""
import inspect

import pytest
from maillage_shared.contracts import documents, finance, identity, load, meetings, projects
from maillage_shared.contracts.base import ContractSchema
from maillage_shared.contracts.envelope import EventEnvelopeSchema
from maillage_shared.events import make_event

MODULES = [identity, projects, meetings, documents, finance]
SCHEMAS = [obj for module in MODULES for obj in vars(module).values()
           if inspect.isclass(obj) and issubclass(obj, ContractSchema) and obj is not ContractSchema]


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__name__)
def test_examples_load(schema):
    for example in schema.EXAMPLES:
        load(schema(), example)


@pytest.mark.parametrize("event_type, schema", sorted({**identity.EVENTS, **projects.EVENTS, **meetings.EVENTS,
                                                        **documents.EVENTS, **finance.EVENTS}.items()))
def test_each_event_has_examples_that_fit_the_envelope(event_type, schema):
    assert schema.EXAMPLES, f"{event_type} needs an example payload"
    for payload in schema.EXAMPLES:
        envelope = make_event(event_type, "structure-1", load(schema(), payload))
        load(EventEnvelopeSchema(), envelope)


def test_request_schemas_reject_unknown_fields():
    from maillage_shared.errors import Invalid

    with pytest.raises(Invalid) as err:
        load(identity.LoginRequestSchema(), {"email": "a@b.fr", "password": "x", "admin": True})
    assert "admin" in err.value.fields
