import uuid

from phongdich.portal.models import Feedback

SCRIPT = "<script>alert(1)</script>"


def body(key=None, **fields):
    return {"uuid": str(key or uuid.uuid4()), "category": "violation", "text": "Không đeo khẩu trang", **fields}


def test_a_citizen_sends_feedback_once_and_the_commune_answers(api_client, citizen, commune_officer, other_officer):
    mine = api_client(citizen)
    key = uuid.uuid4()
    first = mine.post("/api/v1/feedback", body(key, text=f"Dán {SCRIPT}"), content_type="application/json")
    assert first.status_code == 201
    created = first.json()
    assert created["commune"] == "06649" and created["status"] == "open" and created["text"] == f"Dán {SCRIPT}"
    assert first["Content-Type"].startswith("application/json")
    again = mine.post("/api/v1/feedback", body(key, text=f"Dán {SCRIPT}"), content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == created["id"]
    assert Feedback.objects.count() == 1

    officer = api_client(commune_officer)
    assert [item["id"] for item in officer.get("/api/v1/feedback").json()["items"]] == [created["id"]]
    assert api_client(other_officer).get(f"/api/v1/feedback/{created['id']}").status_code == 404
    answered = officer.post(
        f"/api/v1/feedback/{created['id']}/answers", {"text": "Đã xử lý."}, content_type="application/json"
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    seen = mine.get(f"/api/v1/feedback/{created['id']}").json()
    assert seen["answers"] == [
        {"text": "Đã xử lý.", "from_officer": True, "created_at": seen["answers"][0]["created_at"]}
    ]


def test_bad_feedback_is_a_422_naming_the_field_and_nothing_is_stored(api_client, citizen, commune_officer):
    mine = api_client(citizen)
    response = mine.post("/api/v1/feedback", body(text="x" * 2001), content_type="application/json")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["text"]
    response = mine.post("/api/v1/feedback", body(category="party"), content_type="application/json")
    assert response.status_code == 422
    response = mine.post("/api/v1/feedback", body(commune="99999"), content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "commune"
    assert not Feedback.objects.exists()
    # Officers answer feedback; they do not send it.
    officer = api_client(commune_officer)
    assert officer.post("/api/v1/feedback", body(), content_type="application/json").status_code == 404
