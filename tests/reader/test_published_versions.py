"""Property: whatever editors and contributors do to an article, every public surface shows its last publish.

The steps are a newsroom's: edits of the title, the summary and a paragraph; notes added, hidden, shown
again, rewritten and deleted; mentions added, rejected, confirmed again and deleted; companies
unpublished, renamed and published again; publishes, schedules, archives, submissions and returns to
draft; restores of an earlier revision through the admin's history; contributors trying what only editors
may. A model keeps the working copy and what the last publish froze. After every step each surface (the
article page and its JSON-LD, the API document and list, the Atom feed, the sitemap, search as page and
API, the home page and the article list) shows exactly the frozen version, less what was withdrawn since
(a note made internal or deleted, a mention rejected or deleted, a company unpublished, the article no
longer public), and nothing else. What was withdrawn stays withdrawn until the next publish, whatever is
done to it in the working copy.

Every title, summary, paragraph and note body carries a marker of its own, `zq` and four letters: a word
of its own to the search index, and a string no other text holds, so which edits a surface shows is read
off it exactly. Paragraphs change only after their opening words, where notes and mentions sit, so that
every note and mention stays where it was whatever text an edit or a restore puts back.
"""

import itertools
import json
import re
import string
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
import reversion
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from reversion.models import Version

from articles.models import Annotation, Article, ArticleVersion, Paragraph, Section
from articles.workflow import (
    article_archive,
    article_publish,
    article_return_to_draft,
    article_schedule,
    article_submit,
)
from landscape.models import Company, Mention
from landscape.services import mention_set_status
from tests.admin_support import posted_form
from tests.factories import make_annotation, make_company, make_mention

pytestmark = pytest.mark.django_db

Status = Article.Status
SLUG = "published-versions"
PAGE = f"/articles/{SLUG}/"
# The article's words for its two companies, then the words its notes annotate: no edit touches these.
COMPANY_WORDS = ("甲辰智能", "乙巳科技")
HEAD = f"{COMPANY_WORDS[0]}與{COMPANY_WORDS[1]}談大模型："
NOTED = "談大模型"
SECTIONS = (("", 2), ("第二節", 1))  # heading, paragraphs
PARAGRAPHS = st.integers(0, sum(count for _, count in SECTIONS) - 1)
COMPANIES = st.integers(0, len(COMPANY_WORDS) - 1)
MARKER = re.compile(r"zq[a-z]{4}")
ATOM = {"atom": "http://www.w3.org/2005/Atom"}
SITEMAP = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ROLES = st.sampled_from(["editor", "contributor"])
# The statuses each transition may start from, as the newsroom's rules say (docs: articles/workflow.py).
PUBLISH_FROM = {Status.DRAFT, Status.REVIEW, Status.SCHEDULED, Status.PUBLISHED}
SCHEDULE_FROM = {Status.DRAFT, Status.REVIEW, Status.SCHEDULED}
ARCHIVE_FROM = {Status.DRAFT, Status.REVIEW, Status.SCHEDULED, Status.PUBLISHED}
TO_DRAFT_FROM = {Status.REVIEW, Status.SCHEDULED, Status.PUBLISHED, Status.ARCHIVED}


def markers_in(*texts: str) -> set[str]:
    return {marker for text in texts for marker in MARKER.findall(text)}


def to_milliseconds(moment: datetime) -> datetime:
    """Cut a time to milliseconds, as JSON-LD and the API write it."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass
class Note:
    body: str
    public: bool


class PublishedVersions(RuleBasedStateMachine):
    """One article, two companies, an editor and a contributor; each example is rolled back at its end."""

    def __init__(self, *, editor, contributor, editor_client):
        super().__init__()
        self.users = {"editor": editor, "contributor": contributor}
        contributor_client = Client()
        self.reader = Client()
        self._example = transaction.atomic()
        self._example.__enter__()
        try:
            # What the cache remembers of an example rolled back is no business of this one.
            cache.clear()
            # The sessions of the last example went with its rollback.
            editor_client.force_login(editor)
            contributor_client.force_login(contributor)
            self.clients = {"editor": editor_client, "contributor": contributor_client}
            self._build()
        except BaseException:
            self.teardown()
            raise

    def teardown(self):
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    # --- the world and the model ----------------------------------------------------------------------

    def _build(self) -> None:
        self._letters = itertools.product(string.ascii_lowercase, repeat=4)
        self.markers: set[str] = set()
        self._renames = itertools.count(1)
        self.companies = [
            make_company(name_zh=word, name_en=f"Company {i}", slug=f"company-{i}")
            for i, word in enumerate(COMPANY_WORDS)
        ]
        # The working copy as the model has it; `frozen` is what the last publish or schedule froze.
        self.working = {"title": f"百模觀察 {self.marker()}", "summary": f"本文摘要 {self.marker()}"}
        self.notes: dict[str, Note] = {}  # uid → note, every visibility
        self.mentions: set[tuple[str, int]] = set()  # (paragraph anchor, company index), confirmed
        self.rejected: set[tuple[str, int]] = set()
        # What was taken back from the live version since the last publish: note uids, mention keys.
        self.withdrawn: set = set()
        self.published = [True for _ in self.companies]
        self.company_names = list(COMPANY_WORDS)
        self.revisions: dict[int, dict] = {}  # article Version pk → the text it holds
        self.frozen: dict = {}
        self.versions_written = 0
        editor = self.users["editor"]
        with reversion.create_revision():
            reversion.set_user(editor)
            reversion.set_comment("Written")
            article = Article.objects.create(
                title=self.working["title"], slug=SLUG, summary=self.working["summary"]
            )
            paragraphs = {}
            for position, (heading, count) in enumerate(SECTIONS):
                section = Section.objects.create(article=article, position=position, heading=heading)
                for p in range(count):
                    paragraph = Paragraph.objects.create(section=section, position=p, text=self.new_text())
                    paragraphs[paragraph.anchor] = paragraph.text
        self.working["paragraphs"] = paragraphs
        self.article_pk = article.pk
        self.anchors = sorted(paragraphs)
        # Published with notes of both visibilities and a mention of each company, so that every
        # withdrawal has something published to take back.
        for index, visibility in enumerate(Annotation.Visibility.values * 2):
            paragraph = self.paragraph(self.anchors[index % len(self.anchors)])
            body = f"編者按 {self.marker()}"
            self.add(make_annotation(paragraph, *self.noted_span(), visibility=visibility, body=body))
        for index in range(len(self.companies)):
            self.mention_company(index, index)
        article_publish(article=self.article(), user=editor)
        self.status = Status.PUBLISHED
        self.freeze()
        self.record_revisions()

    def marker(self) -> str:
        marker = "zq" + "".join(next(self._letters))
        self.markers.add(marker)
        return marker

    def new_text(self) -> str:
        return f"{HEAD}據報道 {self.marker()} 。"

    @staticmethod
    def noted_span() -> tuple[int, int]:
        at = HEAD.index(NOTED)
        return at, at + len(NOTED)

    def article(self) -> Article:
        return Article.objects.get(pk=self.article_pk)

    def paragraph(self, anchor: str) -> Paragraph:
        return Paragraph.objects.select_related("section").get(anchor=anchor)

    def add(self, annotation: Annotation) -> None:
        self.notes[str(annotation.uid)] = Note(
            annotation.body, annotation.visibility == Annotation.Visibility.PUBLIC
        )

    def freeze(self) -> None:
        """Remember what a publish or schedule froze: the working copy's text, public notes and mentions."""
        version = self.article().live_version_id
        assert version is not None and version != self.frozen.get("version")
        self.versions_written += 1
        self.frozen = {
            **deepcopy(self.working),
            "notes": {uid: note.body for uid, note in self.notes.items() if note.public},
            "mentions": {(anchor, c): self.company_names[c] for anchor, c in self.mentions},
            "version": version,
        }
        self.withdrawn = set()

    def record_revisions(self) -> None:
        """Note what each revision recorded since the last step holds: the working copy as it is now."""
        for pk in (
            Version.objects.get_for_model(Article)
            .filter(object_id=str(self.article_pk))
            .values_list("pk", flat=True)
        ):
            self.revisions.setdefault(pk, deepcopy(self.working))

    def shown(self) -> dict | None:
        """Return what readers should see: the frozen version less what was withdrawn since, or None."""
        if self.status != Status.PUBLISHED:
            return None
        frozen = self.frozen
        return {
            **frozen,
            "notes": {uid: body for uid, body in frozen["notes"].items() if uid not in self.withdrawn},
            "mentions": {
                key: name
                for key, name in frozen["mentions"].items()
                if self.published[key[1]] and key not in self.withdrawn
            },
        }

    def edit(self, who: str, comment: str, change, **working) -> None:
        """Save as the admin does, in a revision by the user holding the article with its text; model it."""
        with reversion.create_revision():
            reversion.set_user(self.users[who])
            reversion.set_comment(comment)
            change()
            reversion.add_to_revision(self.article())
        self.working.update(working)
        self.record_revisions()

    # --- edits of the working copy ----------------------------------------------------------------------

    @rule(who=ROLES)
    def edit_title(self, who):
        title = f"百模觀察 {self.marker()}"

        def change():
            article = self.article()
            article.title = title
            article.save()

        self.edit(who, "Title", change, title=title)

    @rule(who=ROLES)
    def edit_summary(self, who):
        summary = f"本文摘要 {self.marker()}"

        def change():
            article = self.article()
            article.summary = summary
            article.save()

        self.edit(who, "Summary", change, summary=summary)

    @rule(who=ROLES, index=PARAGRAPHS)
    def edit_paragraph(self, who, index):
        anchor, text = self.anchors[index], self.new_text()

        def change():
            paragraph = self.paragraph(anchor)
            paragraph.text = text
            paragraph.save()

        self.edit(who, "Paragraph", change, paragraphs={**self.working["paragraphs"], anchor: text})

    @rule(index=PARAGRAPHS, public=st.booleans())
    def add_note(self, index, public):
        visibility = Annotation.Visibility.PUBLIC if public else Annotation.Visibility.INTERNAL
        paragraph = self.paragraph(self.anchors[index])
        self.add(
            make_annotation(paragraph, *self.noted_span(), visibility=visibility, body=f"註 {self.marker()}")
        )

    def _annotation(self, data) -> Annotation:
        return Annotation.objects.get(uid=data.draw(st.sampled_from(sorted(self.notes))))

    @precondition(lambda self: self.notes)
    @rule(data=st.data())
    def toggle_note_visibility(self, data):
        annotation = self._annotation(data)
        note = self.notes[str(annotation.uid)]
        note.public = not note.public
        if not note.public:
            self.withdraw(str(annotation.uid))
        annotation.visibility = (
            Annotation.Visibility.PUBLIC if note.public else Annotation.Visibility.INTERNAL
        )
        annotation.save()

    @precondition(lambda self: self.notes)
    @rule(data=st.data())
    def rewrite_note(self, data):
        annotation = self._annotation(data)
        annotation.body = f"改寫 {self.marker()}"
        annotation.save()
        self.notes[str(annotation.uid)].body = annotation.body

    @precondition(lambda self: self.notes)
    @rule(data=st.data())
    def delete_note(self, data):
        annotation = self._annotation(data)
        annotation.delete()
        del self.notes[str(annotation.uid)]
        self.withdraw(str(annotation.uid))

    def withdraw(self, key) -> None:
        """Model a withdrawal: what the live version holds of it leaves readers until the next publish."""
        if key in self.frozen.get("notes", {}) or key in self.frozen.get("mentions", {}):
            self.withdrawn.add(key)

    @rule(index=PARAGRAPHS, company=COMPANIES)
    def mention_company(self, index, company):
        """Confirm a mention of a published company where the paragraph names it, once per span."""
        anchor = self.anchors[index]
        if (anchor, company) in self.mentions | self.rejected or not self.published[company]:
            return
        word = COMPANY_WORDS[company]
        at = HEAD.index(word)
        make_mention(self.paragraph(anchor), at, at + len(word), company=self.companies[company])
        self.mentions.add((anchor, company))

    def _mention(self, key: tuple[str, int]) -> Mention:
        anchor, company = key
        return Mention.objects.get(paragraph__anchor=anchor, company=self.companies[company])

    @precondition(lambda self: self.mentions)
    @rule(data=st.data())
    def reject_mention(self, data):
        key = data.draw(st.sampled_from(sorted(self.mentions)))
        mention_set_status(
            mention=self._mention(key), status=Mention.Status.REJECTED, user=self.users["editor"]
        )
        self.mentions.discard(key)
        self.rejected.add(key)
        self.withdraw(key)

    @precondition(lambda self: self.rejected)
    @rule(data=st.data())
    def confirm_mention_again(self, data):
        key = data.draw(st.sampled_from(sorted(self.rejected)))
        mention_set_status(
            mention=self._mention(key), status=Mention.Status.CONFIRMED, user=self.users["editor"]
        )
        self.rejected.discard(key)
        self.mentions.add(key)

    @precondition(lambda self: self.mentions | self.rejected)
    @rule(data=st.data())
    def delete_mention(self, data):
        key = data.draw(st.sampled_from(sorted(self.mentions | self.rejected)))
        self._mention(key).delete()
        self.mentions.discard(key)
        self.rejected.discard(key)
        self.withdraw(key)

    # --- the landscape ----------------------------------------------------------------------------------

    @rule(company=COMPANIES)
    def toggle_company_published(self, company):
        self.published[company] = not self.published[company]
        row = Company.objects.get(pk=self.companies[company].pk)
        row.published = self.published[company]
        row.save()

    @rule(company=COMPANIES)
    def rename_company(self, company):
        row = Company.objects.get(pk=self.companies[company].pk)
        row.name_zh = f"{COMPANY_WORDS[company]}集團{next(self._renames)}"
        row.save()
        self.company_names[company] = row.name_zh

    # --- the workflow -----------------------------------------------------------------------------------

    def transition(self, who: str, service, *, editors_only: bool, allowed_from, **kwargs) -> bool:
        """Run a workflow service; tell whether it went through, after checking any refusal was the right one.

        A contributor is refused what only editors may do before anything else; then a transition the
        article's status does not allow is refused. A refusal changes nothing.
        """
        refusal = None
        if editors_only and who == "contributor":
            refusal = PermissionDenied
        elif self.status not in allowed_from:
            refusal = ValidationError
        if refusal is not None:
            with pytest.raises(refusal):
                service(article=self.article(), user=self.users[who], **kwargs)
        else:
            service(article=self.article(), user=self.users[who], **kwargs)
        self.record_revisions()
        return refusal is None

    @rule(who=ROLES)
    def publish(self, who):
        if self.transition(who, article_publish, editors_only=True, allowed_from=PUBLISH_FROM):
            self.status = Status.PUBLISHED
            self.freeze()

    @rule(who=ROLES)
    def schedule_for_tomorrow(self, who):
        tomorrow = timezone.now() + timedelta(days=1)
        if self.transition(
            who, article_schedule, editors_only=True, allowed_from=SCHEDULE_FROM, publish_at=tomorrow
        ):
            self.status = Status.SCHEDULED
            self.freeze()

    @rule(who=ROLES)
    def archive(self, who):
        if self.transition(who, article_archive, editors_only=True, allowed_from=ARCHIVE_FROM):
            self.status = Status.ARCHIVED

    @rule(who=ROLES)
    def return_to_draft(self, who):
        # Taking back what readers could see or were promised is an editor's decision; a review is not.
        released = self.status in (Status.SCHEDULED, Status.PUBLISHED, Status.ARCHIVED)
        if self.transition(who, article_return_to_draft, editors_only=released, allowed_from=TO_DRAFT_FROM):
            self.status = Status.DRAFT

    @rule(who=ROLES)
    def submit(self, who):
        if self.transition(who, article_submit, editors_only=False, allowed_from={Status.DRAFT}):
            self.status = Status.REVIEW

    @precondition(lambda self: len(self.revisions) > 1)
    @rule(who=ROLES, data=st.data())
    def restore(self, who, data):
        """Restore an earlier revision through the admin's history, as its restore form posts it."""
        pk = data.draw(st.sampled_from(sorted(self.revisions)[:-1]))
        url = reverse("admin:articles_article_revision", args=[self.article_pk, pk])
        client = self.clients[who]
        form = client.get(url)
        assert form.status_code == 200, (who, form.status_code)
        response = client.post(url, posted_form(form))
        assert response.status_code == 302, response.content.decode()[:2000]
        self.working = deepcopy(self.revisions[pk])
        self.record_revisions()

    # --- what every surface shows -------------------------------------------------------------------------

    def found(self, body: str) -> set[str]:
        return {marker for marker in self.markers if marker in body}

    def get(self, url: str, status: int = 200):
        response = self.reader.get(url)
        assert response.status_code == status, (url, response.status_code)
        return response, response.content.decode()

    def version(self) -> ArticleVersion:
        return ArticleVersion.objects.get(pk=self.frozen["version"])

    @invariant()
    def the_article_row_holds_the_working_copy_and_the_live_version(self):
        article = self.article()
        assert article.status == self.status
        # No edit, restore or refused transition moves what is live, or writes a version: only a publish
        # or a schedule does.
        assert article.live_version_id == self.frozen["version"]
        assert ArticleVersion.objects.filter(article=article).count() == self.versions_written
        assert (article.title, article.summary) == (self.working["title"], self.working["summary"])
        texts = dict(Paragraph.objects.filter(section__article=article).values_list("anchor", "text"))
        assert texts == self.working["paragraphs"]

    @invariant()
    def the_page_shows_the_last_publish(self):
        shown = self.shown()
        if shown is None:
            _, html = self.get(PAGE, 404)
            assert not self.found(html)
            return
        _, html = self.get(PAGE)
        assert self.found(html) == markers_in(
            shown["title"], shown["summary"], *shown["paragraphs"].values(), *shown["notes"].values()
        )
        links = re.findall(r'<a class="mention" href="([^"]+)"', html)
        assert sorted(links) == sorted(self.companies[c].get_absolute_url() for _, c in shown["mentions"])
        (payload,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
        data = json.loads(payload)
        version = self.version()
        assert (data["headline"], data["description"]) == (shown["title"][:110], shown["summary"])
        assert parse_datetime(data["dateModified"]) == to_milliseconds(version.published_at)
        assert parse_datetime(data["datePublished"]) == to_milliseconds(version.publish_at)

    @invariant()
    def the_api_document_is_the_last_publish(self):
        url = f"/api/v1/articles/{SLUG}"
        shown = self.shown()
        if shown is None:
            _, body = self.get(url, 404)
            assert not self.found(body)
            return
        response, body = self.get(url)
        document = response.json()
        assert (document["title"], document["summary"]) == (shown["title"], shown["summary"])
        paragraphs = {p["anchor"]: p["text"] for s in document["sections"] for p in s["paragraphs"]}
        assert paragraphs == shown["paragraphs"]
        assert {a["id"]: a["note_text"] for a in document["annotations"]} == shown["notes"]
        assert not any(a["orphaned"] for a in document["annotations"])
        mentions = sorted(
            (m["paragraph"], m["entity"]["slug"], m["entity"]["name_zh"]) for m in document["mentions"]
        )
        assert mentions == sorted(
            (anchor, self.companies[c].slug, name) for (anchor, c), name in shown["mentions"].items()
        )
        assert parse_datetime(document["updated_at"]) == to_milliseconds(self.version().published_at)
        assert self.found(body) == markers_in(
            shown["title"], shown["summary"], *shown["paragraphs"].values(), *shown["notes"].values()
        )

    @invariant()
    def lists_feed_and_sitemap_show_the_last_publish(self):
        shown = self.shown()
        heads = markers_in(shown["title"], shown["summary"]) if shown else set()

        response, body = self.get("/api/v1/articles?limit=100")
        items = [item for item in response.json()["items"] if item["slug"] == SLUG]
        assert [(item["title"], item["summary"]) for item in items] == (
            [(shown["title"], shown["summary"])] if shown else []
        )
        assert self.found(body) == heads

        for url in ("/", "/articles/"):
            _, html = self.get(url)
            assert self.found(html) == heads, url

        _, body = self.get("/feeds/articles.atom")
        feed = ElementTree.fromstring(body)
        entries = [
            entry
            for entry in feed.findall("atom:entry", ATOM)
            if entry.find("atom:link", ATOM).get("href").endswith(PAGE)
        ]
        assert [
            (entry.findtext("atom:title", namespaces=ATOM), entry.findtext("atom:summary", namespaces=ATOM))
            for entry in entries
        ] == ([(shown["title"], shown["summary"])] if shown else [])
        if shown:
            (entry,) = entries
            updated = parse_datetime(entry.findtext("atom:updated", namespaces=ATOM))
            assert updated == self.version().published_at
        assert self.found(body) == heads

        _, body = self.get("/sitemap-articles.xml")
        urls = [
            url
            for url in ElementTree.fromstring(body).findall("sm:url", SITEMAP)
            if url.findtext("sm:loc", namespaces=SITEMAP).endswith(PAGE)
        ]
        assert len(urls) == (1 if shown else 0)
        if shown:
            lastmod = urls[0].findtext("sm:lastmod", namespaces=SITEMAP)
            assert lastmod == timezone.localdate(self.version().published_at).isoformat()

    @invariant()
    def search_finds_the_last_publish(self):
        shown = self.shown()
        texts = shown["paragraphs"] if shown else {}
        expected = markers_in(shown["title"], *texts.values()) if shown else set()

        response, body = self.get("/api/v1/search?q=zq&type=paragraph&limit=100")
        hits = response.json()["items"]
        assert sorted(hit["anchor"] for hit in hits) == sorted(texts)
        for hit in hits:
            assert hit["url"].endswith(f"{PAGE}#{hit['anchor']}")
            assert markers_in(hit["snippet"]) == markers_in(texts[hit["anchor"]])
            assert markers_in(hit["title"]) == markers_in(shown["title"])
        assert self.found(body) == expected

        _, html = self.get("/search?q=zq")
        assert self.found(html) == expected

        # Each marker is a word of the index: found exactly where the live version has it.
        for marker in markers_in(*self.working["paragraphs"].values(), *self.frozen["paragraphs"].values()):
            response, _ = self.get(f"/api/v1/search?q={marker}&type=paragraph")
            assert sorted(hit["anchor"] for hit in response.json()["items"]) == sorted(
                anchor for anchor, text in texts.items() if marker in text
            ), marker


def test_every_surface_shows_the_last_publish_less_what_was_withdrawn(editor, contributor, editor_client):
    run_state_machine_as_test(
        lambda: PublishedVersions(editor=editor, contributor=contributor, editor_client=editor_client),
        # Twenty runs of twenty steps, each step followed by a look at every surface: about 40 s on SQLite.
        settings=settings(
            max_examples=20,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
