"""What a model's inference log keeps: redacted features and the retention period, set by
`register_model`, the admin or the services, always audited."""

import pytest
from django.core.management import CommandError, call_command

from apps.audit.models import AuditEvent
from apps.core.errors import InvalidInput, PermissionDenied
from apps.registry.models import Model
from apps.registry.services import model_redaction_set, model_retention_set
from tests.accounts.factories import TeamFactory, access_world, admin_user, member_of
from tests.admin_forms import admin_form_data
from tests.registry.factories import train_artifact, trained_version

pytestmark = pytest.mark.django_db


def test_register_model_sets_redacted_features_and_retention(tmp_path, capsys):
    artifact = train_artifact(tmp_path / "m.joblib")

    call_command("register_model", "flowers", "1", "--artifact", str(artifact),
                 "--redact", "email, postcode", "--retention-days", "30")

    model = Model.objects.get(name="flowers")
    assert model.redacted_features == ["email", "postcode"] and model.retention_days == 30
    out = capsys.readouterr().out
    assert "Redacted features of flowers: email, postcode" in out and "kept 30 days" in out
    assert AuditEvent.objects.filter(action__in=["model.set_redaction", "model.set_retention"]).count() == 2


def test_register_model_can_clear_the_redaction_and_return_to_the_default_retention(tmp_path):
    artifact = train_artifact(tmp_path / "m.joblib")
    call_command("register_model", "flowers", "1", "--artifact", str(artifact), "--redact", "email",
                 "--retention-days", "30")

    call_command("register_model", "flowers", "2", "--artifact", str(artifact), "--redact", "",
                 "--retention-days", "0")

    model = Model.objects.get(name="flowers")
    assert model.redacted_features == [] and model.retention_days is None


def test_registering_without_the_options_keeps_the_models_settings(tmp_path):
    artifact = train_artifact(tmp_path / "m.joblib")
    call_command("register_model", "flowers", "1", "--artifact", str(artifact), "--redact", "email")

    call_command("register_model", "flowers", "2", "--artifact", str(artifact))

    assert Model.objects.get(name="flowers").redacted_features == ["email"]


def test_a_bad_retention_registers_nothing(tmp_path):
    artifact = train_artifact(tmp_path / "m.joblib")
    with pytest.raises(CommandError, match="Retention must be"):
        call_command("register_model", "flowers", "1", "--artifact", str(artifact), "--redact", "email",
                     "--retention-days", "-3")
    assert not Model.objects.filter(name="flowers").exists()


@pytest.mark.parametrize("names", [["ok", ""], ["x" * 201], "email", [3]])
def test_redacted_features_must_be_a_list_of_names(names):
    version = trained_version()
    with pytest.raises(InvalidInput):
        model_redaction_set(model=version.model, features=names)


def test_only_reviewers_of_the_owning_team_or_admins_change_the_log_policy():
    world = access_world()
    version = world.version

    for person in (world.member, world.outsider, world.reporter):
        with pytest.raises(PermissionDenied):
            model_redaction_set(model=version.model, features=["email"], actor=person)
        with pytest.raises(PermissionDenied):
            model_retention_set(model=version.model, days=7, actor=person)
    model_redaction_set(model=version.model, features=["email"], actor=world.reviewer)
    model_retention_set(model=version.model, days=7, actor=world.admin)

    version.model.refresh_from_db()
    assert (version.model.redacted_features, version.model.retention_days) == (["email"], 7)
    event = AuditEvent.objects.get(action="model.set_retention")
    assert event.old == {"retention_days": None} and event.new == {"retention_days": 7}


def test_the_admin_sets_redaction_as_a_comma_separated_list_through_the_audited_service(client):
    version = trained_version()
    admin = admin_user()
    client.force_login(admin)
    url = f"/admin/registry/model/{version.model.pk}/change/"
    data = admin_form_data(client.get(url)) | {"redacted_features": "email,  postcode", "retention_days": "14"}

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    version.model.refresh_from_db()
    assert version.model.redacted_features == ["email", "postcode"] and version.model.retention_days == 14
    event = AuditEvent.objects.get(action="model.set_redaction")
    assert event.actor == admin
    assert "email, postcode" in client.get(url).content.decode()


def test_an_admin_page_user_who_may_not_change_the_policy_gets_a_form_error_not_a_500(client):
    from django.contrib.auth.models import Permission

    team = TeamFactory()
    version = trained_version(team=team)
    staff = member_of(team, is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_model", "view_model"]))
    client.force_login(staff)
    url = f"/admin/registry/model/{version.model.pk}/change/"
    data = admin_form_data(client.get(url)) | {"redacted_features": "email"}

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Only reviewers" in response.content.decode()
    version.model.refresh_from_db()
    assert version.model.redacted_features == []


def test_the_model_list_says_which_features_are_redacted(api_client):
    version = trained_version()
    model_redaction_set(model=version.model, features=["email"])

    listed = api_client.get("/api/v1/models/").json()["results"][0]

    assert listed["redacted_features"] == ["email"] and listed["retention_days"] is None
