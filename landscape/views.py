from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from core.structured_data import json_ld_script, organization_json_ld, person_json_ld

from .forms import QuoteFilterForm
from .selectors import company_profile, figures_overview, landscape_layers, person_profile, quotes_filtered

QUOTES_PER_PAGE = 30


def landscape(request):
    layers = landscape_layers()
    return render(request, "landscape/landscape.html", {"layers": layers})


def company_detail(request, slug):
    context = company_profile(slug=slug)
    if context is None:
        raise Http404("No published company has this slug.")
    context["json_ld"] = json_ld_script(organization_json_ld(context["company"], request))
    return render(request, "landscape/company_detail.html", context)


def person_detail(request, slug):
    context = person_profile(slug=slug)
    if context is None:
        raise Http404("No published person has this slug.")
    context["json_ld"] = json_ld_script(person_json_ld(context["person"], request))
    return render(request, "landscape/person_detail.html", context)


def quote_list(request):
    form = QuoteFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # A bad filter (an old link, a typo) gets a clear message and the form, not an error page.
        return render(request, "landscape/quote_list.html", {"form": form, "page": None}, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    quotes = quotes_filtered(
        speaker=filters.get("speaker"), company=filters.get("company"), article=filters.get("article")
    )
    page = Paginator(quotes, QUOTES_PER_PAGE).get_page(request.GET.get("page"))
    chosen = [filters.get("speaker"), filters.get("company"), filters.get("article")]
    # The page title names the filter, so that a shared or bookmarked link says whose quotes it holds.
    filter_label = "、".join(
        getattr(choice, "name_zh", None) or f"《{choice.title}》" for choice in chosen if choice is not None
    )
    context = {"form": form, "page": page, "filter_label": filter_label}
    return render(request, "landscape/quote_list.html", context)


def figure_list(request):
    return render(request, "landscape/figure_list.html", figures_overview())
