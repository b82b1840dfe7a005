"""A structure joins the platform and brings its team in, through the real HTTP API."""
from __future__ import annotations

from datetime import timedelta

from tests.platform.helpers import signup, signup_payload, unique_email

from .steps import Api, accept_as_newcomer, expect, expect_error, founder, invite, join, login, today_in_paris


def test_a_structure_signs_up_and_onboards_a_nurse_who_then_shares_her_availability(platform):
    anonymous = Api(platform.base_url)
    payload = signup_payload()
    coordinator_email = payload["coordinator"]["email"]

    signed_up = expect(anonymous.post("/signup", json=payload), 201)
    sid = signed_up["structure"]["id"]
    assert signed_up["structure"]["name"] == payload["structure"]["name"]
    assert signed_up["tokens"]["access_token"]

    tokens = login(platform.base_url, coordinator_email, payload["coordinator"]["password"])
    coordinator = anonymous.as_user(tokens["access_token"])
    me = expect(coordinator.get("/me"), 200)
    assert me["user"]["email"] == coordinator_email
    assert [(m["structure_id"], m["role"]) for m in me["memberships"]] == [(sid, "coordinator")]

    nurse_email = unique_email("ide")
    invitation, token = invite(coordinator, sid, platform.mail_dir, nurse_email, "member", "infirmier")
    assert invitation["status"] == "pending" and invitation["email"] == nurse_email

    preview = expect(anonymous.get(f"/invitations/{token}"), 200)
    assert preview["structure_id"] == sid
    assert preview["structure_name"] == payload["structure"]["name"]
    assert (preview["email"], preview["role"], preview["profession"]) == (nurse_email, "member", "infirmier")
    assert preview["account_exists"] is False

    nurse = accept_as_newcomer(platform.base_url, token, nurse_email, first_name="Hélène")
    as_nurse = nurse.api(platform.base_url)
    nurse_me = expect(as_nurse.get("/me"), 200)
    assert [(m["structure_id"], m["role"], m["profession"]) for m in nurse_me["memberships"]] == [
        (sid, "member", "infirmier")]

    found = expect(coordinator.get(f"/structures/{sid}/directory",
                                   params={"q": f"helene {nurse.last_name.lower()}", "profession": "infirmier"}), 200)
    assert [entry["user_id"] for entry in found] == [nurse.user_id]
    assert found[0]["profession_label"] == "Infirmier·e"
    members = expect(coordinator.get(f"/structures/{sid}/members"), 200)
    assert {m["user_id"] for m in members} == {signed_up["user_id"], nurse.user_id}
    accepted = expect(coordinator.get(f"/structures/{sid}/invitations"), 200)
    assert [i["status"] for i in accepted if i["id"] == invitation["id"]] == ["accepted"]

    duty_day = (today_in_paris() + timedelta(days=2)).isoformat()
    on_call = expect(as_nurse.post(f"/structures/{sid}/availability",
                                   json={"kind": "on_call", "starts_on": duty_day, "ends_on": duty_day}), 201)
    assert (on_call["user_id"], on_call["kind"]) == (nurse.user_id, "on_call")

    on_duty = expect(coordinator.get(f"/structures/{sid}/on-call", params={"date": duty_day}), 200)
    assert [p["user_id"] for p in on_duty] == [nurse.user_id]
    day_after = (today_in_paris() + timedelta(days=3)).isoformat()
    assert expect(coordinator.get(f"/structures/{sid}/on-call", params={"date": day_after}), 200) == []

    today = today_in_paris().isoformat()
    leave = expect(as_nurse.post(f"/structures/{sid}/availability",
                                 json={"kind": "leave", "starts_on": today, "ends_on": today, "note": "Formation"}), 201)
    away = expect(coordinator.get(f"/structures/{sid}/away"), 200)
    assert [(p["id"], p["user_id"]) for p in away] == [(leave["id"], nurse.user_id)]
    entry = expect(coordinator.get(f"/structures/{sid}/directory", params={"q": nurse.last_name}), 200)[0]
    assert entry["on_leave"] is True

    expect(as_nurse.delete(f"/structures/{sid}/availability/{leave['id']}"), 204)
    assert expect(coordinator.get(f"/structures/{sid}/away"), 200) == []


def test_someone_in_two_structures_sees_both_with_a_role_in_each(platform):
    first_signup, second_signup = signup(platform.base_url), signup(platform.base_url)
    first, second = founder(first_signup), founder(second_signup)
    first_sid, second_sid = first_signup["structure"]["id"], second_signup["structure"]["id"]
    physio = join(platform, first.api(platform.base_url), first_sid, "member", "kinesitherapeute")

    _, token = invite(second.api(platform.base_url), second_sid, platform.mail_dir, physio.email,
                      "coordinator", "kinesitherapeute")
    assert expect(Api(platform.base_url).get(f"/invitations/{token}"), 200)["account_exists"] is True
    accepted = expect(Api(platform.base_url).post(f"/invitations/{token}/accept",
                                                  json={"password": physio.password}), 200)

    assert accepted["structure_id"] == second_sid
    assert accepted["tokens"]["user_id"] == physio.user_id
    tokens = login(platform.base_url, physio.email, physio.password)
    me = expect(Api(platform.base_url, tokens["access_token"]).get("/me"), 200)
    assert sorted((m["structure_id"], m["role"]) for m in me["memberships"]) == sorted(
        [(first_sid, "member"), (second_sid, "coordinator")])
    as_physio = Api(platform.base_url, tokens["access_token"])
    expect(as_physio.get(f"/structures/{second_sid}/audit"), 200)
    expect_error(as_physio.get(f"/structures/{first_sid}/audit"), 403, "forbidden")


def test_refresh_tokens_rotate_and_reusing_an_old_one_ends_the_session(platform):
    person = founder(signup(platform.base_url))
    anonymous = Api(platform.base_url)
    first = login(platform.base_url, person.email, person.password)

    second = expect(anonymous.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}), 200)
    assert second["refresh_token"] != first["refresh_token"]
    assert expect(anonymous.as_user(second["access_token"]).get("/me"), 200)["user"]["id"] == person.user_id

    expect_error(anonymous.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}), 401, "unauthorized")
    expect_error(anonymous.post("/auth/refresh", json={"refresh_token": second["refresh_token"]}), 401,
                 "unauthorized")
    other_session = expect(anonymous.post("/auth/refresh", json={"refresh_token": person.refresh_token}), 200)
    assert other_session["user_id"] == person.user_id


def test_logout_ends_the_session(platform):
    person = founder(signup(platform.base_url))
    anonymous = Api(platform.base_url)
    session = login(platform.base_url, person.email, person.password)

    assert expect(anonymous.post("/auth/logout", json={"refresh_token": session["refresh_token"]}), 204) is None

    expect_error(anonymous.post("/auth/refresh", json={"refresh_token": session["refresh_token"]}), 401)
    expect(anonymous.post("/auth/logout", json={"refresh_token": session["refresh_token"]}), 204)

