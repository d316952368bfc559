"""The admin's article form: local-time scheduling, one image validation, optimistic locking."""

import datetime as dt

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from markdownx.fields import MarkdownxFormField

from .images import check_size, checked_file
from .models import Article, Author, PublicationSettings, date_range_problem, nfc
from .reading import MAX_MINUTES


def dst_problem(naive: dt.datetime, zone) -> str | None:
    """Why a wall-clock time cannot be used in `zone`, or None when it names exactly one moment."""
    when = date_format(naive, "j F Y, H:i")
    earlier, later = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    round_trip = earlier.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        return (
            f"{when} does not exist in {zone}: the clocks go forward at that moment. "
            "Choose a time outside the skipped hour."
        )
    if earlier.utcoffset() != later.utcoffset():
        return (
            f"{when} happens twice in {zone}: the clocks go back at that moment. "
            "Choose a time outside the repeated hour."
        )
    return None


class LocalDateTimeField(forms.SplitDateTimeField):
    """A date and time entered in the site's time zone; daylight-saving gaps and overlaps are refused."""

    def compress(self, data_list):
        if not data_list:
            return None
        day, time = data_list
        if day in self.empty_values or time in self.empty_values:
            raise ValidationError("Enter both a date and a time.", code="incomplete")
        naive = dt.datetime.combine(day, time)
        zone = timezone.get_current_timezone()
        moment = timezone.make_aware(naive, zone)
        if problem := date_range_problem(moment):
            raise ValidationError(f"The date {problem}.", code="out_of_range")
        problem = dst_problem(naive, zone)
        if problem:
            raise ValidationError(problem, code="ambiguous_timezone")
        return moment


class ComposedSlugField(forms.SlugField):
    """A slug pasted in decomposed Unicode ("e" + accent, from a Mac) is composed before it is
    checked, as every text is stored (articles.models.nfc), instead of refused."""

    def to_python(self, value):
        return nfc(super().to_python(value))


ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


class CheckedImageField(forms.FileField):
    """A new upload goes through articles.images (the one validation), not Django's own check:
    stored under a content-derived name with the detected format's extension, metadata stripped.
    Every image field of the admin uses it: heroes, avatars, the logo."""

    def to_python(self, data):
        value = super().to_python(data)
        if isinstance(value, UploadedFile):
            check_size(value.size)
            value.seek(0)
            return checked_file(value.read())
        return value


def https_urls(db_field, **kwargs):
    """Addresses typed without a scheme are taken as https:// (Django 6's default, today)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class BodyField(MarkdownxFormField):
    """Browsers send a textarea with CRLF line ends and bodies are stored with LF: only a real
    edit counts as a change (in the form and in the revision history), and edge whitespace is
    the writer's, kept as typed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "strip": False})

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")


class ArticleAdminForm(forms.ModelForm):
    # The version this form was loaded with; a save from an older version is refused.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = "__all__"
        formfield_callback = https_urls
        field_classes = {
            "publish_date": LocalDateTimeField,
            "hero_image": CheckedImageField,
            "body": BodyField,
            "slug": ComposedSlugField,
        }
        widgets = {
            "publish_date": widgets.AdminSplitDateTime,
            "hero_image": widgets.AdminFileWidget(attrs={"accept": ACCEPT}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loaded_version"].initial = self.instance.version
        # Every change is based on a known version; only a new article has none.
        self.fields["loaded_version"].required = bool(self.instance.pk)
        if "read_time_override" in self.fields:  # the importer's limit too, so every value round-trips
            minutes = self.fields["read_time_override"]
            minutes.min_value, minutes.max_value = 1, MAX_MINUTES
            minutes.validators += [MinValueValidator(1), MaxValueValidator(MAX_MINUTES)]
            minutes.widget.attrs.update(min=1, max=MAX_MINUTES)
        if "publish_date" in self.fields:
            self.fields["publish_date"].help_text = (
                f"In the site's time zone, {timezone.get_current_timezone_name()}. "
                "A future date schedules the article; it goes public at that moment."
            )

    def clean_hero_image_alt(self):
        return self.cleaned_data.get("hero_image_alt", "").strip()

    def clean(self):
        cleaned = super().clean()
        has_hero = cleaned.get("hero_image") or cleaned.get("hero_image_url")
        if "hero_image_alt" in self.fields and has_hero and not cleaned.get("hero_image_alt"):
            self.add_error("hero_image_alt", "Describe the hero image for readers who cannot see it.")
        self._check_version()
        return cleaned

    def _check_version(self):
        """Refuse a save based on an older version; the user's text stays on the form."""
        if not self.instance.pk:
            return
        loaded = self.cleaned_data.get("loaded_version")
        current = (
            Article.objects.select_for_update().filter(pk=self.instance.pk).values_list("version", flat=True).first()
        )
        if loaded is None or current is None or loaded == current:
            return
        from reversion.models import Version

        last = Version.objects.get_for_object(self.instance).select_related("revision__user").first()
        who = ""
        if last and last.revision.user:
            who = f" by {last.revision.user.get_full_name() or last.revision.user.get_username()}"
            who += f" at {date_format(timezone.localtime(last.revision.date_created), 'H:i')}"
        # Saving again, deliberately, replaces their version with this one.
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_version")] = current
        raise ValidationError(
            f"This article was changed{who} after you opened it. Your text is kept below and was not saved. "
            "Open the article's history to see their changes; save again to replace them with yours.",
            code="stale_version",
        )


class AuthorAdminForm(forms.ModelForm):
    class Meta:
        model = Author
        fields = "__all__"
        field_classes = {"avatar": CheckedImageField}
        widgets = {"avatar": widgets.AdminFileWidget(attrs={"accept": ACCEPT})}


class PublicationSettingsForm(forms.ModelForm):
    class Meta:
        model = PublicationSettings
        fields = "__all__"
        formfield_callback = https_urls
        field_classes = {"logo": CheckedImageField}
        widgets = {"logo": widgets.AdminFileWidget(attrs={"accept": ACCEPT})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("logo") and not cleaned.get("logo_alt", "").strip():
            self.add_error("logo_alt", "Describe the logo for readers who cannot see it (usually the name).")
        return cleaned


class ScheduleForm(forms.Form):
    """The bulk "schedule" action's date, in the site's time zone."""

    publish_date = LocalDateTimeField(label="Publish at", widget=widgets.AdminSplitDateTime)

    def clean_publish_date(self):
        when = self.cleaned_data["publish_date"]
        if when <= timezone.now():
            raise ValidationError("Choose a moment in the future; use “Publish now” to publish at once.")
        return when
