"""Import and export (django-import-export) shared by the admin: formats, strict resources, permissions.

Every resource here names related rows by natural keys (slugs, paragraph anchors), never by database
ids, so that a file exported from one database imports into another. Imports are all or nothing: a dry
run shows every row and every error with its row number and column first, and a file with any invalid
row changes nothing. Files over the limits in settings (IMPORTS_*) are refused before they are parsed;
a previewed file waits in the database (exchange.storage) until it is confirmed, once.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.formats import sanitize_separators
from django.views.decorators.http import require_POST
from import_export import resources, widgets
from import_export.admin import ImportExportMixin

from .formats import JSON, XLSX, CSVWithBOM, ImportFileError, check_size
from .storage import PendingImportGone, pending_imports_purge

logger = logging.getLogger(__name__)

EXCHANGE_FORMATS = [CSVWithBOM, XLSX, JSON]


def _shown(value) -> str:
    """Quote a cell's value for a message, shortened so a pasted paragraph does not flood the page."""
    text = str(value).strip()
    return f"“{text[:40]}…”" if len(text) > 40 else f"“{text}”"


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A related row named by its natural key (slug, anchor); an unknown key is an error that names it."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"No {self.model._meta.verbose_name} has the {self.field} “{value}”.") from None


class WholeNumberWidget(widgets.IntegerWidget):
    """An integer column whose bad values are explained, never truncated (12.5 is not 12)."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        try:
            number = Decimal(sanitize_separators(value))
        except (InvalidOperation, TypeError, ValueError):
            number = None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            raise ValueError(f"{_shown(value)} is not a whole number: write digits only, e.g. 2023.")
        return super().clean(value, row, **kwargs)


class NumberWidget(widgets.DecimalWidget):
    """A decimal column whose bad values are explained instead of naming decimal.ConversionSyntax."""

    def clean(self, value, row=None, **kwargs):
        try:
            number = super().clean(value, row, **kwargs)
        except (InvalidOperation, TypeError, ValueError):
            number = Decimal("NaN")
        if number is not None and not number.is_finite():
            raise ValueError(
                f"{_shown(value)} is not a number: write digits with a point for decimals, e.g. 1234.5 or "
                "-3, with no thousands separators or units (the unit has its own column)."
            )
        return number


class DayWidget(widgets.DateWidget):
    """A date column that says which way to write a date."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (TypeError, ValueError):
            raise ValueError(
                f"{_shown(value)} is not a date: write it as YYYY-MM-DD, e.g. 2023-11-30."
            ) from None


class YesNoWidget(widgets.BooleanWidget):
    """A yes/no column that refuses what it cannot read instead of taking it for “no”."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        if value not in (*self.TRUE_VALUES, *self.FALSE_VALUES, *self.NULL_VALUES):
            raise ValueError(f"{_shown(value)} is not a yes/no value: write 1 for yes or 0 for no.")
        return super().clean(value, row, **kwargs)


WORDED_WIDGETS = {
    widgets.IntegerWidget: WholeNumberWidget,
    widgets.DecimalWidget: NumberWidget,
    widgets.DateWidget: DayWidget,
    widgets.BooleanWidget: YesNoWidget,
}


def _name_the_choices(instance, errors: dict) -> dict:
    """Add the allowed values to the error of a field with choices: Django's message leaves them out."""
    for name, messages_ in errors.items():
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.concrete:
            continue
        choices = list(field.flatchoices) if field.choices else []
        if choices and getattr(instance, field.attname) not in {value for value, _ in choices}:
            allowed = ", ".join(f"{value} ({label})" for value, label in choices)
            messages_[-1] = f"{messages_[-1]} Use one of: {allowed}."
    return errors


class StrictResource(resources.ModelResource):
    """A resource whose import validates every row like a form and rolls back on any error.

    Every cell that cannot be read is an error of its row and column, in words, so the preview lists
    every row's problems at once.
    """

    class Meta:
        abstract = True
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        widget = super().widget_from_django_field(f, default)
        return WORDED_WIDGETS.get(widget, widget)

    def get_or_init_instance(self, instance_loader, row):
        """Report an unreadable key column (an unknown anchor, say) as that column's error."""
        try:
            return super().get_or_init_instance(instance_loader, row)
        except ValueError:
            errors = {}
            for name in self.get_import_id_fields():
                field = self.fields[name]
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = [str(error)]
            if not errors:
                raise
            raise ValidationError(errors) from None

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            raise ValidationError(_name_the_choices(instance, error.message_dict)) from None

    def check_columns(self, headers) -> None:
        """Refuse a file whose header misses a key column or names a column this import does not know.

        An unknown column is most often a typo, and its values would otherwise be dropped without a word.
        """
        known = [field.column_name for field in self.get_import_fields()]
        listing = ", ".join(known)
        unknown = [header for header in headers if header not in known]
        if unknown:
            names = ", ".join(f"“{name}”" for name in unknown)
            raise ImportFileError(
                f"The file has columns this import does not know: {names}. Rename or delete them; the "
                f"columns of {self._meta.model._meta.verbose_name_plural} are: {listing}."
            )
        keys = [self.fields[name].column_name for name in self.get_import_id_fields()]
        missing = [key for key in keys if key not in headers]
        if missing:
            names = " and ".join(f"“{name}”" for name in missing)
            raise ImportFileError(
                f"The file has no {names} column, which says which {self._meta.model._meta.verbose_name} "
                f"each row is. The columns are: {listing}."
            )


ALREADY_CONFIRMED = (
    "This import was already confirmed (or its preview waited too long and was discarded), so nothing "
    "was imported again. The list shows what is there now; to import the file, upload it again."
)


class ExchangeAdminMixin(ImportExportMixin):
    """Import (add and change permission needed) and export (view permission) in CSV, XLSX and JSON.

    A file over the limits, unreadable, or with unknown columns is refused on the import form before
    any row is read into the database. Only a file whose dry run passed is kept, in the database, for
    its confirm; the confirm takes it away, so a second confirm imports nothing.
    """

    formats = EXCHANGE_FORMATS
    from_encoding = "utf-8-sig"  # reads CSV with or without the byte-order mark
    to_encoding = "utf-8"

    def has_import_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}") and request.user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # Even on the confirmed import, one invalid row undoes the whole file.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def get_tmp_storage_class_kwargs(self):
        # A pending file can only be confirmed into the model it was previewed for.
        return {"model": self.opts.label}

    def _pending_storage(self, name=None):
        return self.get_tmp_storage_class()(name=name, read_mode="rb", **self.get_tmp_storage_class_kwargs())

    def _input_format(self, form):
        return self.get_import_formats()[int(form.cleaned_data["format"])](encoding=self.from_encoding)

    def _import_page(self, request, form, resources_, **context):
        context.update(self.get_import_context_data())
        context.update(self.admin_site.each_context(request))
        context.update(
            title="Import",
            form=form,
            opts=self.model._meta,
            media=self.media + form.media,
            fields_list=[
                (resource.get_display_name(), [f.column_name for f in resource.get_user_visible_fields()])
                for resource in resources_
            ],
            import_error_display=self.import_error_display,
            import_limits={
                "upload": settings.IMPORTS_MAX_UPLOAD_BYTES,
                "expanded": settings.IMPORTS_MAX_XLSX_EXPANDED_BYTES,
                "rows": settings.IMPORTS_MAX_ROWS,
            },
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def import_action(self, request, **kwargs):
        """Check the upload, dry-run it and keep it for the confirm only when every row is valid."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        pending_imports_purge()
        form = self.create_import_form(request)
        res_kwargs = self.get_import_resource_kwargs(request, form=form, **kwargs)
        if not (request.method == "POST" and form.is_valid()):
            resources_ = [cls(**res_kwargs) for cls in self.get_import_resource_classes(request)]
            return self._import_page(request, form, resources_)

        input_format = self._input_format(form)
        upload = form.cleaned_data["import_file"]
        resource = self.choose_import_resource_class(form, request)(**res_kwargs)
        try:
            check_size(upload.size)
            data = b"".join(upload.chunks())
            dataset = input_format.create_dataset(data)
            resource.check_columns(dataset.headers)
        except ImportFileError as error:
            form.add_error("import_file", str(error))
            return self._import_page(request, form, [resource])
        except Exception:
            logger.exception("Import file %r could not be read as %s", upload.name, input_format.get_title())
            form.add_error(
                "import_file",
                f"The file cannot be read as {input_format.get_title()}. Choose the format the file is in, "
                "or save it again from your spreadsheet program and upload that.",
            )
            return self._import_page(request, form, [resource])

        result = resource.import_data(
            dataset,
            dry_run=True,
            raise_errors=False,
            file_name=upload.name,
            user=request.user,
            **self.get_import_data_kwargs(request=request, form=form, **kwargs),
        )
        context = {"result": result}
        if not result.has_errors() and not result.has_validation_errors():
            storage = self._pending_storage()
            storage.save(data)
            upload.tmp_storage_name = storage.name
            context["confirm_form"] = self.create_confirm_form(request, import_form=form)
        return self._import_page(request, form, [resource], **context)

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Import the previewed file once; a repeated or late confirm is told so and imports nothing."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)
        try:
            data = self._pending_storage(confirm_form.cleaned_data["import_file_name"]).claim()
        except PendingImportGone:
            messages.warning(request, ALREADY_CONFIRMED)
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

        try:
            dataset = self._input_format(confirm_form).create_dataset(data)
        except ImportFileError as error:  # only if the limits were lowered since the preview
            messages.error(request, f"Nothing was imported: {error}")
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
        result = self.process_dataset(dataset, confirm_form, request, **kwargs)
        if result.has_errors() or result.has_validation_errors():
            # The database changed since the preview; the import was rolled back as a whole.
            form = self.get_import_form_class(request)(
                self.get_import_formats(), self.get_import_resource_classes(request)
            )
            resource = self.choose_import_resource_class(confirm_form, request)(
                **self.get_import_resource_kwargs(request, form=confirm_form, **kwargs)
            )
            messages.error(
                request,
                "Nothing was imported: since the preview, the rows below became invalid. Correct the "
                "file and upload it again.",
            )
            return self._import_page(request, form, [resource], result=result)
        return self.process_result(result, request)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """Export numbers and dates as such in XLSX (django-import-export only knows its own classes)."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(
            request, queryset, force_native_type=file_format.is_binary(), **kwargs
        )
        export_data = file_format.export_data(data)
        encoding = kwargs.get("encoding")
        if not file_format.is_binary() and encoding:
            export_data = export_data.encode(encoding)
        return export_data
