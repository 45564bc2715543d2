from datetime import timedelta
from decimal import Decimal

import pytest
import reversion
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.contrib.auth.models import Group
from django.db.models.signals import post_migrate
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles.annotations import annotation_create, annotation_resolve
from articles.models import Annotation, Article, Paragraph, Section, Topic
from articles.workflow import article_publish, article_return_to_draft, article_submit
from images.models import Image
from landscape.models import Affiliation, Company, Figure, Mention, Person, Product, Quote
from tests.admin_support import deletion_refused_by, posted_form, recover_url
from tests.articles.test_admin import first_paragraph
from tests.factories import (
    make_article,
    make_company,
    make_figure,
    make_mention,
    make_person,
    make_quote,
    set_text,
)

pytestmark = pytest.mark.django_db


def test_roles_come_back_with_every_permission_after_migrate():
    Group.objects.filter(name__in=["Editor", "Contributor"]).delete()
    post_migrate.send(sender=apps.get_app_config("landscape"), app_config=apps.get_app_config("landscape"))
    editor = Group.objects.get(name="Editor")
    contributor = Group.objects.get(name="Contributor")
    editor_perms = set(editor.permissions.values_list("content_type__app_label", "codename"))
    contributor_perms = set(contributor.permissions.values_list("codename", flat=True))
    assert ("articles", "publish_article") in editor_perms
    assert ("landscape", "change_company") in editor_perms
    assert "publish_article" not in contributor_perms
    assert {"add_annotation", "change_paragraph", "view_company"} <= contributor_perms
    assert "change_company" not in contributor_perms


# --- A contributor cannot publish by restoring any version ------------------------------------------------


def publication_state() -> dict:
    """Return what decides whether and where anything is public: status, publish time, flags and slugs."""
    return {
        "articles": sorted(Article.objects.values_list("pk", "status", "publish_at", "slug")),
        "companies": sorted(Company.objects.values_list("pk", "published", "slug")),
        "people": sorted(Person.objects.values_list("pk", "published", "slug")),
        "products": sorted(Product.objects.values_list("pk", "slug")),
        "topics": sorted(Topic.objects.values_list("pk", "slug")),
    }


def texts(article) -> dict:
    return dict(Paragraph.objects.filter(section__article=article).values_list("pk", "text"))


@pytest.fixture
def once_published(draft, editor):
    """The draft, published (a revision of it all), then edited and taken back to draft and renamed."""
    topic = Topic.objects.create(name="大模型", slug="llm")
    draft.topics.add(topic)
    article_publish(article=draft, user=editor)
    with reversion.create_revision():
        reversion.set_user(editor)
        for paragraph in Paragraph.objects.filter(section__article=draft):
            paragraph.text = paragraph.text + "（後來改寫）"
            paragraph.save()
    article_return_to_draft(article=draft, user=editor)
    with reversion.create_revision():
        reversion.set_user(editor)
        Article.objects.filter(pk=draft.pk).update(slug="hundred-models-renamed")
        draft.refresh_from_db()
        draft.save()
        topic.slug = "large-models"
        topic.save()
    return draft


def published_version(obj) -> Version:
    """Return obj's version from the revision in which its article was published."""
    return Version.objects.get_for_object(obj).get(revision__comment="Published")


def restore(client, obj, version, data):
    opts = obj._meta
    return client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_revision", args=[obj.pk, version.pk]), data
    )


def revision_form(client, obj, version) -> dict:
    opts = obj._meta
    response = client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_revision", args=[obj.pk, version.pk])
    )
    assert response.status_code == 200
    return posted_form(response)


@pytest.mark.parametrize("model", [Section, Paragraph])
def test_restoring_a_section_or_paragraph_saved_while_published_keeps_the_article_a_draft(
    once_published, editor_client, contributor, model
):
    article = once_published
    obj = model.objects.filter(**{"article" if model is Section else "section__article": article}).first()
    version = published_version(obj)
    # What a browser posts back from the restore form, publication fields included if it showed any.
    data = revision_form(editor_client, obj, version)
    before, text_before = publication_state(), texts(article)

    client = Client()
    client.force_login(contributor)
    assert client.get(restore_url(obj, version)).status_code == 200
    assert publication_state() == before and texts(article) == text_before  # looking changes nothing
    response = restore(client, obj, version, data)

    assert response.status_code == 302
    assert publication_state() == before
    assert not Article.objects.published().exists()


def restore_url(obj, version):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_revision", args=[obj.pk, version.pk])


def test_restoring_the_article_as_a_contributor_keeps_status_publish_time_and_slug(
    once_published, editor_client, contributor_client
):
    article = once_published
    version = published_version(article)
    data = revision_form(editor_client, article, version)
    now = timezone.localtime()
    data.update(
        status="published",
        publish_at_0=now.strftime("%Y-%m-%d"),
        publish_at_1=now.strftime("%H:%M:%S"),
        slug="hundred-models",
    )
    before = publication_state()
    response = restore(contributor_client, article, version, data)
    assert response.status_code == 302
    assert publication_state() == before
    article.refresh_from_db()
    assert article.status == "draft" and article.slug == "hundred-models-renamed"
    assert not any(text.endswith("（後來改寫）") for text in texts(article).values())  # the text came back


LANDSCAPE_VERSIONED = [Company, Person, Product, Quote, Figure]


@pytest.fixture
def landscape_history(once_published, editor):
    """Landscape entries each saved once while public under another slug, then unpublished and renamed."""
    paragraph = first_paragraph(once_published)
    with reversion.create_revision():
        reversion.set_user(editor)
        company = make_company(name_zh="復旦", slug="fudan", aliases=["复旦"])
        person = make_person(name_zh="邱錫鵬", slug="qiu-xipeng")
        product = Product.objects.create(name="MOSS", slug="moss", company=company, kind=Product.Kind.MODEL)
        quote = make_quote(
            paragraph=paragraph, text=paragraph.text[:4], speaker=person, speaker_description="邱教授"
        )
        figure = make_figure(paragraph=paragraph, company=company, product=product, value=Decimal(1000))
    with reversion.create_revision():
        reversion.set_user(editor)
        for entity, slug in [(company, "fudan-university"), (person, "xipeng-qiu")]:
            entity.published, entity.slug = False, slug
            entity.save()
        product.slug = "moss-model"
        product.save()
        quote.occasion = "後來補充"
        quote.save()
        figure.value = Decimal(2)
        figure.save()
    return {Company: company, Person: person, Product: product, Quote: quote, Figure: figure}


@pytest.mark.parametrize("model", LANDSCAPE_VERSIONED, ids=lambda m: m.__name__)
def test_a_contributor_cannot_restore_a_landscape_version(
    landscape_history, editor_client, contributor_client, model
):
    obj = landscape_history[model]
    version = Version.objects.get_for_object(obj).order_by("pk").first()
    data = revision_form(editor_client, obj, version)
    before = publication_state()
    stored = model.objects.filter(pk=obj.pk).values().get()

    assert contributor_client.get(restore_url(obj, version)).status_code == 200  # a read-only view
    response = restore(contributor_client, obj, version, data)

    assert response.status_code == 403
    assert publication_state() == before
    assert model.objects.filter(pk=obj.pk).values().get() == stored


@pytest.mark.parametrize("model", LANDSCAPE_VERSIONED, ids=lambda m: m.__name__)
def test_an_editor_restoring_a_landscape_version_keeps_its_publication_and_slug(
    landscape_history, editor_client, model
):
    obj = landscape_history[model]
    version = Version.objects.get_for_object(obj).order_by("pk").first()
    before = publication_state()
    response = restore(editor_client, obj, version, revision_form(editor_client, obj, version))
    assert response.status_code == 302
    assert publication_state() == before
    restored = model.objects.get(pk=obj.pk)
    if model is Quote:
        assert restored.occasion == ""  # the content did come back
    if model is Figure:
        assert restored.value != Decimal(2)


def test_every_versioned_admin_is_covered_by_a_restore_test():
    versioned = {model for model, ma in admin.site._registry.items() if isinstance(ma, VersionAdmin)}
    assert versioned == {Article, Section, Paragraph, Annotation, Topic, Image, *LANDSCAPE_VERSIONED}


@pytest.mark.parametrize("model", [Annotation, Topic], ids=lambda m: m.__name__)
def test_restoring_an_annotation_or_topic_as_a_contributor_touches_no_publication(
    once_published, editor, editor_client, contributor_client, model
):
    paragraph = first_paragraph(once_published)
    annotation = annotation_create(
        paragraph=paragraph, start=0, end=2, kind="note", visibility="internal", body="舊", created_by=editor
    )
    obj = annotation if model is Annotation else Topic.objects.get()
    version = Version.objects.get_for_object(obj).order_by("pk").first()
    data = revision_form(editor_client, obj, version)
    before = publication_state()
    response = restore(contributor_client, obj, version, data)
    assert response.status_code in (302, 403)
    assert publication_state() == before


# Recovering a deleted section or paragraph reverts its last version, saved while the article was public.


@pytest.mark.parametrize("model", [Section, Paragraph])
def test_recovering_a_deleted_section_or_paragraph_keeps_the_article_a_draft(
    draft, editor, editor_client, contributor_client, model
):
    article_publish(article=draft, user=editor)
    obj = model.objects.filter(**{"article" if model is Section else "section__article": draft}).last()
    pk = obj.pk
    obj.delete()
    article_return_to_draft(article=draft, user=editor)
    recover = recover_url(model, pk)
    response = editor_client.get(recover)
    assert response.status_code == 200
    data = posted_form(response)
    before = publication_state()

    response = contributor_client.post(recover, data)

    assert response.status_code == 302
    assert model.objects.filter(pk=pk).exists()
    assert publication_state() == before
    assert not Article.objects.published().exists()


def test_recovering_a_deleted_article_as_a_contributor_brings_it_back_as_a_draft(
    draft, editor, editor_client, contributor_client
):
    article_publish(article=draft, user=editor)
    pk = draft.pk
    draft.delete()
    recover = recover_url(Article, pk)
    data = posted_form(editor_client.get(recover))
    data.update(status="published")
    assert contributor_client.post(recover, data).status_code == 302
    article = Article.objects.get(pk=pk)
    assert article.status == "draft" and article.publish_at is None
    assert not Article.objects.published().exists()


@pytest.mark.parametrize("model", LANDSCAPE_VERSIONED, ids=lambda m: m.__name__)
def test_a_contributor_cannot_recover_a_deleted_landscape_entry(landscape_history, contributor_client, model):
    obj = landscape_history[model]
    pk = obj.pk
    for blocker in deletion_refused_by([obj]):  # what names the entry refuses its deletion
        blocker.delete()
    model.objects.filter(pk=pk).delete()
    recover = recover_url(model, pk)
    before = publication_state()
    assert contributor_client.post(recover, {}).status_code == 403
    assert not model.objects.filter(pk=pk).exists()
    assert publication_state() == before


# --- Every admin action, posted as a contributor ----------------------------------------------------------

ACTIONS = sorted(
    (model._meta.label_lower, action.name, location.value)
    for model, model_admin in admin.site._registry.items()
    for location in ActionLocation
    for action in model_admin._get_base_actions(location)
)

# What a contributor may run, and what each must then have done (see test below).
CONTRIBUTOR_ACTIONS = {
    ("articles.article", "submit_for_review"),
    ("articles.article", "return_to_draft"),
    ("articles.annotation", "resolve"),
    ("articles.annotation", "reopen"),
    ("articles.section", "delete_selected"),
    ("articles.paragraph", "delete_selected"),
}


def test_every_action_names_the_permission_it_needs():
    for label, name, location in ACTIONS:
        model_admin = admin.site._registry[apps.get_model(label)]
        action = next(a for a in model_admin._get_base_actions(ActionLocation(location)) if a.name == name)
        permissions = getattr(action.func, "allowed_permissions", None)
        assert permissions, f"{label}: {name} runs for anyone who can see the list"
        for permission in permissions:
            assert hasattr(model_admin, f"has_{permission}_permission"), f"{label}: {name}"


def everything() -> dict:
    """Return every row of the content, search and history tables."""
    models = [
        *apps.get_app_config("articles").get_models(),
        *apps.get_app_config("landscape").get_models(),
        *apps.get_app_config("search").get_models(),
        *apps.get_app_config("reversion").get_models(),
        *apps.get_app_config("auth").get_models(),
    ]
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in models}


def public_state() -> dict:
    """Return what the public sees: which articles, companies and people are out, and since when."""
    return {
        "articles": sorted(Article.objects.published().values_list("pk", "publish_at", "slug")),
        "scheduled": sorted(Article.objects.filter(status="scheduled").values_list("pk", "publish_at")),
        "companies": sorted(Company.objects.published().values_list("pk", "slug")),
        "people": sorted(Person.objects.published().values_list("pk", "slug")),
    }


@pytest.fixture
def world(draft, editor):
    """At least one row for every admin, in every state an action could move it out of."""
    review = make_article(status=Article.Status.DRAFT, title="待審")
    article_submit(article=review, user=editor)
    public = make_article(title="已發表")
    scratch = make_article(status=Article.Status.DRAFT, title="草稿", sections=1, paragraphs=1)
    Topic.objects.create(name="大模型", slug="llm")
    paragraph = first_paragraph(public)
    set_text(paragraph, "騰訊、百度與王小川")
    for index, status in enumerate(["open", "resolved"]):
        note = annotation_create(
            paragraph=paragraph,
            start=index,
            end=index + 2,
            kind="note",
            visibility="internal",
            body="注",
            created_by=editor,
        )
        if status == "resolved":
            annotation_resolve(annotation=note, user=editor)
    tencent = make_company(name_zh="騰訊", slug="tencent", aliases=["鵝廠"])
    hidden = make_company(name_zh="百度", slug="baidu", published=False)
    wang = make_person(name_zh="王小川", slug="wang-xiaochuan", published=False, aliases=["小川"])
    Affiliation.objects.create(person=wang, company=tencent, role="顧問")
    product = Product.objects.create(name="微信", slug="wechat", company=tencent, kind=Product.Kind.APP)
    make_quote(paragraph=paragraph, text="騰訊、百度", speaker=wang, speaker_description="王小川")
    make_figure(paragraph=paragraph, company=tencent, product=product, value=Decimal(1))
    make_mention(paragraph=paragraph, start=0, end=2, company=tencent, status=Mention.Status.SUGGESTED)
    make_mention(paragraph=paragraph, start=3, end=5, company=hidden, status=Mention.Status.CONFIRMED)
    make_mention(paragraph=paragraph, start=6, end=9, person=wang, status=Mention.Status.REJECTED)
    return {"draft": draft, "review": review, "public": public, "scratch": scratch}


def selection(world, label: str, name: str) -> list:
    """Return the rows the action is posted for: all of them, or what a contributor may delete."""
    model = apps.get_model(label)
    if name == "delete_selected" and label == "articles.section":
        return list(world["scratch"].sections.values_list("pk", flat=True))
    if name == "delete_selected" and label == "articles.paragraph":
        return list(Paragraph.objects.filter(section__article=world["scratch"]).values_list("pk", flat=True))
    return list(model._default_manager.values_list("pk", flat=True))


def offered_choices(response) -> list[str]:
    action_form = response.context["action_form"] if response.status_code == 200 else None
    return [value for value, _ in action_form.fields["action"].choices] if action_form else []


@pytest.mark.parametrize(
    ("label", "name", "location"), ACTIONS, ids=[f"{label}.{name}.{where}" for label, name, where in ACTIONS]
)
def test_every_admin_action_posted_by_a_contributor(world, contributor, label, name, location):
    model = apps.get_model(label)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = contributor
    offered = name in model_admin.get_actions(request, ActionLocation(location))
    assert offered == ((label, name) in CONTRIBUTOR_ACTIONS)

    client = Client()
    client.force_login(contributor)
    selected = selection(world, label, name)
    before, public_before = everything(), public_state()
    tomorrow = timezone.localtime() + timedelta(days=1)
    data = {
        "_selected_action": selected,
        "post": "yes",  # confirms a deletion
        "apply": "1",  # confirms a schedule
        "publish_at": tomorrow.strftime("%Y-%m-%dT%H:%M"),
    }
    opts = model._meta
    if ActionLocation(location) is ActionLocation.CHANGE_FORM:
        page = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[selected[0]])
        data.update({f"{location}-action": name, "_selected_action": selected[:1]})
    else:
        page = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        data["action"] = name
    response = client.post(page, data, follow=True)

    assert public_state() == public_before  # nothing is published, unpublished or moved, ever
    if not offered:
        assert response.status_code == 403 or name not in offered_choices(response)
        assert everything() == before
        return
    assert response.status_code == 200
    if name == "submit_for_review":
        assert Article.objects.get(pk=world["draft"].pk).status == "review"
        assert Article.objects.get(pk=world["public"].pk).status == "published"
    elif name == "return_to_draft":
        assert Article.objects.get(pk=world["review"].pk).status == "draft"
        assert Article.objects.get(pk=world["public"].pk).status == "published"
        assert "Only editors may unpublish" in response.content.decode()
    elif name in ("resolve", "reopen"):
        wanted = "resolved" if name == "resolve" else "open"
        assert set(Annotation.objects.values_list("status", flat=True)) == {wanted}
    else:
        assert selected and not model.objects.filter(pk__in=selected).exists()
