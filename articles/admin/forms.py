"""The admin's article form: explicit publishing actions, local-time scheduling, one image
validation, optimistic locking, and an uploaded hero image held across a refused save."""

import datetime as dt

from django import forms
from django.contrib.admin import widgets
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from markdownx.fields import MarkdownxFormField
from reversion.models import Version

from ..images import check_size, checked_file
from ..markdown import body_size_error
from ..dates import SKIPPED, date_range_problem, daylight_saving
from ..models import Article, Author, PublicationSettings
from ..text import nfc, normalise_newlines
from ..reading import MAX_MINUTES


def dst_problem(naive: dt.datetime, zone) -> str | None:
    """Why a wall-clock time cannot be used in `zone`, or None when it names exactly one moment."""
    when = date_format(naive, "j F Y, H:i")
    problem = daylight_saving(naive, zone)
    if problem == SKIPPED:
        return (
            f"{when} does not exist in {zone}: the clocks go forward at that moment. "
            "Choose a time outside the skipped hour."
        )
    if problem:
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
    checked, as every text is stored (articles.text.nfc), instead of refused."""

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
        return normalise_newlines(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if error := body_size_error(value):
            raise forms.ValidationError(error, code="too_long")


# The change form's submit buttons. `_save` and `_continue` (and Ctrl+S) save the content and
# leave the publication state as it is; these change it.
PUBLISH, SCHEDULE, UNPUBLISH, REVIEW = "_publish", "_schedule", "_unpublish", "_review"
ACTIONS = (PUBLISH, SCHEDULE, UNPUBLISH, REVIEW)
HELD_HERO_SALT = "masthead.held-hero"


def publishing_action(data, can_publish: bool) -> str | None:
    """Which state-changing button was pressed; a contributor's only one is Submit for review."""
    allowed = ACTIONS if can_publish else (REVIEW,)
    return next((name for name in allowed if name in data), None)


class ArticleAdminForm(forms.ModelForm):
    # The version this form was loaded with; a save from an older version is refused.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # A hero image uploaded with a save that was refused (out of date, a field to correct): kept
    # in storage under its content-derived name, signed so a forged value names nothing else.
    held_hero_image = forms.CharField(widget=forms.HiddenInput, required=False)
    # Set by the admin (ArticleAdmin.get_form) from the button pressed.
    action = None

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
        if "slug" in self.fields:  # the admin shows help text as HTML: no <slug> placeholder
            self.fields["slug"].help_text = (
                "The article's address: /articles/your-slug/. Changed after publishing, the old "
                "address keeps leading here (a permanent redirect)."
            )
        if "publish_date" in self.fields:
            field = self.fields["publish_date"]
            field.required = False
            field.help_text = (
                f"In the site's time zone, {timezone.get_current_timezone_name()}. Set it, then press "
                "“Schedule”. “Publish now” dates an article never published with the moment it goes out."
            )
            if self.instance.draft and not self.instance.was_public and not self.is_bound:
                # A draft's stored date is only when it was started: not a date to keep.
                if not self.instance.pk or self.instance.publish_date <= timezone.now():
                    self.initial["publish_date"] = None
        # What a draft was stored with: "Publish now" keeps a date only when the editor typed another.
        self.stored_publish_date = self.instance.publish_date
        self.held_hero_name = ""
        if self.is_bound:
            self.held_hero_name = self._held_hero(self.data.get(self.add_prefix("held_hero_image"), ""))

    @staticmethod
    def _held_hero(token: str) -> str:
        try:
            name = signing.Signer(salt=HELD_HERO_SALT).unsign(token) if token else ""
        except signing.BadSignature:
            return ""
        return name if name and default_storage.exists(name) else ""

    def clean_hero_image_alt(self):
        return self.cleaned_data.get("hero_image_alt", "").strip()

    def clean_hero_image(self):
        value = self.cleaned_data.get("hero_image")
        if self.held_hero_name and not isinstance(value, ContentFile) and value is not False:
            return self.held_hero_name  # no new file chosen: the one held from the refused save
        return value

    def clean(self):
        cleaned = super().clean()
        # A missing alt text is a warning in the quality panel, never a refusal (see articles/admin/quality.py).
        self._check_publishing(cleaned)
        self._check_version()
        return cleaned

    def _check_publishing(self, cleaned):
        if "publish_date" not in self.fields or "publish_date" in self.errors:
            return
        when, now = cleaned.get("publish_date"), timezone.now()
        zone = timezone.get_current_timezone_name()
        if self.action == SCHEDULE:
            if when is None or when <= now:
                self.add_error(
                    "publish_date",
                    f"To schedule, set a date and time in the future (in {zone}); "
                    "to publish at once, press “Publish now”.",
                )
            return
        if when is None:
            cleaned["publish_date"] = self.instance.publish_date  # left empty: the stored one stays
            return
        if self.action or self.instance.draft or not self.instance.pk or when == self.instance.publish_date:
            return
        # A plain save never moves a public article offline, nor a scheduled one out, by its date.
        if self.instance.is_public and when > now:
            self.add_error(
                "publish_date",
                "This date is in the future: saving it would take the live article offline until then. "
                "Press “Schedule” to do that, or choose a past date.",
            )
        elif not self.instance.is_public and when <= now:
            self.add_error(
                "publish_date",
                "This date has passed: saving it would publish the scheduled article at once. "
                "Press “Publish now” to do that, or choose a future date.",
            )

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            self._hold_hero()

    def _hold_hero(self):
        """Keep a valid new hero image through a refused save: store it, carry its name along."""
        upload = self.cleaned_data.get("hero_image") if hasattr(self, "cleaned_data") else None
        if isinstance(upload, ContentFile) and upload.name:
            name = default_storage.save(f"heroes/{upload.name}", upload) if not default_storage.exists(
                f"heroes/{upload.name}") else f"heroes/{upload.name}"
            self.held_hero_name = name
        if self.held_hero_name:
            self.data = self.data.copy()
            self.data[self.add_prefix("held_hero_image")] = signing.Signer(salt=HELD_HERO_SALT).sign(
                self.held_hero_name
            )

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


class HttpsByDefault:
    """https_urls for the fields the admin makes itself."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)
