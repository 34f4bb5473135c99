from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError
from apps.core.throttling import SignInAddressThrottle

from . import selectors, services
from .forms import AccountSettingsForm, BotCreateForm, TokenCreateForm
from .token_page import token_page_sections


class SignInView(LoginView):
    """Django's sign-in, with attempts limited per client address. Failures per username are
    counted by django-axes, which answers with `sign_in_locked_out` once the account is locked."""

    def post(self, request, *args, **kwargs):
        throttle = SignInAddressThrottle()
        if not throttle.allow_request(request, self):
            wait = math.ceil(throttle.wait() or 60)
            form = self.get_form()
            form.errors.clear()
            context = self.get_context_data(form=form, throttled_for=wait)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


def sign_in_locked_out(request: HttpRequest, original_response: HttpResponse | None,
                       credentials: dict | None) -> HttpResponse:
    """django-axes' answer (AXES_LOCKOUT_CALLABLE) to a sign-in for a locked-out username, on the
    sign-in page and the admin's alike. It uses neither the refused page nor the credentials, so
    it is the same for every username, known or not. The wait is the whole cool-off: the lock ends
    by then at the latest, since tries made during it are not counted."""
    wait = get_cool_off(request).total_seconds()
    response = render(request, "registration/login.html", {
        "form": AuthenticationForm(request), "next": request.POST.get("next", ""),
        "locked_out_minutes": math.ceil(wait / 60),
    }, status=429)
    response["Retry-After"] = str(math.ceil(wait))
    return response


def tokens_page(request, *, form=None, bot_form=None, issued=None, status=200,
                section_states: dict | None = None) -> HttpResponse:
    """The Tokens page; `section_states` is for the sections other apps add (token_page.py)."""
    bots = selectors.bot_accounts(user=request.user)
    bot_usernames = [bot.user.get_username() for bot in bots]
    return render(request, "accounts/tokens.html", {
        "tokens": selectors.api_tokens_manageable(user=request.user),
        "bots": bots,
        "form": form or TokenCreateForm(user=request.user, bot_usernames=bot_usernames),
        "bot_form": bot_form or BotCreateForm(),
        "issued": issued,
        "memberships": selectors.teams_of(user=request.user),
        "extra_sections": token_page_sections(request, section_states),
    }, status=status)


@never_cache
@login_required
def token_list_view(request):
    return tokens_page(request)


@never_cache
@login_required
@require_POST
def token_create_view(request):
    bots = [bot.user.get_username() for bot in selectors.bot_accounts(user=request.user)]
    form = TokenCreateForm(request.POST, user=request.user, bot_usernames=bots)
    if not form.is_valid():
        return tokens_page(request, form=form, status=400)
    try:
        issued = services.api_token_create(
            username=form.cleaned_data["account"], name=form.cleaned_data["name"], scopes=form.cleaned_scopes(),
            expires_at=form.cleaned_expiry(), actor=request.user,
        )
    except DomainError as error:
        form.add_error(None, error.detail)
        return tokens_page(request, form=form, status=error.status)
    # Rendered, not redirected: the key must not pass through the session or a URL.
    return tokens_page(request, issued=issued, status=201)


@login_required
@require_POST
def token_revoke_view(request, pk: int):
    token = selectors.api_token_get_manageable(user=request.user, token_id=pk)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token '{token.name}' ({token.prefix}…) is revoked: it stops working now.")
    return redirect("accounts:tokens")


@login_required
@require_POST
def bot_create_view(request):
    form = BotCreateForm(request.POST)
    if form.is_valid():
        try:
            services.bot_account_create(username=form.cleaned_data["username"],
                                        description=form.cleaned_data["description"], actor=request.user)
        except DomainError as error:
            form.add_error("username" if "username" in error.errors else None, error.detail)
            return tokens_page(request, bot_form=form, status=error.status)
        messages.success(request, f"Bot account '{form.cleaned_data['username']}' created. Issue it a token below, "
                                  "and ask an admin to add it to the team whose models it works on.")
        return redirect("accounts:tokens")
    return tokens_page(request, bot_form=form, status=400)


@never_cache
@login_required
def account_view(request):
    """The person's own page: who they are to the tracker, and which e-mails they get."""
    current = selectors.account_settings_of(user=request.user)
    if request.method == "POST":
        form = AccountSettingsForm(request.POST)
        if form.is_valid():
            services.account_settings_update(user=request.user, actor=request.user,
                                             email_report_updates=form.cleaned_data["email_report_updates"])
            messages.success(request, "Saved." + ("" if form.cleaned_data["email_report_updates"] else
                                                  " You will get no more e-mails about your reports."))
            return redirect("accounts:account")
        status = 400
    else:
        form = AccountSettingsForm(initial={"email_report_updates": current.email_report_updates})
        status = 200
    return render(request, "accounts/account.html", {
        "form": form, "memberships": selectors.teams_of(user=request.user),
    }, status=status)
