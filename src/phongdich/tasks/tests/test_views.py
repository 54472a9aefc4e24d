"""The work list screen: tabs, overdue in red and first, local due times, htmx completion and assignment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.tasks import services
from phongdich.tasks.models import Task, TaskKind, TaskStatus


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def make(units, title, due, commune="06649", **extra):
    return services.create_task(
        None, kind=extra.pop("kind", TaskKind.CALL_CONTACT), commune=units[commune], title=title, due_at=due, **extra
    )


def test_the_list_shows_overdue_first_in_red_with_local_times(units, commune_officer, client_for, english):
    due = dt.datetime(2030, 1, 1, 1, 30, tzinfo=dt.UTC)  # 08:30 in Hà Nội
    make(units, "Giao quyết định", due)
    late = make(units, "Gọi F1 trễ", timezone.now() - dt.timedelta(hours=1))
    make(units, "Việc ở Móng Cái", due, commune="06727")
    page = client_for(commune_officer).get("/tasks/?tab=all")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Gọi F1 trễ") < html.index("Giao quyết định")
    assert f'id="task-{late.pk}" class="overdue"' in html
    assert html.count('class="badge overdue">overdue<') == 1
    assert "08:30 01/01/2030" in html
    assert "Việc ở Móng Cái" not in html
    # The menu offers the screen.
    assert 'href="/tasks/"' in html


def test_the_mine_tab_lists_only_my_tasks(units, commune_officer, client_for):
    # Titles unlike any label of the screen (the tabs say "Của tôi" and "Chưa giao").
    mine = make(units, "Gọi F1 Nguyễn Văn An", timezone.now() + dt.timedelta(hours=1))
    make(units, "Lấy mẫu Trần Thị Bình", timezone.now() + dt.timedelta(hours=1))
    services.assign_task(commune_officer, mine.pk, commune_officer.pk)
    html = client_for(commune_officer).get("/tasks/").content.decode()
    assert "Gọi F1 Nguyễn Văn An" in html and "Lấy mẫu Trần Thị Bình" not in html


def test_completing_with_htmx_answers_the_row(units, commune_officer, client_for, english):
    task = make(units, "Gọi điện", timezone.now() + dt.timedelta(hours=1))
    response = client_for(commune_officer).post(
        f"/tasks/{task.pk}/complete/", {"note": "Đã gọi"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="task-{task.pk}"') and "Đã gọi" in html and "Done" in html
    task.refresh_from_db()
    assert (task.status, task.completion_note, task.completed_by) == (TaskStatus.DONE, "Đã gọi", commune_officer)
    # Again: the row says why nothing happened.
    again = client_for(commune_officer).post(f"/tasks/{task.pk}/complete/", {}, headers={"HX-Request": "true"})
    assert 'role="alert"' in again.content.decode()


def test_assigning_to_me_and_to_a_colleague(units, commune_officer, make_account, client_for):
    colleague = make_account(Role.COMMUNE_OFFICER, "06649", username="colleague")
    task = make(units, "Gọi điện", timezone.now() + dt.timedelta(hours=1))
    client = client_for(commune_officer)
    response = client.post(f"/tasks/{task.pk}/assign/", {"assignee": "me"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == commune_officer
    client.post(f"/tasks/{task.pk}/assign/", {"assignee": str(colleague.pk)}, headers={"HX-Request": "true"})
    task.refresh_from_db()
    assert task.assignee == colleague
    outsider = make_account(Role.COMMUNE_OFFICER, "06727", username="mong-cai")
    refused = client.post(f"/tasks/{task.pk}/assign/", {"assignee": str(outsider.pk)}, headers={"HX-Request": "true"})
    assert 'role="alert"' in refused.content.decode()
    task.refresh_from_db()
    assert task.assignee == colleague


def test_a_task_of_another_commune_is_not_found(units, commune_officer, client_for):
    theirs = make(units, "Việc ở Móng Cái", timezone.now(), commune="06727")
    client = client_for(commune_officer)
    assert client.post(f"/tasks/{theirs.pk}/complete/", {"note": "x"}).status_code == 404
    assert client.post(f"/tasks/{theirs.pk}/assign/", {"assignee": "me"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == TaskStatus.OPEN and theirs.assignee is None


def test_making_a_task_by_hand(units, commune_officer, client_for, english):
    client = client_for(commune_officer)
    day = timezone.localdate() + dt.timedelta(days=2)
    form = client.get("/tasks/new/")
    assert form.status_code == 200 and 'value="06649"' in form.content.decode()
    response = client.post(
        "/tasks/new/",
        {"kind": "other", "title": "Phát thuốc", "due_at": f"{day}T08:30", "commune": "06649", "assignee": ""},
    )
    assert response.status_code == 302, response.content.decode()
    task = Task.objects.get()
    assert task.due_at == dt.datetime.combine(day, dt.time(1, 30), tzinfo=dt.UTC) and task.created_by == commune_officer
    missing = client.post("/tasks/new/", {"kind": "other", "title": "Thiếu hạn", "commune": "06649"})
    assert missing.status_code == 200 and "This field is required." in missing.content.decode()
    far = client.post("/tasks/new/", {"kind": "other", "title": "x", "due_at": f"{day}T08:30", "commune": "06727"})
    assert "No unit with this code in your area." in far.content.decode()
    assert Task.objects.count() == 1


def test_screens_are_for_roles_with_tasks(units, make_account, client_for):
    citizen = make_account(Role.CITIZEN, username="citizen")
    assert client_for(citizen).get("/tasks/").status_code == 404
    assert client_for(citizen).get("/tasks/new/").status_code == 404


def test_without_tasks_of_my_own_the_list_opens_on_my_area(units, commune_officer, client_for):
    make(units, "Chưa giao", timezone.now() + dt.timedelta(hours=1))
    html = client_for(commune_officer).get("/tasks/").content.decode()
    assert "Chưa giao" in html and 'href="?tab=all" aria-current="page"' in html
