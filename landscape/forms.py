"""The quote list's filters, read from GET parameters: speaker and company from a list, article by slug."""

from django import forms

from .selectors import quote_filter_choices


class SlugChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return getattr(obj, "name_zh", None) or getattr(obj, "title", None) or str(obj)


class QuoteFilterForm(forms.Form):
    speaker = SlugChoiceField(
        queryset=None,
        to_field_name="slug",
        required=False,
        label="講者",
        empty_label="全部講者",
        error_messages={"invalid_choice": "找不到這位講者：「%(value)s」。請從清單中選擇，或清除篩選。"},
    )
    company = SlugChoiceField(
        queryset=None,
        to_field_name="slug",
        required=False,
        label="公司",
        empty_label="全部公司",
        error_messages={"invalid_choice": "找不到這家公司：「%(value)s」。請從清單中選擇，或清除篩選。"},
    )
    # Named by a link from a quote, never chosen from a list of every article: the field rides along
    # hidden while the reader changes the other filters.
    article = SlugChoiceField(
        queryset=None,
        to_field_name="slug",
        required=False,
        label="文章",
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": "找不到這篇文章：「%(value)s」。請清除篩選，或從引語下的連結進入。"
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = quote_filter_choices()
        self.fields["speaker"].queryset = choices["speakers"]
        self.fields["company"].queryset = choices["companies"]
        self.fields["article"].queryset = choices["articles"]
