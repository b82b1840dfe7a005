"""Project teams, asked of the projects service over RPC with the caller's own rights:
``projects.get_project(actor_id, project_id)`` answers only what the actor may see."""
from __future__ import annotations

import logging

from maillage_shared.errors import NotFound, ServiceUnavailable
from nameko.exceptions import MethodNotFound, RpcTimeout, UnknownService

from ..domain.model import ProjectTeam

log = logging.getLogger(__name__)


class ProjectsTeams:
    """``projects`` is a Nameko RPC proxy to the projects service (or a test double)."""

    def __init__(self, projects):
        self.projects = projects

    def team(self, actor_id: str, project_id: str) -> ProjectTeam | None:
        try:
            project = self.projects.get_project(actor_id, project_id)
        except NotFound:
            return None
        except (UnknownService, MethodNotFound, RpcTimeout) as exc:  # not deployed, or not answering
            log.warning("projects service unavailable for project %s: %r", project_id, exc)
            raise ServiceUnavailable("The projects service is temporarily unavailable.") from None
        people = {project.get("lead_id"), *(project.get("participant_ids") or [])} - {None}
        return ProjectTeam(project_id=project["id"], structure_id=project["structure_id"],
                           member_ids=frozenset(people))
