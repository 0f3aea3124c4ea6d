from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def activity(request: HttpRequest) -> HttpResponse:
    return render(request, "audit/activity.html", {"events": []})
