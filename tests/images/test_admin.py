import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from reversion.models import Version

from articles.models import Article
from images.models import Image, ImageTag
from images.usage import image_usages
from tests.admin_support import posted_form, recover
from tests.factories import make_article
from tests.images.support import gps_exif, image_bytes, make_image, quadrant_image, upload

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"admin:images_{name}", args=args)


def told(response) -> str:
    return " | ".join(str(message) for message in get_messages(response.wsgi_request))


@pytest.fixture
def image():
    return make_image("harbour.jpg", size=(160, 90), alt_text="A harbour at dusk")


@pytest.fixture
def staff_client(django_user_model):
    """A staff user with no permission on images."""
    user = django_user_model.objects.create_user("staff-only", is_staff=True)
    client = Client()
    client.force_login(user)
    return client


def test_library_pages_answer(admin_client, image):
    for address in (
        url("image_changelist"),
        url("image_upload"),
        url("image_change", image.pk),
        url("image_history", image.pk),
        url("image_delete", image.pk),
        url("image_recoverlist"),
        url("imagetag_changelist"),
    ):
        assert admin_client.get(address).status_code == 200, address


def test_the_list_shows_thumbnails_from_renditions(admin_client, image, django_assert_max_num_queries):
    for n in range(3):
        make_image(f"more{n}.jpg", size=(40, 30), color=(n * 80, 9, 9))
    with django_assert_max_num_queries(12):
        response = admin_client.get(url("image_changelist"))
    thumbnail = image.renditions.filter(spec="inline", format="jpeg").order_by("width").first()
    assert f'src="{thumbnail.file.url}"' in response.text
    assert response.text.count('class="image-thumbnail"') == 4
    assert url("image_upload") in response.text


def test_search_and_filters(admin_client, image):
    tag = ImageTag.objects.create(name="harbours")
    image.tags.add(tag)
    undescribed = make_image("blank.jpg", size=(30, 30), alt_text="", color=(0, 0, 0))
    article = make_article(status=Article.Status.DRAFT)
    Article.objects.filter(pk=article.pk).update(lead_image=undescribed)

    def listed(**query):
        response = admin_client.get(url("image_changelist"), query)
        return set(response.context["cl"].result_list)

    assert listed(q="harbours") == {image}
    assert listed(q="dusk") == {image}
    assert listed(alt="missing") == {undescribed}
    assert listed(usage="unused") == {image}
    assert listed(usage="used") == {undescribed}
    assert listed(decorative__exact="0") == {image, undescribed}


def test_upload_several_at_once_says_what_became_of_each(admin_client):
    existing = make_image("old.jpg", size=(30, 30), color=(5, 5, 5))
    with existing.file.open("rb") as handle:
        duplicate = handle.read()
    files = [
        upload("first.jpg", size=(40, 30), color=(10, 200, 10)),
        upload("second.png", image_bytes((40, 30), "PNG", color=(10, 10, 200))),
        upload("notes.jpg", b"plain text"),
        upload("again.jpg", duplicate),
        upload("where.jpg", image_bytes((40, 30), exif=gps_exif())),
    ]
    response = admin_client.post(
        url("image_upload"), {"files": files, "credit": "Newsroom", "licence": "own"}
    )
    assert response.status_code == 302 and response.url == url("image_changelist")
    messages = told(response)
    added = Image.objects.exclude(pk=existing.pk)
    assert sorted(added.values_list("title", flat=True)) == ["first", "second", "where"]
    assert set(added.values_list("credit", "licence")) == {("Newsroom", "own")}
    assert "“notes.jpg” was not added: it is not an image" in messages
    assert (
        f'“again.jpg” is already in the library as <a href="{url("image_change", existing.pk)}">' in messages
    )
    assert "“where.jpg” carried a GPS position" in messages
    assert added.get(title="where").gps_removed
    assert messages.count("Give it alt text") == 3


def test_the_add_page_leads_to_the_upload_page(admin_client):
    response = admin_client.get(url("image_add"))
    assert response.status_code == 302 and response.url == url("image_upload")


def test_upload_and_change_need_their_permissions(staff_client, image, django_user_model):
    assert staff_client.get(url("image_upload")).status_code == 403
    assert staff_client.post(url("image_upload"), {"files": [upload("x.jpg")]}).status_code == 403
    assert staff_client.get(url("image_add")).status_code == 403
    assert staff_client.get(url("image_change", image.pk)).status_code == 403
    assert not Image.objects.exclude(pk=image.pk).exists()
    user = django_user_model.objects.get(username="staff-only")
    user.user_permissions.add(Permission.objects.get(codename="view_image"))
    response = staff_client.get(url("image_change", image.pk))
    assert response.status_code == 200
    assert 'name="focal_x"' not in response.text  # viewing only: no focal point to set


def test_contributors_upload_and_describe_but_do_not_delete(contributor_client, image):
    assert contributor_client.get(url("image_upload")).status_code == 200
    response = contributor_client.post(url("image_upload"), {"files": [upload("mine.jpg")], "licence": "own"})
    assert response.status_code == 302 and Image.objects.filter(title="mine").exists()
    form = contributor_client.get(url("image_change", image.pk))
    data = {**posted_form(form), "caption": "By a contributor"}
    assert contributor_client.post(url("image_change", image.pk), data).status_code == 302
    image.refresh_from_db()
    assert image.caption == "By a contributor"
    assert contributor_client.post(url("image_delete", image.pk), {"post": "yes"}).status_code == 403
    assert Image.objects.filter(pk=image.pk).exists()


def test_alt_text_is_required_unless_decorative(editor_client, image):
    form = editor_client.get(url("image_change", image.pk))
    data = {**posted_form(form), "alt_text": "  "}
    response = editor_client.post(url("image_change", image.pk), data)
    assert response.status_code == 200
    assert "Describe what the image shows" in response.text
    image.refresh_from_db()
    assert image.alt_text == "A harbour at dusk"
    data["decorative"] = "on"
    assert editor_client.post(url("image_change", image.pk), data).status_code == 302
    image.refresh_from_db()
    assert image.decorative and image.alt_text == ""


def test_saving_a_new_focal_point_crops_again(editor_client, django_capture_on_commit_callbacks):
    image = make_image("halves.jpg", content=quadrant_image((320, 180)), alt_text="Black and white halves")
    before = set(image.renditions.filter(spec="lead").values_list("file", flat=True))
    form = editor_client.get(url("image_change", image.pk))
    assert 'class="focal-point"' in form.text and "focal-point.js" in form.text
    data = {**posted_form(form), "focal_x": "0.9", "focal_y": "0.2"}
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url("image_change", image.pk), data)
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (0.9, 0.2)
    logo = set(image.renditions.filter(spec="logo").values_list("file", flat=True))
    assert logo and not logo & before
    assert set(image.renditions.filter(spec="lead").values_list("file", flat=True)) == before  # 16:9 of 16:9


def test_a_focal_point_off_the_image_is_refused(editor_client, image):
    form = editor_client.get(url("image_change", image.pk))
    response = editor_client.post(url("image_change", image.pk), {**posted_form(form), "focal_x": "1.4"})
    assert response.status_code == 200 and "must lie on the image" in response.text
    image.refresh_from_db()
    assert image.focal_x == 0.5


def test_used_in_lists_every_record_generically_with_its_admin_page(admin_client, image):
    article = make_article(status=Article.Status.DRAFT, title="港口的故事")
    Article.objects.filter(pk=article.pk).update(lead_image=image)
    usages = image_usages(image)
    assert [(usage.record, usage.admin_url) for usage in usages] == [
        (article, reverse("admin:articles_article_change", args=[article.pk]))
    ]
    response = admin_client.get(url("image_change", image.pk))
    assert escape(usages[0].relation) in response.text and "港口的故事" in response.text


def test_deleting_a_used_image_is_refused_with_where_it_is_used(admin_client, image):
    article = make_article(status=Article.Status.DRAFT, title="港口的故事")
    Article.objects.filter(pk=article.pk).update(lead_image=image)
    page = admin_client.get(url("image_delete", image.pk))
    assert "港口的故事" in page.text
    admin_client.post(url("image_delete", image.pk), {"post": "yes"})
    assert Image.objects.filter(pk=image.pk).exists()


def test_an_unused_image_is_deleted_and_can_be_recovered_with_its_renditions(admin_client, image):
    made = image.renditions.count()
    response = admin_client.post(url("image_delete", image.pk), {"post": "yes"})
    assert response.status_code == 302 and not Image.objects.filter(pk=image.pk).exists()
    _, done = recover(admin_client, Image, image.pk)
    assert done.status_code == 200
    recovered = Image.objects.get(pk=image.pk)
    assert recovered.alt_text == "A harbour at dusk" and recovered.renditions.count() == made


def test_history_records_each_change(editor_client, image):
    form = editor_client.get(url("image_change", image.pk))
    editor_client.post(url("image_change", image.pk), {**posted_form(form), "credit": "Harbour office"})
    history = editor_client.get(url("image_history", image.pk))
    assert history.status_code == 200 and "Changed Credit" in history.text


def test_restoring_an_earlier_version_brings_back_its_text_and_crop(editor_client, image):
    square = set(image.renditions.filter(spec="logo").values_list("file", flat=True))
    form = editor_client.get(url("image_change", image.pk))
    editor_client.post(url("image_change", image.pk), {**posted_form(form), "credit": "First credit"})
    form = editor_client.get(url("image_change", image.pk))
    data = {**posted_form(form), "credit": "Second credit", "focal_x": "0.1"}
    editor_client.post(url("image_change", image.pk), data)
    assert not set(image.renditions.filter(spec="logo").values_list("file", flat=True)) & square
    versions = Version.objects.get_for_object(image)
    version = next(v for v in versions if v.field_dict["credit"] == "First credit")
    address = url("image_revision", image.pk, version.pk)
    restore_form = editor_client.get(address)
    assert restore_form.status_code == 200
    assert editor_client.post(address, posted_form(restore_form)).status_code == 302
    image.refresh_from_db()
    assert (image.credit, image.focal_x) == ("First credit", 0.5)
    assert set(image.renditions.filter(spec="logo").values_list("file", flat=True)) == square


def test_saving_an_image_whose_original_is_gone_says_so(editor_client, image):
    image.file.storage.delete(image.file.name)
    image.renditions.all().delete()
    form = editor_client.get(url("image_change", image.pk))
    response = editor_client.post(url("image_change", image.pk), {**posted_form(form), "focal_x": "0.2"})
    assert response.status_code == 302
    assert "could not be read" in told(response) and "renditions were not made" in told(response)
