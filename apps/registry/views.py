from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def model_list_view(request):
    return render(request, "registry/model_list.html", {"models": selectors.model_list()})
