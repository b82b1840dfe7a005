"""The names of what is measured, shared by the harness, the report and the analysis."""

ME_ENDPOINT = "GET /api/v1/me"
DIRECTORY_ENDPOINT = "GET /api/v1/structures/<sid>/directory"
HEALTH = "identity.health()"
GET_ME = "identity.get_me(user_id)"
GET_MEMBERSHIP = "identity.get_membership(user_id, sid)"
DIRECTORY_RPC = "identity.directory(sid, {q})"
