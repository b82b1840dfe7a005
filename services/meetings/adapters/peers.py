"""The other services the meetings domain asks: identity (who is a member, their e-mail)
and projects (is this a project of the structure; turn an action into a task).

When the projects service does not answer ``structure_of_project`` and ``create_task``
(not deployed, or an older version), a project id is stored unverified and actions stay
actions (their status says so), instead of failing the meeting.
"""
from __future__ import annotations

import logging

from maillage_shared.errors import Invalid, MaillageError, NotFound
from nameko.exceptions import IncorrectSignature, MethodNotFound, RemoteError, RpcTimeout, UnknownService

from ..domain.model import Member

log = logging.getLogger(__name__)
NOT_THERE = (UnknownService, MethodNotFound, IncorrectSignature)
NOT_A_PROJECT = "No such project in this structure."
TASK_TITLE_MAX = 160


class IdentityDirectory:
    def __init__(self, identity_rpc):
        self.identity = identity_rpc
        self._cache: dict[str, dict[str, Member]] = {}

    def active_members(self, structure_id: str) -> dict[str, Member]:
        if structure_id not in self._cache:  # one answer per worker call
            members = self.identity.list_members(structure_id)
            self._cache[structure_id] = {
                m["user_id"]: Member(user_id=m["user_id"], first_name=m["first_name"], last_name=m["last_name"],
                                     email=m["email"], role=m["role"], profession=m["profession"])
                for m in members}
        return self._cache[structure_id]


class ProjectsRpcLink:
    def __init__(self, projects_rpc):
        self.projects = projects_rpc

    def verify_project(self, structure_id: str, project_id: str) -> bool:
        try:
            owner = self.projects.structure_of_project(project_id)
        except NOT_THERE:
            return False
        except NotFound:
            raise Invalid(NOT_A_PROJECT, {"project_id": NOT_A_PROJECT}) from None
        except (RemoteError, RpcTimeout, OSError):
            log.warning("projects could not verify project %s; stored unverified", project_id, exc_info=True)
            return False
        if owner != structure_id:
            raise Invalid(NOT_A_PROJECT, {"project_id": NOT_A_PROJECT})
        return True

    def create_task(self, actor_id: str, structure_id: str, project_id: str, action: dict) -> tuple[str | None, str]:
        text = action["text"]
        payload = {"title": text if len(text) <= TASK_TITLE_MAX else text[:TASK_TITLE_MAX - 1] + "…",
                   "notes": f"Action décidée en réunion : {text}",
                   "assignee_ids": [action["owner_id"]] if action.get("owner_id") else [],
                   "due_on": action.get("due_on")}
        try:
            task = self.projects.create_task(actor_id, project_id, payload)
        except NOT_THERE:
            return None, "unavailable"
        except (MaillageError, RemoteError, RpcTimeout, OSError):
            log.warning("projects refused a task from meeting minutes; kept as an action", exc_info=True)
            return None, "failed"
        return (task.get("id") if isinstance(task, dict) else None), "created"
