from django.http import Http404
from django.shortcuts import render

from articles.models import Article
from core.frontcache import cache_tags, list_tag, record_tag
from core.paging import page_or_404
from core.structured_data import image_data, json_ld_script, organization_json_ld, person_json_ld
from images.renditions import picture

from .forms import QuoteFilterForm
from .models import Company, Figure, Person, Product, Quote
from .selectors import (
    company_profile,
    figure_charts,
    figures_listed,
    landscape_layers,
    person_profile,
    quotes_filtered,
)

QUOTES_PER_PAGE = 30
FIGURES_PER_PAGE = 50
CITED_PER_PAGE = 20


def landscape(request):
    cache_tags(request, list_tag(Company), list_tag(Product))
    layers = landscape_layers()
    return render(request, "landscape/landscape.html", {"layers": layers})


def company_detail(request, slug):
    # Its products, quotes, figures and people's roles ban the company's tag; the people's names theirs.
    cache_tags(request, list_tag(Company), list_tag(Person), list_tag(Article))
    context = company_profile(slug=slug)
    if context is None:
        raise Http404("No published company has this slug.")
    cache_tags(request, record_tag(context["company"]))
    context["page"] = page_or_404(request, context.pop("cited"), per_page=CITED_PER_PAGE)
    company = context["company"]
    context["logo"] = picture(company.logo, "logo")
    context["og_image"] = image_data(request, context["logo"])
    context["json_ld"] = json_ld_script(organization_json_ld(company, request, logo=context["og_image"]))
    return render(request, "landscape/company_detail.html", context)


def person_detail(request, slug):
    cache_tags(request, list_tag(Person), list_tag(Company), list_tag(Article))
    context = person_profile(slug=slug)
    if context is None:
        raise Http404("No published person has this slug.")
    cache_tags(request, record_tag(context["person"]))
    context["page"] = page_or_404(request, context.pop("cited"), per_page=CITED_PER_PAGE)
    person = context["person"]
    context["portrait"] = picture(person.portrait, "portrait")
    context["og_image"] = image_data(request, context["portrait"])
    context["json_ld"] = json_ld_script(person_json_ld(person, request, portrait=context["og_image"]))
    return render(request, "landscape/person_detail.html", context)


def quote_list(request):
    # A quote names its speaker, its company and the article it comes from.
    cache_tags(request, list_tag(Quote), list_tag(Person), list_tag(Company), list_tag(Article))
    form = QuoteFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # A bad filter (an old link, a typo) gets a clear message and the form, not an error page.
        return render(request, "landscape/quote_list.html", {"form": form, "page": None}, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    quotes = quotes_filtered(
        speaker=filters.get("speaker"), company=filters.get("company"), article=filters.get("article")
    )
    page = page_or_404(request, quotes, per_page=QUOTES_PER_PAGE, identifying=QuoteFilterForm.base_fields)
    chosen = [filters.get("speaker"), filters.get("company"), filters.get("article")]
    # The page title names the filter, so that a shared or bookmarked link says whose quotes it holds.
    filter_label = "、".join(
        getattr(choice, "name_zh", None) or f"《{choice.title}》" for choice in chosen if choice is not None
    )
    context = {"form": form, "page": page, "filter_label": filter_label, "article": filters.get("article")}
    return render(request, "landscape/quote_list.html", context)


def figure_list(request):
    cache_tags(request, list_tag(Figure), list_tag(Company), list_tag(Product), list_tag(Article))
    company = None
    if slug := request.GET.get("company"):
        company = Company.objects.published().filter(slug=slug).first()
        if company is None:
            raise Http404("No published company has this slug.")
    figures = figures_listed(company=company)
    page = page_or_404(request, figures, per_page=FIGURES_PER_PAGE, identifying=["company"])
    # The charts stand above the first page only: they draw every charted figure, not one page's.
    charts = figure_charts(figures) if page.number == 1 else []
    return render(request, "landscape/figure_list.html", {"page": page, "charts": charts, "company": company})
