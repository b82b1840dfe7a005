"""Business rules of the documents context, with no Nameko, pymongo, MinIO or Flask import.

Use cases are functions taking a ``DocumentsContext``: ``uploads`` (new documents and
versions, from staging to content-addressed storage), ``documents`` (reading, search,
folders, access, versions restored, trash and purge), ``protocols`` (the HAS fields,
validation, FHIR export), ``library`` (publish, search, import) and ``reconcile`` (store and
metadata kept in step). ``access`` says who may do what; ``content`` recognises file types;
``ports`` lists the interfaces the adapters implement.
"""
from .context import DocumentsContext, Policy  # noqa: F401
