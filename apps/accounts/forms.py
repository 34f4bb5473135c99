from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from apps.core.forms import Form

from .models import INTAKE_SCOPES

EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("never", "Never")]
ACCESS_CHOICES = [
    ("full", "Full access: acts with all the account's rights"),
    ("intake", "Intake only: file reports, log predictions, send feedback"),
]


class TokenCreateForm(Form):
    name = forms.CharField(max_length=100, help_text="Say where the key will live, e.g. 'slack-bot' or 'laptop'.")
    account = forms.ChoiceField(label="For")
    access = forms.ChoiceField(choices=ACCESS_CHOICES, initial="full", widget=forms.RadioSelect)
    expires_in = forms.ChoiceField(label="Expires in", choices=EXPIRY_CHOICES, initial="90")

    def __init__(self, *args, user, bot_usernames: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        own = user.get_username()
        self.fields["account"].choices = [(own, f"{own} (you)")] + [(name, f"{name} (bot)") for name in bot_usernames]
        self.fields["account"].initial = own

    def cleaned_scopes(self) -> list[str]:
        return list(INTAKE_SCOPES) if self.cleaned_data["access"] == "intake" else []

    def cleaned_expiry(self):
        days = self.cleaned_data["expires_in"]
        return None if days == "never" else timezone.now() + timedelta(days=int(days))


class BotCreateForm(Form):
    username = forms.CharField(max_length=150, help_text="Letters, digits and @/./+/-/_ only, e.g. 'slack-bot'.")
    description = forms.CharField(max_length=200, required=False)


class AccountSettingsForm(Form):
    email_report_updates = forms.BooleanField(
        required=False, label="E-mail me when something happens to a report I filed",
        widget=forms.CheckboxInput(attrs={"aria-describedby": "email-help"}),
        help_text="Triaged, fixed (with the version), declined (with the reason) or reopened — at most one e-mail "
                  "per incident an hour.")
