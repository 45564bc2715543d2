"""Helpers for tests that drive the admin: post a form back, recover a row, see what refuses a delete."""

from django.contrib.admin.utils import NestedObjects
from django.db import models, router
from django.urls import reverse
from reversion.models import Version


def posted_form(response) -> dict:
    """Return the data a browser would post back from an admin change page, unchanged."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        data[management.add_prefix("TOTAL_FORMS")] = len(formset.initial_forms)
        for form in formset.initial_forms:
            add(form)
    if response.context.get("opened_state"):
        data[response.context["opened_state_field"]] = response.context["opened_state"]
    return data


def recover_url(model: type[models.Model], pk) -> str:
    """Return the admin's recover page for the deleted row of model with pk."""
    deleted = Version.objects.get_deleted(model).get(object_id=str(pk))
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_recover", args=[deleted.pk])


def recover(client, model: type[models.Model], pk):
    """Recover the deleted row through its recover form, posting what the form shows; return both pages."""
    url = recover_url(model, pk)
    form = client.get(url)
    assert form.status_code == 200
    return form, client.post(url, posted_form(form), follow=True)


def deletion_refused_by(objs) -> list[models.Model]:
    """Return the records that refuse the deletion of objs, as the admin's delete page finds them."""
    objs = list(objs)
    collector = NestedObjects(using=router.db_for_write(type(objs[0])))
    collector.collect(objs)
    return sorted(collector.protected, key=lambda obj: (obj._meta.label, obj.pk))
